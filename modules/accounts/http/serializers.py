"""Request and response shapes of the accounts HTTP API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.serializers import (
    PasswordField,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)

from app.kernel.http.parsing import StrictCharField, StrictFieldsMixin, StrictSerializer
from modules.accounts.rules import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, normalize_email
from modules.accounts.tokens import UserCheckedRefreshToken, add_user_claims


@extend_schema_field({"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH})
class EmailInField(StrictCharField):
    """An email address; the accounts rules trim, lower-case and validate it."""


class RegisterSerializer(StrictSerializer):
    """A new customer account: an email not yet registered and a password Django's password
    validators accept (taken exactly as sent, spaces included)."""

    email = EmailInField(max_length=MAX_EMAIL_LENGTH)
    password = StrictCharField(
        max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False, write_only=True
    )


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()


class MeSerializer(CustomerSerializer):
    is_staff = serializers.BooleanField()


class TokenPairSerializer(StrictFieldsMixin, TokenObtainPairSerializer):
    """``{email, password}`` → ``{access, refresh}``; tokens carry an ``is_staff`` claim so
    permission checks need no user-table read (see :mod:`modules.accounts.tokens`).

    The password is compared exactly as registration stored it: no trimming. Unknown fields
    are a 400, as on every write body."""

    token_class = UserCheckedRefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"] = PasswordField(trim_whitespace=False)

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        add_user_claims(token, user)
        return token

    def validate(self, attrs):
        raw = self.initial_data
        for name in (self.username_field, "password"):
            if not isinstance(raw.get(name), str):
                raise serializers.ValidationError({name: ["Must be a string."]})
        attrs[self.username_field] = normalize_email(attrs[self.username_field])
        return super().validate(attrs)


class TokenPairResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(StrictFieldsMixin, TokenRefreshSerializer):
    """simplejwt's refresh (rotation, blacklist), refusing unknown fields, with the user
    re-read on every refresh (401 when inactive)."""

    token_class = UserCheckedRefreshToken


class RefreshRequestSerializer(StrictSerializer):
    """A refresh token from ``token/`` or an earlier refresh; it is spent (rotation)."""

    refresh = StrictCharField()


class RefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(
        required=False, help_text="A new refresh token (rotation is on; the old one is revoked)."
    )
