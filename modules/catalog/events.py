"""PUBLIC: the events the catalog module publishes."""
