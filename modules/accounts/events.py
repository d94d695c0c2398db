"""PUBLIC: the events the accounts module publishes."""

from typing import ClassVar

from app.kernel.events import Event


class CustomerRegistered(Event):
    name: ClassVar[str] = "accounts.CustomerRegistered"
    key_field: ClassVar[str] = "customer_id"

    customer_id: int
    email: str
