"""PUBLIC: the events the inventory module publishes."""
