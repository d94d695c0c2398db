"""On PostgreSQL an order whose status leaves ``pending`` notifies ``seams_order_decided``
with its id, from a row-level trigger: queued in the deciding transaction (delivered at its
commit, dropped at its rollback), from every path that decides an order (the saga, a
cancel, the timeout sweeper), at no round trip of its own. A held read of the order waits
for it (ADR 0027)."""

from django.db import migrations

from app.kernel.notify_trigger import notify_trigger


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_saga_compensating"),
    ]

    operations = [
        notify_trigger(
            "orders",
            "Order",
            name="seams_order_decided_notify",
            fires="AFTER UPDATE OF status",
            for_each="ROW",
            when="OLD.status = 'pending' AND NEW.status <> 'pending'",
            channel="seams_order_decided",  # modules.orders.selectors.DECIDED_CHANNEL, as of this migration
            payload="NEW.id::text",
        )
    ]
