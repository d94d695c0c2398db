from django.apps import AppConfig

from app.kernel.events import bus


class BenchLatencyConfig(AppConfig):
    name = "bench.events_fixture"
    label = "benchlat"

    def ready(self) -> None:
        from bench.events_fixture.handlers import SUBSCRIPTIONS

        bus.subscribe_all("benchlat", SUBSCRIPTIONS)
