"""accounts.api: the typed door other modules use."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.accounts import api
from modules.accounts.models import User
from modules.accounts.rules import AccountsError, check_email, normalize_email


@pytest.mark.django_db
def test_customer_get_returns_a_frozen_dto():
    user = User.objects.create_user("x@example.com", "pw-long-enough-1", is_staff=True)
    customer = api.customer_get(customer_id=user.pk)
    assert customer == api.Customer(id=user.pk, email="x@example.com", is_staff=True)
    with pytest.raises(AttributeError):
        customer.email = "y"  # frozen


@pytest.mark.django_db
def test_customer_get_unknown_or_inactive_is_none():
    user = User.objects.create_user("x@example.com", "pw-long-enough-1", is_active=False)
    assert api.customer_get(customer_id=user.pk) is None
    assert api.customer_get(customer_id=123456) is None


def test_customer_get_is_keyword_only():
    with pytest.raises(TypeError):
        api.customer_get(1)


@given(st.emails())
def test_valid_emails_are_accepted_and_normalized(email):
    try:
        normalized = check_email(email)
    except AccountsError:
        return  # hypothesis may produce addresses Django's validator refuses (e.g. too long)
    assert normalized == normalize_email(email) == normalized.lower()


@given(st.text(alphabet=st.characters(blacklist_characters="@"), max_size=40))
def test_strings_without_at_are_rejected(text):
    with pytest.raises(AccountsError):
        check_email(text)
