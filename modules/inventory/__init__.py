"""Inventory.

Owns: stock levels (``StockItem``) and per-order reservations (``Reservation``).
Public: api: ``availability``, ``stock_reserve`` (all lines or none), ``stock_release``,
``stock_commit``, ``stock_restock``; each move idempotent per order id.
Publishes: StockReserved, StockReservationFailed, StockReleased.
Consumes: nothing (the orders saga calls its api).
HTTP: GET /api/v1/inventory/stock/{sku}/, POST /api/v1/inventory/stock/{sku}/adjust/ (staff).
"""
