"""The network channel: signed keep-alive POSTs, and what a dead or silent service looks like."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.kernel.remote import channels, signing
from app.kernel.remote.channels import ChannelError, NetworkChannel


class Echo(BaseHTTPRequestHandler):
    """Answers the signature it was sent, on a kept-alive connection."""

    protocol_version = "HTTP/1.1"
    peers: set[tuple[str, int]] = set()
    hang_up = False  # close each connection after its answer, without saying so

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        signing.verify("POST", self.path, body, self.headers[signing.HEADER])
        Echo.peers.add(self.client_address)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = Echo.hang_up

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo():
    server = ThreadingHTTPServer(("127.0.0.1", 18980), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Echo.peers.clear()
    Echo.hang_up = False
    yield "http://127.0.0.1:18980"
    server.shutdown()
    server.server_close()


def test_calls_are_signed_and_reuse_one_connection(echo):
    channel = NetworkChannel(echo)
    for n in range(3):
        reply = channel.post("/internal/api/x/y/", b'{"n": %d}' % n, {}, 2.0)
        assert (reply.status, reply.content) == (200, b'{"n": %d}' % n)
    assert len(Echo.peers) == 1  # one client port: the connection was kept alive
    channel.close()


def test_a_connection_the_service_closed_while_idle_is_replaced_not_failed(echo):
    Echo.hang_up = True
    channel = NetworkChannel(echo)
    for _ in range(3):
        assert channel.post("/internal/api/x/y/", b"{}", {}, 2.0).status == 200
        time.sleep(0.2)  # the service's FIN arrives: the idle connection is readable
    assert len(Echo.peers) == 3
    channel.close()


def test_a_connection_idle_too_long_is_not_reused(echo, monkeypatch):
    monkeypatch.setattr(channels, "IDLE_SECONDS", 0.0)
    channel = NetworkChannel(echo)
    for _ in range(2):
        assert channel.post("/internal/api/x/y/", b"{}", {}, 2.0).status == 200
    assert len(Echo.peers) == 2
    channel.close()


def test_a_service_that_is_not_listening_is_unreachable_not_timed_out():
    with pytest.raises(ChannelError) as failed:
        NetworkChannel("http://127.0.0.1:18981").post("/internal/api/x/y/", b"{}", {}, 2.0)
    assert not failed.value.timed_out


def test_a_service_that_never_answers_times_out():
    silent = socket.create_server(("127.0.0.1", 18982))  # accepts, never answers
    with silent, pytest.raises(ChannelError) as failed:
        NetworkChannel("http://127.0.0.1:18982").post("/internal/api/x/y/", b"{}", {}, 0.3)
    assert failed.value.timed_out
