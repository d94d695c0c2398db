"""PUBLIC: the orders module's typed functions and the DTOs they take and return.

None yet: other modules learn about orders from ``modules.orders.events`` (OrderPlaced,
OrderConfirmed, OrderCancelled), which carry everything observers need.
"""
