from app.kernel.modules import ModuleConfig


class InventoryConfig(ModuleConfig):
    name = "modules.inventory"
    label = "inventory"
    verbose_name = "Inventory"
