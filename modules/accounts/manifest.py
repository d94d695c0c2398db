"""The accounts module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="accounts",
    summary="Users, credentials, JWT issue and refresh.",
    depends_on=(),
    consumes=(),
    # Django's auth tables (groups, permissions) and simplejwt's token blacklist are
    # identity data: they belong to accounts like its own tables.
    owns_apps=("auth", "token_blacklist"),
)
