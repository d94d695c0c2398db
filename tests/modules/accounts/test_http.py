"""Accounts HTTP API: register, token, refresh, me; every error path is a problem."""

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from modules.accounts import services
from modules.accounts.models import User
from tests.kernel.http.auth import anonymous_client, assert_problem, client_for

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/accounts/register/"
TOKEN = "/api/v1/accounts/token/"
REFRESH = "/api/v1/accounts/token/refresh/"
ME = "/api/v1/accounts/me/"
GOOD_PASSWORD = "correct-horse-battery-42"


@pytest.fixture
def alice():
    return User.objects.create_user("alice@example.com", GOOD_PASSWORD)


def test_register_returns_201_id_and_email(anon):
    response = anon.post(
        REGISTER, {"email": "New@Example.com", "password": GOOD_PASSWORD}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "email"}
    assert body["email"] == "new@example.com"
    user = User.objects.get(pk=body["id"])
    assert user.check_password(GOOD_PASSWORD) and not user.is_staff


def test_register_taken_email_case_insensitive_is_400(anon, alice):
    response = anon.post(
        REGISTER, {"email": " ALICE@example.COM ", "password": GOOD_PASSWORD}, format="json"
    )
    body = assert_problem(response, 400)
    assert "email" in body["errors"]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "password"}, "password"),
        ({"email": "a@example.com", "password": "12345678901"}, "password"),
        ({"email": "alice.smith@example.com", "password": "alice.smith@example.com"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "not-an-email", "password": GOOD_PASSWORD}, "email"),
        ({"email": "", "password": GOOD_PASSWORD}, "email"),
        ({"email": "a" * 250 + "@example.com", "password": GOOD_PASSWORD}, "email"),
        ({"email": 42, "password": GOOD_PASSWORD}, "email"),
        ({"email": "a@example.com", "password": 12345678}, "password"),
        ({"email": "a@example.com"}, "password"),
        ({"password": GOOD_PASSWORD}, "email"),
        ({"email": "a@example.com", "password": GOOD_PASSWORD, "is_staff": True}, "is_staff"),
        ({"email": "a\x00@example.com", "password": GOOD_PASSWORD}, "email"),
    ],
)
def test_register_rejects_bad_input(anon, payload, field):
    body = assert_problem(anon.post(REGISTER, payload, format="json"), 400)
    assert field in body["errors"], body
    assert not User.objects.exists()


def test_register_malformed_json_and_wrong_media_type(anon):
    assert_problem(anon.post(REGISTER, '{"email"', content_type="application/json"), 400)
    assert_problem(anon.post(REGISTER, "[]", content_type="application/json"), 400)
    assert_problem(anon.post(REGISTER, "email=a", content_type="text/plain"), 415)
    assert_problem(anon.get(REGISTER), 405)


def test_register_publishes_customer_registered(anon, monkeypatch):
    published = []
    monkeypatch.setattr(services, "publish", published.append)
    response = anon.post(
        REGISTER, {"email": "b@example.com", "password": GOOD_PASSWORD}, format="json"
    )
    (event,) = published
    assert (event.customer_id, event.email) == (response.json()["id"], "b@example.com")


def test_token_pair_carries_is_staff_and_works_for_me(anon, alice):
    response = anon.post(
        TOKEN, {"email": "Alice@Example.com", "password": GOOD_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert {"access", "refresh"} <= set(tokens)
    claims = AccessToken(tokens["access"])
    assert claims["is_staff"] is False and claims["user_id"] == str(alice.pk)

    me = anonymous_client()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = me.get(ME)
    assert response.status_code == 200
    assert response.json() == {"id": alice.pk, "email": "alice@example.com", "is_staff": False}


def test_staff_token_says_staff(anon):
    User.objects.create_user("boss@example.com", GOOD_PASSWORD, is_staff=True)
    tokens = anon.post(
        TOKEN, {"email": "boss@example.com", "password": GOOD_PASSWORD}, format="json"
    ).json()
    assert AccessToken(tokens["access"])["is_staff"] is True


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "alice@example.com", "password": "wrong-password-1"},
        {"email": "nobody@example.com", "password": GOOD_PASSWORD},
    ],
)
def test_bad_credentials_are_401(anon, alice, payload):
    assert_problem(anon.post(TOKEN, payload, format="json"), 401)


