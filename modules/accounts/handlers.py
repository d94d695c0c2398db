"""The accounts module's subscription table, applied by its AppConfig."""

SUBSCRIPTIONS = ()
