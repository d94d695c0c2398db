"""What must hold after any fault, counted from the databases (0 everywhere is a pass):
every order terminal and paid or released as its outcome says, nothing charged twice,
money and stock conserved, no delivery dead. Shared by the chaos suite (one database) and
the failure drills (the split topology: a database per service).

Each module's tables are read only with its own queries, ``query(module, sql, params)``
running on the database that holds that module's tables; what spans modules (an order, its
payment and its reservation) is joined here, as no database holds all three once split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

Query = Callable[[str, str, tuple], list[tuple]]


def _by_order(rows: list[tuple]) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in rows}


def violations(query: Query, outbox_modules: Iterable[str] = ("orders",)) -> dict[str, int]:
    """Every invariant by name with its count of violations. ``outbox_modules``: one module
    per database whose outbox to look at for dead deliveries."""
    found: dict[str, int] = {}
    orders = query("orders", "SELECT id, status, cancellation_reason, total FROM orders_order", ())
    found["not_terminal"] = sum(1 for _, status, _, _ in orders if status == "pending")
    found["timed_out"] = sum(1 for _, _, reason, _ in orders if reason == "timed_out")
    found["saga_active"] = query(
        "orders",
        "SELECT count(*) FROM orders_checkoutsaga WHERE state NOT IN ('confirmed', 'cancelled')",
        (),
    )[0][0]
    found["charged_twice"] = query(
        "payments",
        "SELECT count(*) FROM (SELECT order_id FROM payments_ledgerentry WHERE kind = 'capture' "
        "AND order_id IS NOT NULL GROUP BY order_id HAVING count(*) > 1) d",
        (),
    )[0][0]
    payments = _by_order(
        query("payments", "SELECT order_id, status, amount FROM payments_payment", ())
    )
    reservations = _by_order(
        query("inventory", "SELECT order_id, status FROM inventory_reservation", ())
    )
    found["confirmed_not_paid_or_sold"] = sum(
        1
        for order_id, status, _, total in orders
        if status == "confirmed"
        and (
            payments.get(order_id, (None, None)) != ("captured", total)
            or reservations.get(order_id, (None,))[0] != "sold"
        )
    )
    found["cancelled_but_charged_or_held"] = sum(
        1
        for order_id, status, _, _ in orders
        if status == "cancelled"
        and (
            payments.get(order_id, (None,))[0] == "captured"
            or reservations.get(order_id, (None,))[0] in ("reserved", "sold")
        )
    )
    total_of = "SELECT coalesce(sum(amount), 0) FROM payments_ledgerentry WHERE kind = %s"
    top_ups, captured, refunded = (
        Decimal(query("payments", total_of, (kind,))[0][0])
        for kind in ("topup", "capture", "refund")
    )
    balance_sum = "SELECT coalesce(sum(balance), 0) FROM payments_wallet"
    balances = Decimal(query("payments", balance_sum, ())[0][0])
    found["money_not_conserved"] = int(top_ups != balances + captured - refunded)
    found["wallets_off_ledger"] = query(
        "payments",
        "SELECT count(*) FROM payments_wallet w WHERE w.balance <> (SELECT coalesce(sum(CASE "
        "e.kind WHEN 'capture' THEN -e.amount ELSE e.amount END), 0) FROM payments_ledgerentry e "
        "WHERE e.wallet_id = w.id)",
        (),
    )[0][0]
    found["stock_off"] = query(
        "inventory",
        "SELECT count(*) FROM inventory_stockitem WHERE on_hand < 0 OR reserved < 0 "
        "OR reserved > on_hand OR on_hand <> received - written_off - sold + returned",
        (),
    )[0][0]
    sold = dict(
        query(
            "orders",
            "SELECT l.sku, sum(l.quantity) FROM orders_orderline l JOIN orders_order o "
            "ON o.id = l.order_id WHERE o.status = 'confirmed' GROUP BY l.sku",
            (),
        )
    )
    stock = query("inventory", "SELECT sku, sold - returned, reserved FROM inventory_stockitem", ())
    found["stock_not_matching_sales"] = sum(
        1 for sku, net_sold, reserved in stock if net_sold != sold.get(sku, 0) or reserved != 0
    )
    found["dead_deliveries"] = sum(
        query(module, "SELECT count(*) FROM seams_events_outbox WHERE status = 'dead'", ())[0][0]
        for module in outbox_modules
    )
    return found


def listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
