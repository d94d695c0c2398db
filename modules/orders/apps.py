from app.kernel.modules import ModuleConfig


class OrdersConfig(ModuleConfig):
    name = "modules.orders"
    label = "orders"
    default = True  # apps.py also imports ModuleConfig: pick this one
    verbose_name = "Orders"
