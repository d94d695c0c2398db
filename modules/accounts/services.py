"""Writes of the accounts module, one function per action, named ``<entity>_<action>``."""

from __future__ import annotations

from django.db import IntegrityError

from app.kernel.events import publish
from app.kernel.topology import atomic_on
from modules.accounts.events import CustomerRegistered
from modules.accounts.models import User
from modules.accounts.rules import AccountsError, check_email, check_password

EMAIL_TAKEN = "An account with this email already exists."


def customer_register(*, email: str, password: str) -> User:
    """Create a customer; publishes ``CustomerRegistered`` in the same transaction.

    Raises :class:`AccountsError` for an invalid or taken email (case-insensitive) or a
    password Django's validators reject.
    """
    email = check_email(email)
    check_password(password, user=User(email=email))
    if User.objects.filter(email__iexact=email).exists():
        raise AccountsError("email", [EMAIL_TAKEN])
    try:
        with atomic_on(User):
            user = User.objects.create_user(email, password)
            publish(CustomerRegistered(customer_id=user.pk, email=user.email))
    except IntegrityError:  # a concurrent registration won the race
        raise AccountsError("email", [EMAIL_TAKEN]) from None
    return user
