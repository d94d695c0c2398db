"""Resilience of remote calls: retries only for idempotent functions, a breaker per module
that opens, fails fast and closes again on a restarted callee, a concurrency bound, the
per-call timeout, and calls that are not serialised by the breaker."""

from __future__ import annotations

import threading
import time

import httpx
import pybreaker
import pytest

from app.kernel import topology
from app.kernel.remote import RemoteCallFailed, client
from modules.payments import api as payments_api
from tests.kernel.remote.conftest import Recording, as_monolith_of_split, in_process_transport
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")


def test_an_idempotent_function_is_retried_until_it_gets_through(rmtest_remote):
    rmtest_remote(retries=2, backoff_seconds=0.0)
    transport = Recording(in_process_transport(), fail_first=2)
    client.configure(transport)
    item = rmtest.Item(name="x", tags=("a",))
    assert rmtest.echo(items=(item,)) == (item,)
    assert len(transport.paths) == 3


def test_a_function_not_declared_idempotent_is_tried_once(rmtest_remote):
    transport = Recording(in_process_transport(), fail_first=1)
    client.configure(transport)
    with pytest.raises(RemoteCallFailed, match="transport error") as failed:
        rmtest.note_add(text="hello")
    assert (failed.value.module, failed.value.function) == ("rmtest", "note_add")
    assert len(transport.paths) == 1
    assert rmtest.CALLS == []


@pytest.mark.parametrize("retries", [0, 3])
def test_retries_stop_at_the_policy(rmtest_remote, retries):
    rmtest_remote(retries=retries, backoff_seconds=0.0)
    transport = Recording(in_process_transport(), fail_first=100)
    client.configure(transport)
    with pytest.raises(RemoteCallFailed, match="transport error"):
        rmtest.echo(items=())
    assert len(transport.paths) == 1 + retries


def test_typed_errors_and_refused_calls_do_not_open_the_breaker(rmtest_remote):
    rmtest_remote(breaker_failures=2)
    client.configure(in_process_transport())
    for _ in range(3):
        with pytest.raises(rmtest.ItemMissingError):
            rmtest.item_get(name="x")
    assert client.clients().guard("rmtest").breaker.current_state == pybreaker.STATE_CLOSED
    client.configure(httpx.MockTransport(lambda request: httpx.Response(401, json={})))
    for _ in range(3):
        with pytest.raises(RemoteCallFailed, match="refused the call \\(401\\)"):
            rmtest.note_add(text="x")
    assert client.clients().guard("rmtest").breaker.current_state == pybreaker.STATE_CLOSED


def test_callee_errors_open_the_breaker_which_then_fails_fast(rmtest_remote):
    rmtest_remote(breaker_failures=4)
    transport = Recording(httpx.MockTransport(lambda request: httpx.Response(500)))
    client.configure(transport)
    failures = 4
    for _ in range(failures):
        with pytest.raises(RemoteCallFailed, match="answered 500"):
            rmtest.note_add(text="x")
    assert client.clients().guard("rmtest").breaker.current_state == pybreaker.STATE_OPEN
    with pytest.raises(RemoteCallFailed, match="circuit open"):
        rmtest.note_add(text="x")
    assert len(transport.paths) == failures  # the last call never reached the network


def test_the_concurrency_bound_fails_fast_while_calls_are_in_flight(rmtest_remote):
    rmtest_remote(max_concurrency=3)
    entered, release = threading.Event(), threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        entered.set()
        release.wait(10)
        return httpx.Response(200, content=b'{"value":1}')

    transport = Recording(httpx.MockTransport(slow))
    client.configure(transport)
    bound = client.clients().guard("rmtest").policy.max_concurrency
    threads = [threading.Thread(target=rmtest.note_add, kwargs={"text": "x"}) for _ in range(bound)]
    for thread in threads:
        thread.start()
    try:
        until = time.monotonic() + 10
        while len(transport.paths) < bound and time.monotonic() < until:
            time.sleep(0.01)
        assert len(transport.paths) == bound
        with pytest.raises(RemoteCallFailed, match=f"{bound} calls already in flight"):
            rmtest.note_add(text="one too many")
        assert len(transport.paths) == bound
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    assert rmtest.note_add(text="x") == 1  # slots are given back


def test_calls_to_one_module_run_at_once_not_one_by_one(rmtest_remote):
    together = threading.Barrier(2, timeout=10)

    def meet(request: httpx.Request) -> httpx.Response:
        together.wait()  # breaks (and the call fails) unless both calls are in flight at once
        return httpx.Response(200, content=b'{"value":1}')

    client.configure(httpx.MockTransport(meet))
    results: list[object] = []

    def call() -> None:
        try:
            results.append(rmtest.note_add(text="x"))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert results == [1, 1]


def test_each_attempt_carries_the_policy_timeout(rmtest_remote):
    rmtest_remote(timeout_seconds=0.25)
    seen = []

    def timed_out(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        raise httpx.ReadTimeout("slow (test)", request=request)

    client.configure(httpx.MockTransport(timed_out))
    with pytest.raises(RemoteCallFailed, match=r"timed out after 0\.25 s"):
        rmtest.note_add(text="x")
    assert seen == [{"connect": 0.25, "read": 0.25, "write": 0.25, "pool": 0.25}]


FAST_BREAKER = """
[services.monolith]
modules = ["accounts", "catalog", "inventory", "orders", "analytics"]
database = "default"

[services.payments]
modules = ["payments"]
database = "payments"

[services.notifications]
modules = ["notifications"]
database = "notifications"

[resilience.modules.payments]
retries = 0
breaker_failures = 3
breaker_reset_seconds = 1.0
"""


def test_the_breaker_opens_on_a_stopped_callee_and_closes_on_its_restart(
    live_payments, settings, monkeypatch, tmp_path
):
    path = tmp_path / "split_fast_breaker.toml"
    path.write_text(FAST_BREAKER)
    network = as_monolith_of_split(settings, monkeypatch, live_payments)
    settings.SEAMS_TOPOLOGY = str(path)
    topology.reset()
    assert payments_api.balance_get(customer_id=1).customer_id == 1
    live_payments.stop()
    try:
        for _ in range(3):
            with pytest.raises(RemoteCallFailed, match="transport error"):
                payments_api.balance_get(customer_id=1)
        breaker = client.clients().guard("payments").breaker
        assert breaker.current_state == pybreaker.STATE_OPEN
        attempts = len(network.paths)
        with pytest.raises(RemoteCallFailed, match="circuit open"):
            payments_api.balance_get(customer_id=1)
        assert len(network.paths) == attempts  # failed fast: no connection attempted
    finally:
        live_payments.start()
    time.sleep(1.1)  # the breaker's reset timeout: the next call is a trial
    assert payments_api.balance_get(customer_id=1).customer_id == 1
    assert breaker.current_state == pybreaker.STATE_CLOSED
    assert len(network.paths) == attempts + 1
