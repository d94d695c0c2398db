"""Fixtures of the remote-binding tests: the same api tests bound local, remote in process
(the WSGI transport) and remote over HTTP to a live service process."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from app.kernel import topology
from app.kernel.remote import binding, channels, client
from tests.e2e.shop import fund
from tests.kernel.http.auth import access_token
from tests.kernel.remote.live import LiveService, main_database_url
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")

_ids = itertools.count(10_000)


@pytest.fixture
def new_id():
    """Ids unique across the session (the live service's database outlives a test)."""
    return lambda: next(_ids)


@pytest.fixture(autouse=True)
def _fresh_clients():
    """Every test starts with new pools and closed breakers, and leaves none behind."""
    client.configure()
    yield
    client.configure()
    topology.reset()


class Recording(httpx.BaseTransport):
    """A transport that records the path of every request, then passes it on (or fails)."""

    def __init__(self, inner: httpx.BaseTransport, fail_first: int = 0) -> None:
        self.inner = inner
        self.paths: list[str] = []
        self.fail_first = fail_first

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if len(self.paths) <= self.fail_first:
            raise httpx.ConnectError("refused (test)", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def in_process_transport() -> httpx.WSGITransport:
    return httpx.WSGITransport(app=client.in_process_application())


def remote_in_process(monkeypatch, modules: set[str], **recording) -> Recording:
    """Calls from outside ``modules`` into them take the remote path, to this process's own
    WSGI application: signing, JSON, the internal endpoint, the server's middleware."""
    monkeypatch.setattr(
        binding, "is_remote", lambda caller, callee: callee in modules and caller != callee
    )
    transport = Recording(in_process_transport(), **recording)
    client.configure(transport)
    return transport


MODULES = '"accounts", "catalog", "inventory", "orders", "payments", "notifications", "analytics"'


@pytest.fixture
def rmtest_remote(monkeypatch, tmp_path, settings):
    """Calls into the throwaway ``rmtest`` module take the remote path, with the resilience
    policy ``policy(**fields)`` sets (default: the topology's defaults)."""
    monkeypatch.setattr(binding, "is_remote", lambda caller, callee: callee == "rmtest")
    rmtest.CALLS.clear()

    def policy(**fields: object) -> topology.Resilience:
        lines = "\n".join(f"{key} = {value!r}" for key, value in fields.items())
        path = tmp_path / "rmtest.toml"
        path.write_text(
            f'[services.monolith]\nmodules = [{MODULES}, "rmtest"]\ndatabase = "default"\n'
            f'url = "http://127.0.0.1:1"\n\n[resilience.modules.rmtest]\n{lines}\n'
        )
        settings.SEAMS_TOPOLOGY = str(path)
        topology.reset()
        client.configure(client.clients()._transport)
        return topology.current().resilience_for("rmtest")

    policy()
    return policy


@pytest.fixture(scope="session")
def live_payments(tmp_path_factory):
    """The ``payments`` service of the ``split`` topology, live, on its own database."""
    tmp = tmp_path_factory.mktemp("live")
    service = LiveService(
        topology="split",
        service="payments",
        main_url=main_database_url(tmp, "live"),
        log=tmp / "payments.log",
    )
    service.migrate()
    service.start()
    try:
        yield service
    finally:
        service.close()


class NetworkSpy:
    """Records the path of every request sent over the network (:class:`NetworkChannel`),
    then sends it."""

    def __init__(self, monkeypatch) -> None:
        self.paths: list[str] = []
        send = channels.NetworkChannel.post

        def post(channel: channels.NetworkChannel, path: str, *args: object) -> channels.Reply:
            self.paths.append(path)
            return send(channel, path, *args)

        monkeypatch.setattr(channels.NetworkChannel, "post", post)


def as_monolith_of_split(settings, monkeypatch, live: LiveService) -> NetworkSpy:
    """This process becomes the ``monolith`` service of ``split`` (the topology's own
    decision: payments is remote); payments lives at ``live``, reached over real HTTP."""
    settings.SEAMS_TOPOLOGY = "split"
    settings.SEAMS_SERVICE = "monolith"
    topology.reset()
    monkeypatch.setenv("SEAMS_SERVICE_URL_PAYMENTS", live.url)
    client.configure()
    return NetworkSpy(monkeypatch)


@dataclass
class Bound:
    """How the test reaches payments: ``kind`` and a way to put money in a wallet there."""

    kind: str
    live: LiveService | None = None
    spy: Recording | NetworkSpy | None = None

    def fund(self, customer_id: int, amount: str) -> None:
        if self.live is None:
            fund(customer_id, amount)
            return
        response = httpx.post(
            f"{self.live.url}/api/v1/payments/wallet/top-up/",
            json={"amount": amount},
            headers={"Authorization": f"Bearer {access_token(user_id=customer_id)}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert Decimal(response.json()["balance"]) >= Decimal(amount)


def bound_local(monkeypatch) -> Recording:
    """Every api call local, whatever the topology (the split test mode included); the
    returned transport records any request that would still be sent."""
    monkeypatch.setattr(binding, "is_remote", lambda caller, callee: False)
    transport = Recording(httpx.MockTransport(lambda request: httpx.Response(599)))
    client.configure(transport)
    return transport


def _check_binding(bound: Bound, spy: Recording | NetworkSpy) -> None:
    """A remote kind really went over the wire; the local kind never did."""
    if bound.kind == "local":
        assert spy.paths == [], "a local binding sent requests"
    else:
        assert any(p.startswith("/internal/api/") for p in spy.paths), "no remote call made"


@pytest.fixture(params=["local", "remote-in-process", "remote-live"])
def payments_bound(request, settings, monkeypatch):
    """payments' api bound local, remote in process, or remote to a live payments service."""
    kind = request.param
    if kind == "remote-live":
        live = request.getfixturevalue("live_payments")
        bound = Bound(kind, live, as_monolith_of_split(settings, monkeypatch, live))
    elif kind == "remote-in-process":
        bound = Bound(kind, None, remote_in_process(monkeypatch, {"payments"}))
    else:
        bound = Bound(kind, None, bound_local(monkeypatch))
    yield bound
    _check_binding(bound, bound.spy)


@pytest.fixture(params=["local", "remote-in-process"])
def modules_bound(request, monkeypatch):
    """catalog and inventory local, or remote in process."""
    if request.param == "remote-in-process":
        bound = Bound(request.param, None, remote_in_process(monkeypatch, {"catalog", "inventory"}))
    else:
        bound = Bound(request.param, None, bound_local(monkeypatch))
    yield bound
    _check_binding(bound, bound.spy)
