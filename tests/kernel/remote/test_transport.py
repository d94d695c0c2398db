"""Which transport a remote call takes: in process when this process plays every service of
a topology with several (the split test mode), else HTTP to the service's URL, which
``SEAMS_SERVICE_URL_<SERVICE>`` overrides."""

from __future__ import annotations

import pytest

from app.kernel import topology
from app.kernel.remote import channels, client
from tests.kernel.remote.throwaway import load

rmtest = load("rmtest")

TWO_SERVICES = """
[services.monolith]
modules = ["accounts", "catalog", "inventory", "orders", "payments", "notifications", "analytics"]
database = "default"
url = "http://127.0.0.1:18198"

[services.rmtestsvc]
modules = ["rmtest"]
database = "rmtest"
url = "http://127.0.0.1:18199"
"""


@pytest.fixture
def two_services(tmp_path, settings):
    path = tmp_path / "two.toml"
    path.write_text(TWO_SERVICES)
    settings.SEAMS_TOPOLOGY, settings.SEAMS_SERVICE = str(path), ""
    topology.reset()
    client.configure()
    return settings


def test_playing_every_service_calls_go_in_process_through_the_endpoint(two_services):
    assert topology.is_remote(None, "rmtest")
    assert client.internal_client("rmtestsvc").base_url == "http://rmtestsvc.in-process"
    seen = rmtest.seen()  # the topology's own decision, the default transport
    assert seen.module == "rmtest" and seen.request_id  # bound by the server's middleware


def test_an_explicit_service_url_wins_over_in_process(two_services, monkeypatch):
    monkeypatch.setenv("SEAMS_SERVICE_URL_RMTESTSVC", "http://127.0.0.1:18197")
    client.configure()
    channel = client.internal_client("rmtestsvc")
    assert isinstance(channel, channels.NetworkChannel)
    assert channel.base_url == "http://127.0.0.1:18197"


def test_a_service_process_calls_the_topology_url(two_services):
    two_services.SEAMS_SERVICE = "monolith"
    topology.reset()
    client.configure()
    channel = client.internal_client("rmtestsvc")
    assert isinstance(channel, channels.NetworkChannel)
    assert channel.base_url == "http://127.0.0.1:18199"
