from django.apps import AppConfig


class BaselineConfig(AppConfig):
    name = "bench.checkout.baseline"
    label = "benchbaseline"
    default_auto_field = "django.db.models.BigAutoField"
