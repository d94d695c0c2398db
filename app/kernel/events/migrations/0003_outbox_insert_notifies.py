"""On PostgreSQL every INSERT into the outbox wakes the relays, from a statement-level
trigger: the NOTIFY is queued in the inserting transaction (delivered at its commit, dropped
at its rollback) and costs no round trip of its own (ADR 0026)."""

from django.db import migrations

from app.kernel.notify_trigger import notify_trigger


class Migration(migrations.Migration):
    dependencies = [
        ("seams_events", "0002_received_once"),
    ]

    operations = [
        notify_trigger(
            "seams_events",
            "OutboxMessage",
            name="seams_outbox_notify",
            fires="AFTER INSERT",
            channel="seams_outbox",  # app.kernel.events.outbox.NOTIFY_CHANNEL, as of this migration
        )
    ]
