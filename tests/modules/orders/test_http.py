"""HTTP API of orders: place, list, detail, cancel, and every error path."""

import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from app.kernel.events.models import OutboxMessage
from app.kernel.ownership import acting_as
from app.kernel.topology import database_of
from modules.orders import selectors
from modules.orders.models import Order
from tests.e2e.shop import balance, fund, product, run_events, stock
from tests.kernel.http.auth import anonymous_client, assert_problem, client_for

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
CUSTOMER = 77


@pytest.fixture
def shop():
    product("MUG", "12.50", stock=10)
    product("TEA", "3.20", stock=5)
    product("OLD", "1.00", active=False, stock=5)
    fund(CUSTOMER, "100.00")


@pytest.fixture
def customer():
    return client_for(user_id=CUSTOMER)


def order_url(order_id, cancel=False) -> str:
    return f"{ORDERS}{order_id}/" + ("cancel/" if cancel else "")


def test_place_answers_202_pending(shop, customer):
    response = customer.post(
        ORDERS,
        {"items": [{"sku": "MUG", "quantity": 2}, {"sku": "TEA", "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["total"] == "28.20" and body["currency"] == "EUR"
    assert body["items"] == [
        {
            "sku": "MUG",
            "name": "Product MUG",
            "quantity": 2,
            "unit_price": "12.50",
            "line_total": "25.00",
        },
        {
            "sku": "TEA",
            "name": "Product TEA",
            "quantity": 1,
            "unit_price": "3.20",
            "line_total": "3.20",
        },
    ]
    assert body["cancellation_reason"] is None
    assert {"id", "created_at"} <= set(body)


def test_placed_order_gets_confirmed(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 2}]}, format="json"
    ).json()["id"]
    run_events()
    body = customer.get(order_url(order_id)).json()
    assert body["status"] == "confirmed"
    assert balance(CUSTOMER) == Decimal("75.00")
    assert stock("MUG").on_hand == 8


def test_duplicate_skus_are_merged(shop, customer):
    response = customer.post(
        ORDERS,
        {"items": [{"sku": "MUG", "quantity": 1}, {"sku": "MUG", "quantity": 2}]},
        format="json",
    )
    assert response.status_code == 202
    assert [(i["sku"], i["quantity"]) for i in response.json()["items"]] == [("MUG", 3)]


def test_unknown_and_inactive_skus_are_named_in_a_400(shop, customer):
    response = customer.post(
        ORDERS,
        {
            "items": [
                {"sku": "NOPE", "quantity": 1},
                {"sku": "OLD", "quantity": 1},
                {"sku": "MUG", "quantity": 1},
            ]
        },
        format="json",
    )
    body = assert_problem(response, 400)
    assert "NOPE" in body["detail"] and "OLD" in body["detail"]
    assert "NOPE" in str(body["errors"]) and "OLD" in str(body["errors"])
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": None},
        {"items": "MUG"},
        {"items": {"sku": "MUG", "quantity": 1}},
        {"items": [{"sku": "MUG"}]},
        {"items": [{"quantity": 1}]},
        {"items": [{"sku": "MUG", "quantity": 0}]},
        {"items": [{"sku": "MUG", "quantity": -1}]},
        {"items": [{"sku": "MUG", "quantity": 1001}]},
        {"items": [{"sku": "MUG", "quantity": 10**20}]},
        {"items": [{"sku": "MUG", "quantity": 1.5}]},
        {"items": [{"sku": "MUG", "quantity": "2"}]},
        {"items": [{"sku": "MUG", "quantity": True}]},
        {"items": [{"sku": "MUG", "quantity": None}]},
        {"items": [{"sku": 5, "quantity": 1}]},
        {"items": [{"sku": "", "quantity": 1}]},
        {"items": [{"sku": "x" * 65, "quantity": 1}]},
        {"items": [{"sku": "MUG\u0000", "quantity": 1}]},
        {"items": [{"sku": "MUG\n", "quantity": 1}]},
        {"items": [{"sku": "MUG", "quantity": 1, "price": "0.01"}]},
        {"items": [{"sku": "MUG", "quantity": 1}], "total": "0.01"},
        {"items": [{"sku": "MUG", "quantity": 600}, {"sku": "MUG", "quantity": 600}]},
        {"items": [{"sku": f"S{i}", "quantity": 1} for i in range(51)]},
        {"items": ["MUG"]},
        [{"sku": "MUG", "quantity": 1}],
        "order",
    ],
)
def test_bad_orders_are_400_problems_and_create_nothing(shop, customer, body):
    assert_problem(customer.post(ORDERS, body, format="json"), 400)
    assert not Order.objects.exists()


def test_malformed_json_is_400(shop, customer):
    response = customer.post(ORDERS, data='{"items": [', content_type="application/json")
    assert_problem(response, 400)


