from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    """Idempotency-Key records for POST endpoints (see :mod:`app.kernel.idempotency`)."""

    name = "app.kernel.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
    default_auto_field = "django.db.models.BigAutoField"
