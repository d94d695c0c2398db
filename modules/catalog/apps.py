from app.kernel.modules import ModuleConfig


class CatalogConfig(ModuleConfig):
    name = "modules.catalog"
    label = "catalog"
    verbose_name = "Catalog"
