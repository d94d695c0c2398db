"""PUBLIC: the events the analytics module publishes."""
