"""The analytics module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="analytics",
    summary="Sales facts derived from events.",
    depends_on=("orders",),
    consumes=("orders.OrderConfirmed", "orders.OrderCancelled"),
)
