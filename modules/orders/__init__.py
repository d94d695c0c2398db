"""Orders.

Owns: orders, order lines, the checkout saga's state.
Public: events only.
Publishes: OrderPlaced, OrderConfirmed, OrderCancelled.
Consumes: its own events, to drive the saga.
"""
