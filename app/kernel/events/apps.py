from django.apps import AppConfig
from django.core.signals import request_started

from app.kernel.events.bus import bus
from app.kernel.ownership import CURRENT_MODULE, acting_as


class EventsConfig(AppConfig):
    """The event seam's tables (outbox, inbox, failed attempts, dead letters) and wiring."""

    name = "app.kernel.events"
    label = "seams_events"
    verbose_name = "Seams events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # imported here, not at the top: it imports this app's models
        from app.kernel.events import routing
        from app.kernel.events.embedded import write_outbox

        # module_var: the ContextVar acting_as sets (fast sync dispatch; see bus.install);
        # routing: consumers on other databases get forwards (this module is the Routing)
        bus.install(
            outbox=write_outbox, run_as=acting_as, module_var=CURRENT_MODULE, routing=routing
        )
        # embedded transport in a serving process: start the dispatcher with the first
        # request, so rows left pending by a previous run are delivered without a new publish
        request_started.connect(start_embedded_dispatcher, dispatch_uid="seams_events.dispatcher")


def start_embedded_dispatcher(**kwargs: object) -> None:
    from app.kernel.events import embedded  # imports models: not at the top of apps.py

    embedded.ensure_dispatcher()
