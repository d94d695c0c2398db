"""HTTP API of payments: wallet, top-up, transactions, and every error path."""

import pytest

from tests.e2e.money import fund
from tests.kernel.http.auth import anonymous_client, assert_problem, client_for

pytestmark = pytest.mark.django_db

WALLET = "/api/v1/payments/wallet/"
TOP_UP = "/api/v1/payments/wallet/top-up/"
TRANSACTIONS = "/api/v1/payments/transactions/"


@pytest.fixture
def customer():
    return client_for(user_id=501)


def test_wallet_of_a_new_customer_is_zero(customer):
    response = customer.get(WALLET)
    assert response.status_code == 200
    assert response.json() == {"balance": "0.00", "currency": "EUR"}


def test_top_up_returns_the_wallet(customer):
    response = customer.post(TOP_UP, {"amount": "25.50"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"balance": "25.50", "currency": "EUR"}
    response = customer.post(TOP_UP, {"amount": "4.5"}, format="json")
    assert response.json()["balance"] == "30.00"
    assert customer.get(WALLET).json()["balance"] == "30.00"


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "0"},
        {"amount": "-5.00"},
        {"amount": "0.001"},
        {"amount": "1000.01"},
        {"amount": "1e400"},
        {"amount": "NaN"},
        {"amount": "Infinity"},
        {"amount": "ten"},
        {"amount": ""},
        {"amount": True},
        {"amount": None},
        {"amount": [1]},
        {"amount": {"value": 1}},
        {"amount": "9" * 100},
        # what the documented pattern rules out, though Decimal() would read it
        {"amount": "1e2"},
        {"amount": "1E+6"},
        {"amount": " 5 "},
        {"amount": "5."},
        {"amount": ".5"},
        {"amount": "+5"},
        {"amount": "5\n"},
        {"amount": "\uff15\uff10"},  # full-width 50
        {"amount": "\u0665\u0660"},  # Arabic-Indic 50
        {"amount": "1_0"},
        # JSON numbers: money is a string
        {"amount": 4.5},
        {"amount": 100},
        {},
        {"amount": "5.00", "currency": "USD"},
        [],
        "5.00",
    ],
)
def test_top_up_rejects_bad_input_with_a_problem(customer, body):
    response = customer.post(TOP_UP, body, format="json")
    assert_problem(response, 400)
    assert customer.get(WALLET).json()["balance"] == "0.00"


def test_top_up_of_1e2_credits_nothing(customer):
    assert_problem(customer.post(TOP_UP, {"amount": "1e2"}, format="json"), 400)
    assert customer.get(TRANSACTIONS).json()["count"] == 0


def test_top_up_rejects_malformed_json(customer):
    response = customer.post(TOP_UP, data="{amount: ", content_type="application/json")
    assert_problem(response, 400)


def test_top_up_is_bounded_by_settings(customer, settings):
    settings.SEAMS_MAX_TOP_UP = "50.00"
    assert_problem(customer.post(TOP_UP, {"amount": "50.01"}, format="json"), 400)
    assert customer.post(TOP_UP, {"amount": "50.00"}, format="json").status_code == 200


def test_transactions_list_own_entries_newest_first(customer):
    fund(501, "10.00")
    fund(501, "20.00")
    fund(502, "99.00")
    response = customer.get(TRANSACTIONS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["previous"] is None
    assert [e["amount"] for e in body["results"]] == ["20.00", "10.00"]
    entry = body["results"][0]
    assert set(entry) == {"id", "kind", "amount", "currency", "order_id", "created_at"}
    assert entry["kind"] == "topup" and entry["order_id"] is None


def test_transactions_are_paginated(customer):
    for _ in range(3):
        fund(501, "1.00")
    body = customer.get(TRANSACTIONS, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


@pytest.mark.parametrize(
    ("method", "path"), [("get", WALLET), ("post", TOP_UP), ("get", TRANSACTIONS)]
)
def test_anonymous_gets_401(method, path):
    response = getattr(anonymous_client(), method)(path, {"amount": "1.00"}, format="json")
    assert_problem(response, 401)


def test_a_bad_token_gets_401():
    client = anonymous_client()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert_problem(client.get(WALLET), 401)
