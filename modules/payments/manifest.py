"""The payments module's manifest: the single source of truth for its boundaries."""

from app.kernel.modules import ModuleManifest

MANIFEST = ModuleManifest(
    name="payments",
    summary="Wallets (customer balances) and ledger entries.",
    depends_on=(),
    consumes=(),
)
