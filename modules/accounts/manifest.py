"""The accounts module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="accounts",
    summary="Users, credentials, JWT issue and refresh.",
    depends_on=(),
    consumes=(),
)
