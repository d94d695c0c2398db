from app.kernel.modules import ModuleConfig


class InventoryConfig(ModuleConfig):
    name = "modules.inventory"
    label = "inventory"
    default = True  # apps.py also imports ModuleConfig: pick this one
    verbose_name = "Inventory"
