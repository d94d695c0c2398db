from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The kernel's own tables (outbox, inbox, idempotency keys) live under label ``kernel``."""

    name = "app.kernel"
    label = "kernel"
    verbose_name = "Seams kernel"

    def ready(self) -> None:
        # Boundaries: the seams.E0xx system checks and the data-ownership guard on every
        # database connection (see app/kernel/boundaries/).
        from django.conf import settings
        from django.core import checks as django_checks

        from app.kernel.boundaries import checks, guard
        from app.kernel.observability.tracing import configure_tracing
        from app.kernel.remote import checks as remote_checks
        from app.kernel.topology import validation

        checks.register()
        guard.install_everywhere()
        # Topology: every shipped topology (and the running one) fits the modules (seams.E011).
        django_checks.register(validation.system_check, "seams")
        # Module apis callable over the wire: seams.E012/E013 (app/kernel/remote/checks.py).
        remote_checks.register()
        # Tracing (ADR 0015): the OpenTelemetry SDK and instrumentations, from OTEL_* (before
        # the WSGI handler loads its middleware: the Django instrumentation adds one).
        configure_tracing(service=settings.SEAMS_SERVICE)
