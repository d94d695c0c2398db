"""@idempotent: Stripe's Idempotency-Key semantics on a DRF view (here: creating a product)."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import include, path
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.idempotency import tasks
from app.kernel.idempotency.decorators import fingerprint, idempotent
from app.kernel.idempotency.models import IdempotencyRecord
from app.kernel.idempotency.services import records_prune
from modules.catalog.models import Product
from tests.kernel.http.auth import assert_problem, client_for

URL = "/t/things/"
EXECUTIONS: list[str] = []
_lock = threading.Lock()


class _Body(serializers.Serializer):
    sku = serializers.CharField()
    fail = serializers.CharField(required=False)
    sleep = serializers.FloatField(required=False)


class _ThingView(APIView):
    @idempotent
    def post(self, request):
        data = _Body(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        with _lock:
            EXECUTIONS.append(body["sku"])
        if body.get("sleep"):
            time.sleep(body["sleep"])
        product = Product.objects.create(sku=body["sku"], name="x", price=Decimal("1.00"))
        if body.get("fail") == "validation":
            raise ValidationError({"sku": ["rejected after work"]})
        if body.get("fail") == "crash":
            raise RuntimeError("crash after work")
        return Response(
            {"id": product.pk, "sku": product.sku, "price": str(product.price)}, status=202
        )


urlpatterns = [path("t/", include([path("things/", _ThingView.as_view())]))]
handler500 = "app.kernel.http.problems.server_error"


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.ROOT_URLCONF = __name__
    EXECUTIONS.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice():
    return client_for(user_id=1)


def post(client, body, key=None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(URL, body, format="json", **headers)


@pytest.mark.django_db
def test_without_a_key_every_request_runs(alice):
    assert post(alice, {"sku": "A"}).status_code == 202
    assert post(alice, {"sku": "B"}).status_code == 202
    assert EXECUTIONS == ["A", "B"]
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response(alice):
    first = post(alice, {"sku": "A"}, key="k-1")
    second = post(alice, {"sku": "A"}, key="k-1")
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json() == {"id": first.json()["id"], "sku": "A", "price": "1.00"}
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert EXECUTIONS == ["A"]
    assert Product.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.key, record.state, record.response_status) == (
        "customer:1",
        "k-1",
        "done",
        202,
    )


@pytest.mark.django_db
def test_body_compared_after_parsing_key_order_does_not_matter(alice):
    post(alice, {"sku": "A", "sleep": 0}, key="k")
    response = alice.post(
        URL, '{"sleep": 0,   "sku": "A"}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 202 and response["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_same_key_other_body_is_422(alice):
    post(alice, {"sku": "A"}, key="k-1")
    body = assert_problem(post(alice, {"sku": "B"}, key="k-1"), 422)
    assert "Idempotency-Key" in body["detail"]
    assert EXECUTIONS == ["A"]


@pytest.mark.django_db
def test_keys_are_scoped_per_customer(alice):
    bob = client_for(user_id=2)
    post(alice, {"sku": "A"}, key="shared")
    assert post(bob, {"sku": "B"}, key="shared").status_code == 202
    assert EXECUTIONS == ["A", "B"]


@pytest.mark.django_db
def test_duplicate_in_flight_is_409_with_retry_after(alice):
    IdempotencyRecord.objects.create(
        scope="customer:1", key="k", fingerprint=_fingerprint_of({"sku": "A"}), method="POST"
    )
    response = post(alice, {"sku": "A"}, key="k")
    assert_problem(response, 409)
    assert response["Retry-After"] == "1"
    assert EXECUTIONS == []


@pytest.mark.django_db
def test_stale_in_flight_is_taken_over(alice):
    IdempotencyRecord.objects.create(
        scope="customer:1",
        key="k",
        fingerprint=_fingerprint_of({"sku": "A"}),
        method="POST",
        started_at=timezone.now() - timedelta(minutes=5),
    )
    assert post(alice, {"sku": "A"}, key="k").status_code == 202
    assert EXECUTIONS == ["A"]
    assert IdempotencyRecord.objects.get().state == "done"


@pytest.mark.django_db
def test_expired_key_is_a_new_request(alice):
    post(alice, {"sku": "A"}, key="k")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    Product.objects.all().delete()
    assert post(alice, {"sku": "B"}, key="k").status_code == 202
    assert EXECUTIONS == ["A", "B"]


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\x01key", "ключ", "tab\there"])
@pytest.mark.django_db
def test_invalid_key_is_400(alice, key):
    body = assert_problem(post(alice, {"sku": "A"}, key=key), 400)
    assert "Idempotency-Key" in body["errors"]
    assert EXECUTIONS == []


@pytest.mark.django_db
def test_longest_key_and_punctuation_are_fine(alice):
    assert post(alice, {"sku": "A"}, key="~" + "k" * 253 + " ").status_code == 202


# monolith_pass: the test view writes catalog's table from outside any module, so the key's
# transaction (on the acting module's database) covers it only when both share a database
@pytest.mark.monolith_pass
@pytest.mark.django_db
def test_4xx_releases_the_key_and_rolls_back(alice):
    assert_problem(post(alice, {"sku": "A", "fail": "validation"}, key="k"), 400)
    assert not Product.objects.exists()  # the view's work rolled back
    assert not IdempotencyRecord.objects.exists()
    assert post(alice, {"sku": "A"}, key="k").status_code == 202  # corrected retry, same key
    assert Product.objects.count() == 1


@pytest.mark.django_db
def test_invalid_body_releases_the_key(alice):
    assert_problem(post(alice, {"nope": 1}, key="k"), 400)
    assert not IdempotencyRecord.objects.exists()


# monolith_pass: the test view writes catalog's table from outside any module, so the key's
# transaction (on the acting module's database) covers it only when both share a database
@pytest.mark.monolith_pass
@pytest.mark.django_db
def test_crash_releases_the_key_and_rolls_back(alice):
    assert_problem(post(alice, {"sku": "A", "fail": "crash"}, key="k"), 500)
    assert not Product.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert post(alice, {"sku": "A"}, key="k").status_code == 202


@pytest.mark.django_db
def test_malformed_json_with_key_is_400_and_records_nothing(alice):
    response = alice.post(URL, "{", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert_problem(response, 400)
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_prune_deletes_records_past_ttl(alice):
    post(alice, {"sku": "A"}, key="old")
    post(alice, {"sku": "B"}, key="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    assert records_prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    call_command("idempotency", "prune", "--hours", "0")
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_with_one_key_execute_once():
    """Real threads on PostgreSQL: exactly one execution; the others replay it or get 409."""
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(20)

    def worker():
        client = client_for(user_id=7)
        try:
            barrier.wait()
            response = post(client, {"sku": "RACE", "sleep": 0.2}, key="race-key")
            with _lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert EXECUTIONS == ["RACE"]
    assert Product.objects.filter(sku="RACE").count() == 1
    statuses = sorted(status for status, _ in results)
    print("status counts:", {code: statuses.count(code) for code in set(statuses)})
    assert len(statuses) == 20 and set(statuses) <= {202, 409}
    created = [body for status, body in results if status == 202]
    assert all(body == created[0] for body in created)
    # after it finished, a retry replays the same response
    retry = post(client_for(user_id=7), {"sku": "RACE", "sleep": 0.2}, key="race-key")
    assert retry.status_code == 202 and retry.json() == created[0]


def _fingerprint_of(body):
    class _Req:
        method = "POST"
        path = URL
        data = body

    return fingerprint(_Req())


@pytest.mark.django_db
def test_prune_task_is_scheduled_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-prune"]
    assert entry["task"] == tasks.prune.name == "idempotency.prune"
    IdempotencyRecord.objects.create(
        scope="s", key="k", fingerprint="f", created_at=timezone.now() - timedelta(days=2)
    )
    assert tasks.prune() == 1
