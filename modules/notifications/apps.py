from app.kernel.modules import ModuleConfig


class NotificationsConfig(ModuleConfig):
    name = "modules.notifications"
    label = "notifications"
    verbose_name = "Notifications"
