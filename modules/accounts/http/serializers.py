"""Request and response shapes of the accounts HTTP API."""

from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from app.kernel.http.parsing import StrictCharField, StrictSerializer
from modules.accounts.rules import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, normalize_email


class RegisterSerializer(StrictSerializer):
    email = StrictCharField(max_length=MAX_EMAIL_LENGTH)
    password = StrictCharField(
        max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False, write_only=True
    )


class CustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()


class MeSerializer(CustomerSerializer):
    is_staff = serializers.BooleanField()


class TokenPairSerializer(TokenObtainPairSerializer):
    """``{email, password}`` → ``{access, refresh}``; tokens carry an ``is_staff`` claim so
    permission checks need no user-table read (JWTStatelessUserAuthentication)."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["is_staff"] = bool(user.is_staff)
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


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(
        required=False, help_text="A new refresh token (rotation is on; the old one is revoked)."
    )
