"""On PostgreSQL every INSERT into the outbox wakes the relays, from a statement-level
trigger: the NOTIFY is queued in the inserting transaction (delivered at its commit, dropped
at its rollback) and costs no round trip of its own (ADR 0026)."""

from django.db import migrations

FUNCTION = "seams_outbox_notify"
CHANNEL = "seams_outbox"  # app.kernel.events.outbox.NOTIFY_CHANNEL, as of this migration


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("seams_events", "OutboxMessage")._meta.db_table)
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {FUNCTION} AFTER INSERT ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("seams_events", "OutboxMessage")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):

    dependencies = [
        ("seams_events", "0002_received_once"),
    ]

    operations = [migrations.RunPython(create, drop)]
