from app.kernel.modules import ModuleConfig


class AnalyticsConfig(ModuleConfig):
    name = "modules.analytics"
    label = "analytics"
    verbose_name = "Analytics"
