"""The orders module's tables; nobody else reads or writes them.

:class:`Order` and its :class:`OrderLine` rows are what the customer sees. The checkout
saga that drives an order is persisted next to it: :class:`CheckoutSaga` (where the saga
is, until when it may run) and :class:`SagaStep` (an append-only log of every step and
compensation with its outcome). Every change to an order or its saga happens in a short
transaction under a row lock on the order; no lock is held while another module is called
(docs/saga.md, ADR 0008).
"""

from django.db import models


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        CANCELLED = "cancelled"

    class CancellationReason(models.TextChoices):
        OUT_OF_STOCK = "out_of_stock"
        PAYMENT_DECLINED = "payment_declined"
        CANCELLED_BY_CUSTOMER = "cancelled_by_customer"
        TIMED_OUT = "timed_out"

    customer_id = models.BigIntegerField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # null until cancelled; the API renders it as JSON null
    cancellation_reason = models.CharField(  # noqa: DJ001
        max_length=32, choices=CancellationReason.choices, null=True, blank=True
    )
    total = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("customer_id", "-created_at"))]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.status})"


class OrderLine(models.Model):
    """One SKU of an order, with the price captured when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    product_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True, default="")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ("sku",)
        constraints = [
            models.UniqueConstraint(fields=("order", "sku"), name="orders_one_line_per_sku")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class CheckoutSaga(models.Model):
    """Where an order's checkout is. ``state`` says which step runs next.

    Forward: reserving_stock → capturing_payment → committing_stock → confirmed.
    Declined payment: capturing_payment → releasing_stock → cancelled (payment_declined).
    Any forward state, and ``confirmed`` (a customer's cancel), may move to
    ``compensating``: the decision to cancel is recorded (``cancel_reason``,
    ``compensating_from``) before the compensations run, and the saga ends ``cancelled``
    once they have. A crash or a failed compensation call leaves it ``compensating``, to
    be resumed by the next ``saga_advance`` or the sweeper.
    """

    class State(models.TextChoices):
        RESERVING_STOCK = "reserving_stock"
        CAPTURING_PAYMENT = "capturing_payment"
        COMMITTING_STOCK = "committing_stock"
        RELEASING_STOCK = "releasing_stock"
        COMPENSATING = "compensating"
        CONFIRMED = "confirmed"
        CANCELLED = "cancelled"

    FORWARD_STATES = (
        State.RESERVING_STOCK,
        State.CAPTURING_PAYMENT,
        State.COMMITTING_STOCK,
        State.RELEASING_STOCK,
    )
    ACTIVE_STATES = (*FORWARD_STATES, State.COMPENSATING)

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="saga")
    state = models.CharField(max_length=24, choices=State.choices)
    deadline = models.DateTimeField(db_index=True)
    # set when the saga moves to ``compensating``: why it will end cancelled, and from where
    cancel_reason = models.CharField(
        max_length=32, choices=Order.CancellationReason.choices, blank=True, default=""
    )
    compensating_from = models.CharField(
        max_length=24, choices=State.choices, blank=True, default=""
    )
    stock_reserved = models.BooleanField(default=False)
    payment_captured = models.BooleanField(default=False)
    stock_committed = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0, help_text="Times a step was started.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=("state", "deadline"))]

    def __str__(self) -> str:
        return f"saga of order {self.order_id}: {self.state}"

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE_STATES


class SagaStep(models.Model):
    """Append-only log line: one step or compensation of a saga and what came of it."""

    saga = models.ForeignKey(CheckoutSaga, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=32)
    outcome = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.step}: {self.outcome}"
