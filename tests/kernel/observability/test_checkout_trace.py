"""One checkout is one trace: the request, the saga's handler, every module api call it
makes and the handlers of the outcome, with module-entry spans in parent/child order (in
this process; tests/kernel/observability/test_trace_processes.py has the real worker and
relay). Holds in both passes: in the split pass the api calls and the event forwards go
through the remote bindings, and their spans join the same trace."""

from __future__ import annotations

import pytest

from app.kernel import topology
from app.kernel.observability import tracing
from tests.e2e.shop import fund, product, run_events
from tests.kernel.http.auth import client_for
from tests.kernel.observability.traced import checkout

pytestmark = pytest.mark.django_db

CUSTOMER = 31
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def module_spans(found, module: str, function: str) -> list:
    return [
        s
        for s in found
        if s.attributes.get(tracing.MODULE) == module
        and s.attributes.get(tracing.FUNCTION) == function
    ]


def ancestors(span, by_id) -> list:
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


def test_one_checkout_is_one_trace_with_module_entry_spans_in_order(spans):
    product("MUG", "12.50", stock=5)
    fund(CUSTOMER, "50.00")
    checkout(CUSTOMER, CALLER_TRACE)
    run_events()

    found = [
        s for s in spans.get_finished_spans() if format(s.context.trace_id, "032x") == CALLER_TRACE
    ]
    by_id = {s.context.span_id: s for s in found}
    # one trace: every span's parent is in it, except the request's (the caller's span)
    roots = [s for s in found if s.parent is None or s.parent.span_id not in by_id]
    assert [r.name for r in roots] == ["POST api/v1/orders/"], [r.name for r in roots]
    request = roots[0]

    remote = topology.is_remote("orders", "payments")
    delivery = "remote" if remote else "sync"
    (priced,) = module_spans(found, "catalog", "price_skus")
    (saga,) = module_spans(found, "orders", "saga_start")
    (reserved,) = module_spans(found, "inventory", "stock_reserve")
    (captured,) = module_spans(found, "payments", "payment_capture")
    (committed,) = module_spans(found, "inventory", "stock_commit")
    (noted,) = module_spans(found, "notifications", "notify_order_confirmed")
    (sold,) = module_spans(found, "analytics", "record_sale")

    assert (
        priced.attributes[tracing.KIND] == "api" and priced.attributes[tracing.DELIVERY] == delivery
    )
    assert request in ancestors(priced, by_id)
    assert saga.attributes[tracing.KIND] == "handler"
    assert saga.attributes[tracing.DELIVERY] == "async"
    assert saga.attributes[tracing.EVENT] == "orders.OrderPlaced"
    assert request in ancestors(saga, by_id)
    for call in (reserved, captured, committed):
        assert call.attributes[tracing.DELIVERY] == delivery
        assert saga in ancestors(call, by_id)  # the saga's calls, inside its handler
    assert reserved.start_time < captured.start_time < committed.start_time
    for reaction in (noted, sold):
        assert reaction.attributes[tracing.EVENT] == "orders.OrderConfirmed"
        assert saga in ancestors(reaction, by_id)  # published by the saga: its children


def test_a_request_without_trace_context_starts_a_trace_its_events_carry(spans):
    product("TEA", "3.00", stock=1)
    fund(CUSTOMER, "10.00")
    client_for(user_id=CUSTOMER).post(
        "/api/v1/orders/", {"items": [{"sku": "TEA", "quantity": 1}]}, format="json"
    )
    run_events()
    (request,) = [s for s in spans.get_finished_spans() if s.name == "POST api/v1/orders/"]
    assert request.parent is None
    (saga,) = [s for s in spans.get_finished_spans() if s.name == "orders.saga_start"]
    assert saga.context.trace_id == request.context.trace_id
