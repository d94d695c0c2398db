from app.kernel.modules import ModuleConfig


class NotificationsConfig(ModuleConfig):
    name = "modules.notifications"
    label = "notifications"
    default = True  # apps.py also imports ModuleConfig: tell Django which one to use
    verbose_name = "Notifications"
