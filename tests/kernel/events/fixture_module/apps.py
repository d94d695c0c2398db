from django.apps import AppConfig

from app.kernel.events import bus


class EvtestConfig(AppConfig):
    """Installed only by tests/kernel/events/worker_settings.py (the test Celery worker)."""

    name = "tests.kernel.events.fixture_module"
    label = "evtest"

    def ready(self) -> None:
        from tests.kernel.events.fixture_module.handlers import SUBSCRIPTIONS

        bus.subscribe_all("evtest", SUBSCRIPTIONS)
