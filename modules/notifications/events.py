"""PUBLIC: the events the notifications module publishes."""
