"""The text customers read, one function per outcome."""

from decimal import Decimal

REASONS = {
    "out_of_stock": "some items were out of stock",
    "payment_declined": "the payment was declined",
    "cancelled_by_customer": "you cancelled it",
    "timed_out": "it could not be completed in time",
}


def order_confirmed(*, order_id: int, total: Decimal, currency: str) -> str:
    return f"Your order #{order_id} is confirmed. We charged {total:.2f} {currency}."


def order_cancelled(
    *, order_id: int, reason: str, was_confirmed: bool, total: Decimal, currency: str
) -> str:
    why = REASONS.get(reason, reason.replace("_", " "))
    text = f"Your order #{order_id} was cancelled because {why}."
    if was_confirmed:
        text += f" We refunded {total:.2f} {currency}."
    return text