def test_non_json_is_415(shop, customer):
    response = customer.post(
        ORDERS, data="items=MUG", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415)


def test_list_shows_own_orders_only_newest_first_paginated(shop, customer):
    for _ in range(3):
        customer.post(ORDERS, {"items": [{"sku": "TEA", "quantity": 1}]}, format="json")
    other = client_for(user_id=CUSTOMER + 1)
    other.post(ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json")
    body = customer.get(ORDERS, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    ids = [o["id"] for o in body["results"]]
    assert ids == sorted(ids, reverse=True)
    assert all(o["items"][0]["sku"] == "TEA" for o in body["results"])


def test_others_orders_are_404(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json"
    ).json()["id"]
    other = client_for(user_id=CUSTOMER + 1)
    assert_problem(other.get(order_url(order_id)), 404)
    assert_problem(other.post(order_url(order_id, cancel=True)), 404)
    assert customer.get(order_url(order_id)).status_code == 200


def test_a_poll_revalidates_with_the_etag_until_the_order_changes(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json"
    ).json()["id"]
    first = customer.get(order_url(order_id))
    etag = first.headers["ETag"]
    assert first.json()["status"] == "pending" and etag.startswith('W/"')

    unchanged = customer.get(order_url(order_id), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == etag
    # a strong form of the same tag, a list, or "*" match as well (weak comparison)
    for held in (etag.removeprefix("W/"), f'"other", {etag}', "*"):
        assert customer.get(order_url(order_id), HTTP_IF_NONE_MATCH=held).status_code == 304

    run_events()  # the saga confirms it: a new representation, a new tag
    changed = customer.get(order_url(order_id), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["status"] == "confirmed"
    assert changed.headers["ETag"] != etag
    stale = customer.get(order_url(order_id), HTTP_IF_NONE_MATCH='"garbage", W/"1-2"')
    assert stale.status_code == 200


def test_revalidating_someone_elses_order_is_still_404(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json"
    ).json()["id"]
    etag = customer.get(order_url(order_id)).headers["ETag"]
    other = client_for(user_id=CUSTOMER + 1)
    assert_problem(other.get(order_url(order_id), HTTP_IF_NONE_MATCH=etag), 404)
    assert_problem(other.get(order_url(order_id), HTTP_IF_NONE_MATCH="*"), 404)


class Clock:
    """Stands in for ``time`` in the orders selectors and for their wake-up watch: a pause
    moves it on at once, and may do what another process would meanwhile (``meanwhile(n)``
    after the n-th pause); ``listening`` is whether a notification could end a pause (no
    notification comes: the pause runs out)."""

    def __init__(self, meanwhile=lambda pauses: None, listening=False) -> None:
        self.now, self.pauses, self.meanwhile = 0.0, [], meanwhile
        self.listening = listening

    def monotonic(self) -> float:
        return self.now

    @contextmanager
    def watch(self, channel, key, *, using):
        yield self

    def wait(self, seconds: float) -> bool:
        self.pauses.append(seconds)
        self.now += seconds
        self.meanwhile(len(self.pauses))
        return False


@pytest.fixture
def held(monkeypatch):
    """Installs a :class:`Clock` (its arguments given) for the held reads of a test."""

    def install(**kwargs) -> Clock:
        clock = Clock(**kwargs)
        monkeypatch.setattr(selectors, "time", clock)
        monkeypatch.setattr(selectors.wakeups, "watch", clock.watch)
        return clock

    return install


def the_worker_runs_the_saga() -> None:
    """What a worker does while a request waits: outside the request, as no module."""
    with acting_as(None):
        run_events()


def place_one(customer) -> int:
    return customer.post(ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json").json()[
        "id"
    ]


def test_a_wait_holds_the_answer_until_the_checkout_decides(shop, customer, held):
    order_id = place_one(customer)
    clock = held(meanwhile=lambda pauses: pauses == 3 and the_worker_runs_the_saga())

    answer = customer.get(order_url(order_id), HTTP_PREFER="wait=5")
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed"
    assert answer.headers["Preference-Applied"] == "wait=5"
    assert len(clock.pauses) == 3  # answered at the first read after the saga confirmed it
    assert clock.pauses == sorted(clock.pauses) and clock.pauses[0] == 0.01


def test_a_wait_ends_at_its_deadline_and_still_revalidates(shop, customer, held):
    order_id = place_one(customer)
    etag = customer.get(order_url(order_id)).headers["ETag"]
    clock = held()

    answer = customer.get(order_url(order_id), HTTP_PREFER="wait=3", HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 304 and answer.headers["ETag"] == etag
    assert answer.headers["Preference-Applied"] == "wait=3"
    assert sum(clock.pauses) == pytest.approx(3)  # to the deadline, not past it
    assert max(clock.pauses) == selectors.MAX_RECHECK_SECONDS  # re-read at most every 250 ms
    pending = customer.get(order_url(order_id), HTTP_PREFER="wait=1")
    assert pending.status_code == 200 and pending.json()["status"] == "pending"


def test_a_wait_is_capped_by_the_setting(shop, customer, held, settings):
    settings.SEAMS_ORDER_WAIT_MAX_SECONDS = 1.5
    order_id = place_one(customer)
    clock = held()

    answer = customer.get(order_url(order_id), HTTP_PREFER="respond-async, wait=600")
    assert answer.status_code == 200 and answer.headers["Preference-Applied"] == "wait=1.5"
    assert sum(clock.pauses) == pytest.approx(1.5)


def test_a_decided_order_or_someone_elses_is_answered_without_waiting(shop, customer, held):
    order_id = place_one(customer)
    run_events()
    clock = held()

    assert customer.get(order_url(order_id), HTTP_PREFER="wait=5").json()["status"] == "confirmed"
    pending_id = place_one(customer)
    other = client_for(user_id=CUSTOMER + 1)
    assert_problem(other.get(order_url(pending_id), HTTP_PREFER="wait=5"), 404)
    assert_problem(customer.get(order_url(999999), HTTP_PREFER="wait=5"), 404)
    assert clock.pauses == []


@pytest.mark.parametrize(
    "prefer", ["wait=abc", "wait=-1", "wait=1.5", "wait=", "wait=\u0663", "respond-async"]
)
def test_a_preference_that_is_no_whole_wait_is_ignored(shop, customer, held, prefer):
    order_id = place_one(customer)
    clock = held()

    answer = customer.get(order_url(order_id), HTTP_PREFER=prefer)
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert "Preference-Applied" not in answer.headers and clock.pauses == []


def test_a_wait_with_a_listener_rereads_only_once_a_second(shop, customer, held):
    order_id = place_one(customer)
    clock = held(listening=True)  # a notification would end each pause; none comes

    answer = customer.get(order_url(order_id), HTTP_PREFER="wait=3")
    assert answer.status_code == 200 and answer.json()["status"] == "pending"
    assert clock.pauses == [selectors.LISTENING_RECHECK_SECONDS] * 3


def held_while_the_saga_commits(customer, monkeypatch, settings):
    """Real time: the saga runs in another thread (its own database connection) once the
    request has read the order pending and begun to wait; the answer, and the reads of the
    order the wait made."""
    settings.SEAMS_EVENTS_EMBEDDED_DISPATCH = "manual"  # not run at the POST's commit
    order_id = place_one(customer)
    waiting = threading.Event()
    real_watch = selectors.wakeups.watch

    @contextmanager
    def watch(channel, key, *, using):
        with real_watch(channel, key, using=using) as decided:
            real_wait = decided.wait

            def wait(seconds: float) -> bool:
                waiting.set()
                return real_wait(seconds)

            decided.wait = wait
            yield decided

    def saga() -> None:
        waiting.wait(timeout=30)
        try:
            run_events()
        finally:
            connections.close_all()

    monkeypatch.setattr(selectors.wakeups, "watch", watch)
    worker = threading.Thread(target=saga)
    worker.start()
    with CaptureQueriesContext(connections[database_of("orders")]) as captured:
        answer = customer.get(order_url(order_id), HTTP_PREFER="wait=30")
    worker.join(timeout=30)
    assert waiting.is_set()
    version = 'SELECT "orders_order"."status" AS "status", "orders_order"."updated_at" AS '
    return answer, sum(q["sql"].startswith(version) for q in captured.captured_queries)


THREADS_NOT_TOPOLOGY = (
    "threads and connections, not where modules live; the split test mode's in-process "
    "remote calls fail in a second thread (the connection is closed under them)"
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.monolith_pass.with_args(reason=THREADS_NOT_TOPOLOGY)
def test_a_waiting_request_sees_the_saga_commit_from_another_connection(
    shop, customer, monkeypatch, settings
):
    answer, _ = held_while_the_saga_commits(customer, monkeypatch, settings)
    assert answer.json()["status"] == "confirmed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.monolith_pass.with_args(reason=THREADS_NOT_TOPOLOGY)
def test_on_postgresql_the_decision_wakes_the_wait_instead_of_rereads(
    shop, customer, monkeypatch, settings
):
    """The order's trigger notifies as the saga confirms it: the wait reads the order twice
    (pending, then confirmed), however long the saga took, where re-reading every 10-250 ms
    would have read it again and again. No re-read by the clock here (a minute apart)."""
    monkeypatch.setattr(selectors, "LISTENING_RECHECK_SECONDS", 60.0)
    with selectors.wakeups.watch(selectors.DECIDED_CHANNEL, "0", using=database_of("orders")) as w:
        for _ in range(100):  # the process's listener connects once, before this test's wait
            if w.listening:
                break
            w.wait(0.1)
        assert w.listening
    answer, reads = held_while_the_saga_commits(customer, monkeypatch, settings)
    assert answer.json()["status"] == "confirmed"
    assert reads == 2


@pytest.mark.parametrize("order_id", ["999999", "99999999999999999999999", "abc"])
def test_missing_orders_are_404(customer, order_id):
    assert_problem(customer.get(order_url(order_id)), 404)
    assert_problem(customer.get(order_url(order_id), HTTP_IF_NONE_MATCH="*"), 404)


def test_cancel_pending_order(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json"
    ).json()["id"]
    response = customer.post(order_url(order_id, cancel=True))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and body["cancellation_reason"] == "cancelled_by_customer"
    run_events()
    assert customer.get(order_url(order_id)).json()["status"] == "cancelled"
    assert balance(CUSTOMER) == Decimal("100.00") and stock("MUG").available == 10


def test_cancel_confirmed_order_refunds_and_restocks(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 2}]}, format="json"
    ).json()["id"]
    run_events()
    assert balance(CUSTOMER) == Decimal("75.00")
    response = customer.post(order_url(order_id, cancel=True))
    assert response.status_code == 200
    assert response.json()["cancellation_reason"] == "cancelled_by_customer"
    assert balance(CUSTOMER) == Decimal("100.00")
    assert stock("MUG").on_hand == 10
    wallet_kinds = [
        e["kind"] for e in customer.get("/api/v1/payments/transactions/").json()["results"]
    ]
    assert wallet_kinds == ["refund", "capture", "topup"]


def test_cancel_twice_is_409(shop, customer):
    order_id = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 1}]}, format="json"
    ).json()["id"]
    customer.post(order_url(order_id, cancel=True))
    body = assert_problem(customer.post(order_url(order_id, cancel=True)), 409)
    assert "already cancelled" in body["detail"]


