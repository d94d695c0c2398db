from app.kernel.modules import ModuleConfig


class AccountsConfig(ModuleConfig):
    name = "modules.accounts"
    label = "accounts"
    default = True  # apps.py also imports ModuleConfig: tell Django which one to use
    verbose_name = "Accounts"
