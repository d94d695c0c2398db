"""Analytics.

Owns: sales facts derived from events.
Public: none.
Publishes: nothing.
Consumes: order outcomes.
"""