def test_cancelled_reasons_are_shown(shop, customer):
    out_of_stock = customer.post(
        ORDERS, {"items": [{"sku": "TEA", "quantity": 6}]}, format="json"
    ).json()["id"]
    declined = customer.post(
        ORDERS, {"items": [{"sku": "MUG", "quantity": 9}]}, format="json"
    ).json()["id"]
    run_events()
    assert customer.get(order_url(out_of_stock)).json()["cancellation_reason"] == "out_of_stock"
    assert customer.get(order_url(declined)).json()["cancellation_reason"] == "payment_declined"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ORDERS), ("post", ORDERS), ("get", order_url(1)), ("post", order_url(1, cancel=True))],
)
def test_anonymous_gets_401(method, path):
    assert_problem(getattr(anonymous_client(), method)(path, {}, format="json"), 401)


def test_method_not_allowed_is_405(customer):
    assert_problem(customer.delete(order_url(1)), 405)


def test_idempotency_key_replays_the_first_response(shop, customer):
    body = {"items": [{"sku": "MUG", "quantity": 1}]}
    first = customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    run_events()
    again = customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert balance(CUSTOMER) == Decimal("87.50")


def test_idempotency_key_with_another_body_is_422(shop, customer):
    customer.post(
        ORDERS,
        {"items": [{"sku": "MUG", "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    response = customer.post(
        ORDERS,
        {"items": [{"sku": "MUG", "quantity": 2}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert_problem(response, 422)
    assert Order.objects.count() == 1


def test_idempotency_keys_are_scoped_per_customer(shop, customer):
    fund(CUSTOMER + 1, "50.00")
    body = {"items": [{"sku": "TEA", "quantity": 1}]}
    customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other = client_for(user_id=CUSTOMER + 1)
    assert other.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 202
    assert Order.objects.count() == 2


def test_a_rejected_order_does_not_burn_its_idempotency_key(shop, customer):
    bad = customer.post(
        ORDERS,
        {"items": [{"sku": "NOPE", "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert_problem(bad, 400)
    good = customer.post(
        ORDERS,
        {"items": [{"sku": "MUG", "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert good.status_code == 202


def test_the_order_placed_event_carries_the_callers_trace(shop, customer):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = customer.post(
        ORDERS,
        {"items": [{"sku": "MUG", "quantity": 1}]},
        format="json",
        HTTP_TRACEPARENT=f"00-{trace_id}-00f067aa0ba902b7-01",
    )
    assert response.status_code == 202
    row = OutboxMessage.objects.using(database_of("orders")).get(event_name="orders.OrderPlaced")
    assert row.traceparent.split("-")[1] == trace_id
