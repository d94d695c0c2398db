"""One checkout in the split topology, across real services, is one trace: this process is
the ``monolith`` service (the request, the saga's handler; spans kept in memory), ``payments``
and ``notifications`` are live gunicorn processes on databases of their own, exporting over
OTLP/HTTP to a receiver in this test. The saga's remote call into payments and the forward
of ``OrderConfirmed`` to notifications show up as spans of those services, children of the
monolith's saga span.

monolith_pass: it sets up its own topology (split, live processes); once is enough.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from app.kernel.observability import tracing
from app.kernel.remote import client
from modules.orders.models import Order
from tests.e2e.shop import product, run_events
from tests.kernel.http.auth import access_token
from tests.kernel.observability.otlp import chain, in_memory_tree, orphans, render, span_named
from tests.kernel.observability.traced import checkout
from tests.kernel.remote import live
from tests.kernel.remote.live import LiveService, main_database_url
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.monolith_pass.with_args(reason="starts its own payments and notifications"),
    pytest.mark.django_db(transaction=True),
]

CUSTOMER = 57
CALLER_TRACE = "6cf92f3577b34da6a3ce929d0e0e4738"
PORTS = range(19300, 19320)  # this suite's own ports (the other live suites have theirs)


@pytest.fixture(scope="module")
def services(receiver, tmp_path_factory):
    """payments and notifications of ``split``, live, each on its own database, delivering
    its events in process (embedded transport), exporting every span to ``receiver``."""
    tmp = tmp_path_factory.mktemp("trace-split")
    main_url = main_database_url(tmp, "trace_split")
    started, ports = {}, live.PORTS
    try:  # ports apart: a port is only taken once its service has started
        for name, live.PORTS in (("payments", PORTS[:10]), ("notifications", PORTS[10:])):
            log = tmp / f"{name}.log"
            started[name] = LiveService(topology="split", service=name, main_url=main_url, log=log)
    finally:
        live.PORTS = ports
    for name, service in started.items():
        service.env.update(
            REDIS_URL="",
            SEAMS_EVENT_TRANSPORT="embedded",
            SEAMS_EVENTS_SWEEP_SECONDS="0.2",
            SEAMS_SERVICE_URL_MONOLITH="http://127.0.0.1:1",  # nothing here needs an answer
            **{f"SEAMS_SERVICE_URL_{n.upper()}": s.url for n, s in started.items()},
            **receiver.exporting_env(f"seams-{name}"),
        )
    migrations = [threading.Thread(target=s.migrate) for s in started.values()]
    for thread in migrations:  # the two databases at once: half the wait
        thread.start()
    for thread in migrations:
        thread.join()
    try:
        for service in started.values():
            service.start()
        yield started
    finally:
        for service in started.values():
            service.close()


@pytest.fixture
def as_monolith(services, settings, monkeypatch):
    """This process becomes split's monolith service, calling the live services."""
    settings.SEAMS_TOPOLOGY, settings.SEAMS_SERVICE = "split", "monolith"
    for name, service in services.items():
        monkeypatch.setenv(f"SEAMS_SERVICE_URL_{name.upper()}", service.url)
    client.configure()
    yield services
    client.configure()


def test_one_checkout_is_one_trace_across_the_monolith_payments_and_notifications(
    spans, receiver, as_monolith
):
    payments = as_monolith["payments"]
    top_up = httpx.post(
        f"{payments.url}/api/v1/payments/wallet/top-up/",
        json={"amount": "50.00"},
        headers={"Authorization": f"Bearer {access_token(user_id=CUSTOMER)}"},
        timeout=10,
    )
    assert top_up.status_code == 200, top_up.text
    product("MUG", "12.50", stock=5)
    order_id = checkout(CUSTOMER, CALLER_TRACE)
    run_events()  # the saga here; its call into payments and the forward go over the network
    assert Order.objects.get(pk=order_id).status == Order.Status.CONFIRMED

    trace_id = int(CALLER_TRACE, 16)
    monolith = in_memory_tree(spans, trace_id, "seams-monolith")

    def complete() -> dict | None:
        """The trace once the notification's handler and every parent are exported."""
        found = {**monolith, **receiver.tree(trace_id)}
        names = {node.name for node in found.values()}
        done = "notifications.notify_order_confirmed" in names
        return found if done and orphans(found) == ["POST api/v1/orders/"] else None

    found = wait_for(complete, 60, "the whole trace to be exported")
    print(render(found))  # -s shows the checkout's span tree (docs/observability.md)
    assert {node.service for node in found.values()} == {
        "seams-monolith",
        "seams-payments",
        "seams-notifications",
    }
    saga = ("seams-monolith", "orders.saga_start")
    request = ("seams-monolith", "POST api/v1/orders/")
    capture = chain(found, span_named(found, "payments.payment_capture"))
    # the internal endpoint's server span, the module entry too, called by the saga over the
    # network
    assert capture == [("seams-payments", "payments.payment_capture"), saga, request]
    noted = chain(found, span_named(found, "notifications.notify_order_confirmed"))
    assert noted[0] == ("seams-notifications", "notifications.notify_order_confirmed")
    assert saga in noted and noted[-1] == request  # OrderConfirmed, published by the saga
    # delivered after the saga's commit while the request's span was current: still the
    # saga's child, not the request's
    assert chain(found, span_named(found, "analytics.record_sale"))[1] == saga

    (captured,) = [s for s in receiver.spans_of(trace_id) if s.name == "payments.payment_capture"]
    assert captured.kind == captured.SPAN_KIND_SERVER
    attributes = {a.key: a.value.string_value for a in captured.attributes}
    assert attributes[tracing.MODULE] == "payments"
    assert attributes[tracing.DELIVERY] == "remote"
