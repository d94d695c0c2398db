from app.kernel.modules import ModuleConfig


class AccountsConfig(ModuleConfig):
    name = "modules.accounts"
    label = "accounts"
    verbose_name = "Accounts"
