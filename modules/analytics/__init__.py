"""Analytics.

Owns: sales facts derived from events.
Public: none.
Publishes: nothing.
Consumes: orders.OrderConfirmed, orders.OrderCancelled (async; never blocks checkout).
"""
