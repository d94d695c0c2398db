"""On PostgreSQL an order whose status leaves ``pending`` notifies ``seams_order_decided``
with its id, from a row-level trigger: queued in the deciding transaction (delivered at its
commit, dropped at its rollback), from every path that decides an order (the saga, a
cancel, the timeout sweeper), at no round trip of its own. A held read of the order waits
for it (ADR 0027)."""

from django.db import migrations

FUNCTION = "seams_order_decided_notify"
CHANNEL = "seams_order_decided"  # modules.orders.selectors.DECIDED_CHANNEL, as of this migration


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("orders", "Order")._meta.db_table)
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', NEW.id::text); RETURN NULL; END $$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {FUNCTION} AFTER UPDATE OF status ON {table} FOR EACH ROW "
        f"WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') "
        f"EXECUTE FUNCTION {FUNCTION}()"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("orders", "Order")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0003_saga_compensating"),
    ]

    operations = [migrations.RunPython(create, drop)]
