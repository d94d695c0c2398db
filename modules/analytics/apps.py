from app.kernel.modules import ModuleConfig


class AnalyticsConfig(ModuleConfig):
    name = "modules.analytics"
    label = "analytics"
    default = True  # apps.py also imports ModuleConfig: tell Django which one to use
    verbose_name = "Analytics"
