"""The catalog module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="catalog",
    summary="Products and prices.",
    depends_on=(),
    consumes=(),
)
