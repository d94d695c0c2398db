"""The shop's invariants counted from its database: every order terminal, nothing charged
twice, money and stock conserved, no dead delivery. Shared by the chaos suite and
``make bench-checkout`` (both check them after their run); ``q`` runs one SQL statement on
the monolith's database and returns its rows."""

from __future__ import annotations

from collections.abc import Callable

Query = Callable[..., list[tuple]]


def violations_in(q: Query) -> dict[str, int]:
    """Every invariant, counted from the database (0 everywhere is a pass)."""
    found: dict[str, int] = {}
    found["not_terminal"] = q("SELECT count(*) FROM orders_order WHERE status = 'pending'")[0][0]
    found["timed_out"] = q(
        "SELECT count(*) FROM orders_order WHERE cancellation_reason = 'timed_out'"
    )[0][0]
    found["saga_active"] = q(
        "SELECT count(*) FROM orders_checkoutsaga WHERE state NOT IN ('confirmed', 'cancelled')"
    )[0][0]
    found["charged_twice"] = q(
        "SELECT count(*) FROM (SELECT order_id FROM payments_ledgerentry WHERE kind = 'capture' "
        "AND order_id IS NOT NULL GROUP BY order_id HAVING count(*) > 1) d"
    )[0][0]
    found["confirmed_not_paid_or_sold"] = q(
        "SELECT count(*) FROM orders_order o LEFT JOIN payments_payment p ON p.order_id = o.id "
        "LEFT JOIN inventory_reservation r ON r.order_id = o.id WHERE o.status = 'confirmed' "
        "AND (p.status IS DISTINCT FROM 'captured' OR p.amount <> o.total "
        "OR r.status IS DISTINCT FROM 'sold')"
    )[0][0]
    found["cancelled_but_charged_or_held"] = q(
        "SELECT count(*) FROM orders_order o LEFT JOIN payments_payment p ON p.order_id = o.id "
        "LEFT JOIN inventory_reservation r ON r.order_id = o.id WHERE o.status = 'cancelled' "
        "AND (p.status = 'captured' OR r.status IN ('reserved', 'sold'))"
    )[0][0]
    total_of = "SELECT coalesce(sum(amount), 0) FROM payments_ledgerentry WHERE kind = %s"
    top_ups, captured, refunded = (
        q(total_of, (kind,))[0][0] for kind in ("topup", "capture", "refund")
    )
    balances = q("SELECT coalesce(sum(balance), 0) FROM payments_wallet")[0][0]
    found["money_not_conserved"] = int(top_ups != balances + captured - refunded)
    found["wallets_off_ledger"] = q(
        "SELECT count(*) FROM payments_wallet w WHERE w.balance <> (SELECT coalesce(sum(CASE "
        "e.kind WHEN 'capture' THEN -e.amount ELSE e.amount END), 0) FROM payments_ledgerentry e "
        "WHERE e.wallet_id = w.id)"
    )[0][0]
    found["stock_off"] = q(
        "SELECT count(*) FROM inventory_stockitem WHERE on_hand < 0 OR reserved < 0 "
        "OR reserved > on_hand OR on_hand <> received - written_off - sold + returned"
    )[0][0]
    sold = dict(
        q(
            "SELECT l.sku, sum(l.quantity) FROM orders_orderline l JOIN orders_order o "
            "ON o.id = l.order_id WHERE o.status = 'confirmed' GROUP BY l.sku"
        )
    )
    stock = q("SELECT sku, sold - returned, reserved FROM inventory_stockitem")
    found["stock_not_matching_sales"] = sum(
        1 for sku, net_sold, reserved in stock if net_sold != sold.get(sku, 0) or reserved != 0
    )
    found["dead_deliveries"] = q("SELECT count(*) FROM seams_events_outbox WHERE status = 'dead'")[
        0
    ][0]
    return found
