from app.kernel.modules import ModuleConfig


class OrdersConfig(ModuleConfig):
    name = "modules.orders"
    label = "orders"
    verbose_name = "Orders"
