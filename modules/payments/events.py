"""PUBLIC: the events the payments module publishes."""
