"""Catalog.

Owns: products and prices.
Public: api: price a list of SKUs.
Publishes: ProductPriceChanged.
Consumes: nothing.
"""
