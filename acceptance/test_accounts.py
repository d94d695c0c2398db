"""Registration, tokens and ``me``."""

from __future__ import annotations

from acceptance.client import Api, assert_problem
from acceptance.shop import API, PASSWORD


def test_register_then_log_in_and_see_me(shop):
    email, customer_id = shop.register()
    tokens = shop.login(email)
    assert set(tokens) == {"access", "refresh"}
    me = Api(tokens["access"]).get(f"{API}/accounts/me/")
    assert me.status_code == 200
    assert me.json() == {"id": customer_id, "email": email, "is_staff": False}


def test_register_answers_id_and_email_only(shop):
    email = f"{shop.unique('acc').lower()}@example.com"
    response = Api().post(f"{API}/accounts/register/", {"email": email, "password": PASSWORD})
    assert response.status_code == 201
    assert set(response.json()) == {"id", "email"} and response.json()["email"] == email


def test_a_taken_email_is_400_whatever_its_case(shop):
    email, _ = shop.register()
    again = Api().post(f"{API}/accounts/register/", {"email": email.upper(), "password": PASSWORD})
    body = assert_problem(again, 400, "validation-error")
    assert "email" in body["errors"]


def test_a_weak_password_is_400(shop):
    email = f"{shop.unique('acc').lower()}@example.com"
    response = Api().post(f"{API}/accounts/register/", {"email": email, "password": "123"})
    body = assert_problem(response, 400, "validation-error")
    assert "password" in body["errors"]


def test_bad_credentials_are_401(shop):
    email, _ = shop.register()
    response = Api().post(f"{API}/accounts/token/", {"email": email, "password": "wrong-Pass-1"})
    assert_problem(response, 401, "authentication-failed")


def test_me_needs_a_token():
    assert_problem(Api().get(f"{API}/accounts/me/"), 401, "not-authenticated")


def test_a_bad_token_is_refused_even_on_a_public_read():
    response = Api("not-a-jwt").get(f"{API}/catalog/products/")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_refresh_rotates_and_the_spent_token_stops_working(shop):
    email, _ = shop.register()
    tokens = shop.login(email)
    fresh = Api().post(f"{API}/accounts/token/refresh/", {"refresh": tokens["refresh"]}, expect=200)
    assert set(fresh.json()) == {"access", "refresh"}
    assert Api(fresh.json()["access"]).get(f"{API}/accounts/me/").status_code == 200
    spent = Api().post(f"{API}/accounts/token/refresh/", {"refresh": tokens["refresh"]})
    assert spent.status_code == 401
    as_refresh = Api().post(f"{API}/accounts/token/refresh/", {"refresh": tokens["access"]})
    assert as_refresh.status_code == 401
