from app.kernel.modules import ModuleConfig


class PaymentsConfig(ModuleConfig):
    name = "modules.payments"
    label = "payments"
    default = True  # apps.py also imports ModuleConfig: pick this one
    verbose_name = "Payments"
