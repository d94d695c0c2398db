"""Notifications.

Owns: notifications sent to customers.
Public: none.
Publishes: nothing.
Consumes: orders.OrderConfirmed, orders.OrderCancelled (async; never blocks checkout).
"""
