"""PUBLIC: the events the orders module publishes."""
