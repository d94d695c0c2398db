"""PUBLIC: the events the accounts module publishes."""
