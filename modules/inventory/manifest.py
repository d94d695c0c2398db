"""The inventory module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="inventory",
    summary="Stock levels and reservations.",
    depends_on=("catalog",),
    consumes=(),
)
