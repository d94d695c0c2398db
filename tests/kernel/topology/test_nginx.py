"""The edge's nginx configuration, run by a real nginx in front of stub services that answer
with their own name and the headers they were sent."""

from __future__ import annotations

import http.client
import io
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from app.kernel.topology import nginx, processes
from app.kernel.topology.files import load
from tests.waiting import wait_for

pytestmark = pytest.mark.nginx

EDGE_PORT = 18250
SERVICE_PORTS = {"monolith": 18251, "payments": 18252, "notifications": 18253}
ROOT = Path(__file__).resolve().parents[3]


class _Stub(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({
            "service": self.server.service_name,
            "path": self.path,
            "host": self.headers["Host"],
            "forwarded_for": self.headers["X-Forwarded-For"],
            "forwarded_proto": self.headers["X-Forwarded-Proto"],
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """nginx on EDGE_PORT in front of the split topology's three services (stubs)."""
    stubs = []
    for name, port in SERVICE_PORTS.items():
        server = ThreadingHTTPServer(("127.0.0.1", port), _Stub)
        server.service_name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stubs.append(server)
    prefix = tmp_path_factory.mktemp("edge")
    (prefix / "nginx.conf").write_text(
        nginx.render(
            load("split"),
            listen=f"127.0.0.1:{EDGE_PORT}",
            upstreams={name: f"127.0.0.1:{port}" for name, port in SERVICE_PORTS.items()},
            generated_by="tests",
        )
    )
    command = [processes.nginx_binary(), "-e", "stderr", "-p", str(prefix), "-c", "nginx.conf"]
    with (prefix / "error.log").open("w") as log:
        process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=log)
    base = f"http://127.0.0.1:{EDGE_PORT}"
    try:
        wait_for(lambda: _answers(base), 20, f"nginx to listen (see {prefix / 'error.log'})")
        yield base, stubs
    finally:
        process.terminate()
        process.wait(10)
        for server in stubs:
            server.shutdown()
            server.server_close()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_module_paths_reach_their_service_and_the_rest_the_front(edge):
    base, _ = edge
    assert httpx.get(f"{base}/api/v1/payments/wallet/").json()["service"] == "payments"
    assert httpx.get(f"{base}/api/v1/notifications/").json()["service"] == "notifications"
    assert httpx.get(f"{base}/api/v1/orders/?page=2").json() == {
        "service": "monolith",
        "path": "/api/v1/orders/?page=2",
        "host": f"127.0.0.1:{EDGE_PORT}",
        "forwarded_for": "127.0.0.1",
        "forwarded_proto": "http",
    }
    for path in ("/api/schema/", "/admin/", "/readyz/", "/api/v1/paymentsx/"):
        assert httpx.get(f"{base}{path}").json()["service"] == "monolith", path


def test_the_client_host_is_passed_on_for_links_that_point_at_the_edge(edge):
    base, _ = edge
    seen = httpx.get(f"{base}/api/v1/payments/transactions/", headers={"Host": "shop.example"})
    assert seen.json()["host"] == "shop.example"


def test_services_get_the_path_nginx_routed_on(edge):
    connection = http.client.HTTPConnection("127.0.0.1", EDGE_PORT, timeout=10)
    connection.request("GET", "/api/v1/orders/../payments/./wallet/?x=%2F")
    seen = json.loads(connection.getresponse().read())
    connection.close()
    assert (seen["service"], seen["path"]) == ("payments", "/api/v1/payments/wallet/?x=%2F")


@pytest.mark.parametrize(
    "path",
    [
        "/internal/api/payments/payment_capture/",
        "/internal/events/notifications/",
        "//internal/api/payments/payment_capture/",
        "/api/v1/payments/../../../internal/api/payments/payment_capture/",
        "/%69nternal/events/notifications/",
    ],
)
def test_the_internal_endpoints_are_unreachable_through_the_edge(edge, path):
    """Sent as is (http.client does not normalise the path as httpx would)."""
    for method in ("GET", "POST"):
        connection = http.client.HTTPConnection("127.0.0.1", EDGE_PORT, timeout=10)
        connection.request(method, path, body=b"{}" if method == "POST" else None)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 404, (path, body)
        assert response.getheader("Content-Type") == "application/problem+json"
        assert json.loads(body)["status"] == 404


def test_bodies_django_refuses_reach_the_service_and_larger_ones_are_the_same_problem(edge):
    base, _ = edge
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    passed = httpx.post(f"{base}/api/v1/orders/", content=b"x" * (limit + 1), timeout=30)
    assert passed.json()["service"] == "monolith"  # it answers its own 413 problem
    refused = httpx.post(f"{base}/api/v1/orders/", content=b"x" * (2 * limit + 1), timeout=30)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:seams:problem:payload-too-large"


def test_a_service_that_does_not_answer_is_a_503_problem_with_retry_after(edge):
    base, stubs = edge
    payments = next(s for s in stubs if s.service_name == "payments")
    payments.shutdown()
    payments.server_close()
    response = httpx.get(f"{base}/api/v1/payments/wallet/")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == str(nginx.RETRY_AFTER_SECONDS)
    assert response.json()["type"] == "urn:seams:problem:service-unavailable"
    assert httpx.get(f"{base}/api/v1/orders/").json()["service"] == "monolith"


def test_the_committed_edge_configuration_is_checked_for_drift(tmp_path):
    committed = ROOT / "docker" / "edge" / "split.conf"
    call_command("topology", "edge", topology="split", check=str(committed), stdout=io.StringIO())
    stale = tmp_path / "split.conf"
    stale.write_text(committed.read_text().replace("keepalive 16", "keepalive 8"))
    with pytest.raises(CommandError) as refused:
        call_command("topology", "edge", topology="split", check=str(stale))
    assert "python manage.py topology edge --topology split --output docker/edge/split.conf" in (
        str(refused.value)
    )
