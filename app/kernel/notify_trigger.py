"""A migration operation: on PostgreSQL, a trigger on a model's table that notifies a
channel (the outbox's wakes the relays, ADR 0026; the orders' wakes held reads, ADR 0027).

The notification is queued in the writing transaction: delivered at its commit, dropped at
its rollback, from every path that writes the table, at no round trip of its own. On other
databases the operation does nothing (nothing there listens)."""

from __future__ import annotations

from django.db import migrations


def notify_trigger(
    app_label: str,
    model_name: str,
    *,
    name: str,
    fires: str,
    channel: str,
    payload: str = "''",
    for_each: str = "STATEMENT",
    when: str = "",
) -> migrations.RunPython:
    """Create (and on reverse, drop) function and trigger ``name``: ``fires`` (``AFTER
    INSERT``, ``AFTER UPDATE OF status``) on the model's table, ``FOR EACH for_each``, only
    ``WHEN (when)`` if given, it runs ``pg_notify(channel, payload)`` (``payload``: an SQL
    expression, e.g. ``NEW.id::text``). Every argument is a constant of the migration."""

    def table(apps, schema_editor) -> str:
        return schema_editor.quote_name(apps.get_model(app_label, model_name)._meta.db_table)

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM pg_notify('{channel}', {payload}); RETURN NULL; END $$"
        )
        condition = f"WHEN ({when}) " if when else ""
        schema_editor.execute(
            f"CREATE TRIGGER {name} {fires} ON {table(apps, schema_editor)} "
            f"FOR EACH {for_each} {condition}EXECUTE FUNCTION {name}()"
        )

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table(apps, schema_editor)}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")

    return migrations.RunPython(create, drop)
