"""Orders.

Owns: orders, order lines, the checkout saga's state and step log (docs/saga.md).
Public: events only.
Publishes: OrderPlaced, OrderConfirmed, OrderCancelled.
Consumes: orders.OrderPlaced (its own event: the async handler drives the saga).
HTTP: GET/POST /api/v1/orders/, GET /api/v1/orders/{id}/, POST /api/v1/orders/{id}/cancel/.
"""
