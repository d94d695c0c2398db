"""Operators create staff without a prompt, from the environment."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.mark.django_db
def test_createsuperuser_noinput_creates_staff_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Ops@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-operator-passphrase")

    call_command("createsuperuser", interactive=False, verbosity=0)

    user = get_user_model().objects.get(email__iexact="ops@example.com")
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.check_password("a-long-operator-passphrase")
