from app.kernel.modules import ModuleConfig


class CatalogConfig(ModuleConfig):
    name = "modules.catalog"
    label = "catalog"
    default = True  # apps.py also imports ModuleConfig: tell Django which one to use
    verbose_name = "Catalog"
