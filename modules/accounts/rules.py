"""Validation rules of the accounts module, shared by services and serializers."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator

MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 128

_email = EmailValidator()


class AccountsError(ValueError):
    """A rule was broken; ``field`` names the input at fault, ``messages`` say why."""

    def __init__(self, field: str, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.field = field
        self.messages = messages


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively: stored and looked up trimmed and lower-cased."""
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalize_email(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise AccountsError("email", [f"At most {MAX_EMAIL_LENGTH} characters."])
    try:
        _email(email)
    except DjangoValidationError:
        raise AccountsError("email", ["Enter a valid email address."]) from None
    return email


def check_password(password: str, *, user: object | None = None) -> str:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountsError("password", [f"At most {MAX_PASSWORD_LENGTH} characters."])
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise AccountsError("password", list(error.messages)) from None
    return password
