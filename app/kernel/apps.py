from django.apps import AppConfig


class KernelConfig(AppConfig):
    """The kernel's own tables (outbox, inbox, idempotency keys) live under label ``kernel``."""

    name = "app.kernel"
    label = "kernel"
    verbose_name = "Seams kernel"
