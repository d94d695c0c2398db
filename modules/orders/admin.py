"""Admin for the orders module's models: orders with their lines, the saga and its step log.

Everything here is written by the saga or by customers through the API, so it is shown
read-only; change an order's fate through the API (cancel) or the saga tasks, not by hand.
"""

from django.contrib import admin

from app.kernel.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from modules.orders.models import CheckoutSaga, Order, OrderLine, SagaStep


class OrderLineInline(ReadOnlyTabularInline):
    model = OrderLine
    fields = ("sku", "name", "quantity", "unit_price", "line_total")
    readonly_fields = fields


class SagaStepInline(ReadOnlyTabularInline):
    model = SagaStep
    fields = ("created_at", "step", "outcome", "detail")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "customer_id", "status", "cancellation_reason", "total", "created_at")
    list_filter = ("status", "cancellation_reason")
    search_fields = ("id", "customer_id")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline,)


@admin.register(CheckoutSaga)
class CheckoutSagaAdmin(ReadOnlyModelAdmin):
    list_display = (
        "order_id",
        "state",
        "cancel_reason",
        "deadline",
        "stock_reserved",
        "payment_captured",
        "stock_committed",
        "attempts",
        "updated_at",
    )
    list_filter = ("state",)
    search_fields = ("order__id",)
    inlines = (SagaStepInline,)


@admin.register(SagaStep)
class SagaStepAdmin(ReadOnlyModelAdmin):
    list_display = ("saga", "step", "outcome", "created_at")
    list_filter = ("step", "outcome")
    search_fields = ("saga__order__id",)
