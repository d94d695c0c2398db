from django.apps import AppConfig

from app.kernel.events.bus import bus
from app.kernel.ownership import acting_as


class EventsConfig(AppConfig):
    """The event seam's tables (outbox, inbox, failed attempts, dead letters) and wiring."""

    name = "app.kernel.events"
    label = "seams_events"
    verbose_name = "Seams events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # imported here, not at the top: it imports this app's models
        from app.kernel.events.embedded import write_outbox

        bus.install(outbox=write_outbox, run_as=acting_as)
