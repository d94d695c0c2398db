"""The web role for real, on gunicorn and on granian (``WEB_SERVER``): two workers, metrics
summed across them and kept when one dies, JSON logs, a clean stop."""

from __future__ import annotations

import http.client
import json
import os
import runpy
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.app.conftest import ROOT, clean_env

CONFIG = ROOT / "app" / "gunicorn_conf.py"
JSON = {"Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def wait_until_serving(port: int, process, deadline: float = 60) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if process.poll() is not None:
            raise AssertionError(f"the web server exited with {process.returncode}")
        try:
            if get(port, "/healthz/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the web server did not answer /healthz/ in time")


def healthz_count(metrics_text: str) -> float:
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if (
                sample.name == "seams_http_requests_total"
                and sample.labels["route"] == "healthz/"
                and sample.labels["status"] == "200"
            ):
                return sample.value
    return 0.0


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


# the logger of each server's own lines (boot, worker exits)
SERVER_LOGGER = {"gunicorn": "gunicorn.error", "granian": "_granian"}


@pytest.fixture(params=sorted(SERVER_LOGGER))
def web(tmp_path, request):
    """``docker/entrypoint.sh web``: two workers (gunicorn's threaded ones, or granian's), JSON
    logs, a stale metrics directory."""

    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from a previous run")
    port = free_port()
    log_path = tmp_path / "web.log"
    env = clean_env(
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_SERVER=request.param,
        WEB_CONCURRENCY="2",
        # granian stops a worker it is still respawning only at this timeout (ADR 0020)
        GUNICORN_GRACEFUL_TIMEOUT="5",
        LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(ROOT / "docker" / "entrypoint.sh"), "web"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(port, process)
        yield SimpleNamespace(
            server=request.param,
            port=port,
            process=process,
            metrics_dir=metrics_dir,
            log_path=log_path,
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_metrics_add_up_across_workers_and_survive_a_dead_worker(web):
    assert not (web.metrics_dir / "counter_999999.db").exists(), "stale samples were wiped"
    baseline = healthz_count(get(web.port, "/metrics")[1])

    for _ in range(10):
        assert get(web.port, "/healthz/")[0] == 200
    # A worker that served some of them dies (as at a timeout or max_requests, or a crash):
    # its counts must not vanish from the total. Both servers start another.
    served = {int(path.stem.split("_")[-1]) for path in web.metrics_dir.glob("counter_*.db")}
    [victim, *_] = sorted(served & set(worker_pids(web.process.pid)))
    os.kill(victim, signal.SIGTERM)
    until = time.monotonic() + 30
    while victim in worker_pids(web.process.pid) or len(worker_pids(web.process.pid)) < 2:
        assert time.monotonic() < until, f"{web.server} did not replace the worker"
        time.sleep(0.1)
    for _ in range(10):
        assert get(web.port, "/healthz/")[0] == 200

    status, text = get(web.port, "/metrics")
    assert status == 200
    assert healthz_count(text) - baseline == 20
    assert (web.metrics_dir / f"counter_{victim}.db").exists()


def test_every_request_is_one_json_line(web):
    for path in ("/healthz/", "/healthz/", "/missing/", "/readyz/"):
        get(web.port, path)
    time.sleep(0.3)
    records, not_json = [], []
    for line in web.log_path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            not_json.append(line)
    assert not not_json, not_json  # the server's own lines are JSON too
    requests = [r for r in records if r["event"] == "request" and r["path"] != "/healthz/"]
    assert [(r["path"], r["status"]) for r in requests] == [("/missing/", 404), ("/readyz/", 200)]
    healthz = [r for r in records if r["event"] == "request" and r["path"] == "/healthz/"]
    assert len(healthz) >= 2  # the readiness polls of the fixture, plus these two
    assert any(r["logger"] == SERVER_LOGGER[web.server] for r in records)


def test_a_connection_stays_usable_after_a_small_body(web):
    """Keep-alive: the next request rides the same connection (ADR 0025)."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        connection.request("POST", "/api/v1/orders/", body=b"{}", headers=JSON)
        refused = connection.getresponse()
        refused.read()
        sock = connection.sock
        connection.request("GET", "/healthz/")
        assert (refused.status, connection.getresponse().status) == (401, 200)
        assert connection.sock is sock and refused.getheader("Connection", "") != "close"
    finally:
        connection.close()


@pytest.mark.parametrize("web", ["gunicorn"], indirect=True)
def test_a_large_body_left_unread_does_not_break_the_next_request(web):
    """gunicorn cannot drain a large body the application refused unread (here a 401 before
    parsing, or a 413): the answer says ``Connection: close`` (``pre_request`` in the config),
    so the client's next request goes on a new connection instead of one closed under it.
    gunicorn only: it is the public web's server; granian serves calls between services,
    whose bodies are small (it too closes such a connection unannounced)."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        for _ in range(2):
            connection.request("POST", "/api/v1/orders/", body=b" " * 3_000_000, headers=JSON)
            refused = connection.getresponse()
            refused.read()
            assert refused.status == 401
            connection.request("GET", "/healthz/")  # reconnects if the answer said close
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
    finally:
        connection.close()


def test_sigterm_stops_every_worker_and_exits_cleanly(web):
    workers = worker_pids(web.process.pid)
    assert len(workers) == 2
    web.process.send_signal(signal.SIGTERM)
    assert web.process.wait(timeout=30) == 0
    assert all(exited(pid) for pid in workers)


def exited(pid: int) -> bool:
    """``pid`` is gone, or a zombie nobody reaped yet (its state in ``/proc``: ``Z``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def test_config_wipes_metrics_at_start_and_marks_dead_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    config = runpy.run_path(str(CONFIG))
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "counter_1.db").write_bytes(b"stale")

    config["on_starting"](None)
    assert list((tmp_path / "prom").iterdir()) == []

    live_gauge = tmp_path / "prom" / "gauge_livesum_4242.db"
    counter = tmp_path / "prom" / "counter_4242.db"
    live_gauge.write_bytes(b"")
    counter.write_bytes(b"")
    config["child_exit"](None, SimpleNamespace(pid=4242))
    assert not live_gauge.exists()
    assert counter.exists(), "a dead worker's counts still count"


def test_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/unused")  # noqa: S108
    config = runpy.run_path(str(CONFIG))
    assert config["bind"] == "0.0.0.0:9123"
    assert config["workers"] == 5
    assert config["accesslog"] is None  # the app logs each request once


def test_granian_reads_the_same_environment():
    from granian.constants import HTTPModes, Interfaces

    from app import granian_server

    options = granian_server.options(
        {
            "HOST": "0.0.0.0",  # noqa: S104
            "PORT": "9123",
            "WEB_CONCURRENCY": "5",
            "GRANIAN_BLOCKING_THREADS": "4",
            "DJANGO_ENV": "production",
        }
    )
    assert (options["address"], options["port"], options["workers"]) == ("0.0.0.0", 9123, 5)  # noqa: S104
    assert options["blocking_threads"] == 4
    assert options["interface"] is Interfaces.WSGI and options["http"] is HTTPModes.http1
    assert options["respawn_failed_workers"] and not options["log_access"]
    formatter = options["log_dictconfig"]["formatters"]["structlog"]
    assert "JSONRenderer" in repr(formatter["processors"])  # production: JSON lines
    assert options["log_dictconfig"]["loggers"]["_granian"]["propagate"]


def test_a_scrape_forgets_the_live_gauges_of_processes_that_exited(tmp_path):
    from app.kernel.observability.exposition import forget_exited_processes

    dead = subprocess.Popen(["true"])
    dead.wait()
    alive = os.getpid()
    for name in (f"gauge_livemax_{dead.pid}", f"counter_{dead.pid}", f"gauge_livemax_{alive}"):
        (tmp_path / f"{name}.db").write_bytes(b"")
    forget_exited_processes(tmp_path)
    left = sorted(path.stem for path in tmp_path.iterdir())
    assert left == sorted([f"counter_{dead.pid}", f"gauge_livemax_{alive}"])
