from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The kernel's own tables (outbox, inbox, idempotency keys) live under label ``kernel``."""

    name = "app.kernel"
    label = "kernel"
    verbose_name = "Seams kernel"

    def ready(self) -> None:
        # Boundaries: the seams.E0xx system checks and the data-ownership guard on every
        # database connection (see app/kernel/boundaries/).
        from app.kernel.boundaries import checks, guard
        from app.kernel.remote import checks as remote_checks

        checks.register()
        guard.install_everywhere()
        # Module apis callable over the wire: seams.E012/E013 (app/kernel/remote/checks.py).
        remote_checks.register()
