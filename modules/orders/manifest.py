"""The orders module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="orders",
    summary="Orders, order lines, the checkout saga's state.",
    depends_on=("catalog", "inventory", "payments"),
    consumes=("orders.OrderPlaced",),
)
