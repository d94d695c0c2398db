from app.kernel.modules import ModuleConfig


class PaymentsConfig(ModuleConfig):
    name = "modules.payments"
    label = "payments"
    verbose_name = "Payments"
