"""Notifications.

Owns: notifications sent to customers.
Public: none.
Publishes: nothing.
Consumes: order and payment outcomes.
"""
