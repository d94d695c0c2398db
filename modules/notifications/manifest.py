"""The notifications module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="notifications",
    summary="Notifications sent to customers.",
    depends_on=("orders", "payments"),
    consumes=("orders.OrderConfirmed", "orders.OrderCancelled"),
)
