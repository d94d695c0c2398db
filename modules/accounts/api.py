"""PUBLIC: the accounts module's typed functions and the DTOs they take and return."""

from __future__ import annotations

from dataclasses import dataclass

from app.kernel.ownership import module_api
from modules.accounts import selectors
from modules.accounts.models import User


@dataclass(frozen=True)
class Customer:
    id: int
    email: str
    is_staff: bool


def _customer(user: User) -> Customer:
    """The one ORM-to-DTO conversion of this module's api."""
    return Customer(id=user.pk, email=user.email, is_staff=user.is_staff)


@module_api(idempotent=True)
def customer_get(*, customer_id: int) -> Customer | None:
    """The active customer (or member of staff) with this id, or ``None``."""
    user = selectors.user_get(user_id=customer_id)
    return None if user is None else _customer(user)
