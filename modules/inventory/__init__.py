"""Inventory.

Owns: stock levels and reservations.
Public: api: availability, reserve/release/commit stock.
Publishes: StockReserved, StockReservationFailed, StockReleased.
Consumes: nothing (the orders saga calls its api).
"""
