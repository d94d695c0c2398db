"""Reads of the accounts module."""

from __future__ import annotations

from modules.accounts.models import User


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()