def test_inactive_user_cannot_log_in(anon, alice):
    alice.is_active = False
    alice.save()
    assert_problem(
        anon.post(TOKEN, {"email": "alice@example.com", "password": GOOD_PASSWORD}, format="json"),
        401,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"email": "alice@example.com"},
        {"email": 1, "password": 2},
        {"email": None, "password": "x"},
    ],
)
def test_token_bad_input_is_400(anon, alice, payload):
    assert_problem(anon.post(TOKEN, payload, format="json"), 400)


def test_token_malformed_json_is_400(anon):
    assert_problem(anon.post(TOKEN, "{", content_type="application/json"), 400)


def test_refresh_returns_access_and_rotates(anon, alice):
    tokens = anon.post(
        TOKEN, {"email": "alice@example.com", "password": GOOD_PASSWORD}, format="json"
    ).json()
    response = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "access" in body
    assert AccessToken(body["access"])["is_staff"] is False
    # rotation + blacklist: the old refresh token is spent
    assert_problem(anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)


@pytest.mark.parametrize("payload", [{"refresh": "garbage"}, {"refresh": ""}, {}, {"refresh": 5}])
def test_refresh_bad_token_is_4xx_problem(anon, payload):
    response = anon.post(REFRESH, payload, format="json")
    assert response.status_code in (400, 401)
    assert_problem(response, response.status_code)


def test_access_token_is_not_a_refresh_token(anon, alice):
    tokens = anon.post(
        TOKEN, {"email": "alice@example.com", "password": GOOD_PASSWORD}, format="json"
    ).json()
    assert_problem(anon.post(REFRESH, {"refresh": tokens["access"]}, format="json"), 401)


def test_me_needs_a_token(anon):
    assert_problem(anon.get(ME), 401)


def test_me_with_a_bad_or_refresh_token_is_401(anon, alice):
    client = anonymous_client()
    client.credentials(HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    assert_problem(client.get(ME), 401)
    tokens = anon.post(
        TOKEN, {"email": "alice@example.com", "password": GOOD_PASSWORD}, format="json"
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")
    assert_problem(client.get(ME), 401)


def test_me_for_a_deleted_account_is_404():
    assert_problem(client_for(user_id=987654).get(ME), 404)


def test_login_is_throttled_with_retry_after(anon, alice, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "3/min",
        },
    }
    payload = {"email": "alice@example.com", "password": "wrong-password-1"}
    for _ in range(3):
        assert anon.post(TOKEN, payload, format="json").status_code == 401
    response = anon.post(TOKEN, payload, format="json")
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    # register has its own bucket
    good = {"email": "c@example.com", "password": GOOD_PASSWORD}
    assert anon.post(REGISTER, good, format="json").status_code == 201


def _log_in(client, email, password=GOOD_PASSWORD):
    response = client.post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.needs_modules("analytics")  # its report is the staff-only endpoint used here
def test_a_demoted_member_of_staff_loses_staff_access_from_the_next_refresh(anon):
    boss = User.objects.create_user("boss@example.com", GOOD_PASSWORD, is_staff=True)
    tokens = _log_in(anon, "boss@example.com")
    before = anonymous_client()
    before.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert before.get("/api/v1/analytics/sales/").status_code == 200

    boss.is_staff = False
    boss.save()
    for _ in range(3):
        tokens = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    after = anonymous_client()
    after.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert_problem(after.get("/api/v1/analytics/sales/"), 403)
    assert AccessToken(tokens["access"])["is_staff"] is False


def test_a_deactivated_or_deleted_user_cannot_refresh(anon, alice):
    tokens = _log_in(anon, "alice@example.com")
    alice.is_active = False
    alice.save()
    body = assert_problem(anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)
    assert body["detail"] == "No active account found for the given token."

    User.objects.create_user("gone@example.com", GOOD_PASSWORD)
    tokens = _log_in(anon, "gone@example.com")
    User.objects.filter(email="gone@example.com").delete()
    assert_problem(anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)


def test_a_password_with_surrounding_spaces_logs_in_as_registered(anon):
    password = " pass word "
    response = anon.post(REGISTER, {"email": "sp@example.com", "password": password}, format="json")
    assert response.status_code == 201, response.content
    tokens = _log_in(anon, "sp@example.com", password)
    assert AccessToken(tokens["access"])["user_id"] == str(response.json()["id"])
    # the spaces are part of the password, not noise around it
    wrong = {"email": "sp@example.com", "password": password.strip()}
    assert_problem(anon.post(TOKEN, wrong, format="json"), 401)
