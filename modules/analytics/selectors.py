"""Reads of the analytics module."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from modules.analytics.models import LineFact, OrderFact

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SkuSales:
    sku: str
    units: int
    revenue: Decimal


@dataclass(frozen=True)
class SalesReport:
    confirmed_orders: int
    cancelled_orders: int
    revenue: Decimal
    units: int
    per_sku: tuple[SkuSales, ...]


def sales_report() -> SalesReport:
    """Net sales: confirmed orders not later cancelled; per SKU sorted by SKU."""
    live = OrderFact.objects.filter(cancelled_at__isnull=True)
    totals = live.aggregate(orders=Count("id"), revenue=Sum("total"))
    per_sku = (
        LineFact.objects.filter(order__cancelled_at__isnull=True)
        .values("sku")
        .annotate(units=Sum("quantity"), revenue=Sum("revenue"))
        .order_by("sku")
    )
    rows = tuple(
        SkuSales(sku=row["sku"], units=row["units"], revenue=row["revenue"]) for row in per_sku
    )
    return SalesReport(
        confirmed_orders=totals["orders"],
        cancelled_orders=OrderFact.objects.filter(cancelled_at__isnull=False).count(),
        revenue=(totals["revenue"] or ZERO).quantize(ZERO),
        units=sum(row.units for row in rows),
        per_sku=rows,
    )
