"""Several processes of one kind (gunicorn workers, Celery prefork children) write their
samples to one multiprocess directory; a scrape of that kind adds them up, and a dead
process's live gauges (the breaker state) drop out while its counters stay: marked dead by
its server's exit hook (gunicorn, Celery), or found gone at the next scrape (granian)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prometheus_client import multiprocess

from app.kernel.observability.exposition import process_registry

ROOT = Path(__file__).resolve().parents[3]

RECORD = """
import os, sys
from app.kernel.observability import metrics
times = int(sys.argv[1])
for _ in range(times):
    metrics.event_published("probe.Multi")
with metrics.handler_run("probe", "probe.react", "probe.Multi", "async"):
    pass
metrics.breaker_listener("payments")  # closed: 0
print(os.getpid(), flush=True)
sys.stdin.read()  # alive until told to go
"""


def record(directory: Path, times: int) -> subprocess.Popen[str]:
    """A process that recorded its samples and lives on until its stdin is closed."""
    process = subprocess.Popen(
        [sys.executable, "-c", RECORD, str(times)],
        cwd=ROOT,
        env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert int(process.stdout.readline()) == process.pid
    return process


def sample(registry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_a_scrape_sums_the_processes_of_its_kind(tmp_path, monkeypatch):
    processes = [record(tmp_path, times) for times in (1, 2, 3)]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    registry = process_registry()
    assert sample(registry, "seams_events_published_total", event="probe.Multi") == 6
    runs = {"module": "probe", "handler": "probe.react", "delivery": "async"}
    assert sample(registry, "seams_event_handler_duration_seconds_count", **runs) == 3
    assert (
        sample(
            registry, "seams_event_handler_runs_total", **runs, event="probe.Multi", outcome="ok"
        )
        == 3
    )
    assert sample(registry, "seams_remote_breaker_state", module="payments") == 0

    first, *others = processes
    multiprocess.mark_process_dead(first.pid, str(tmp_path))  # gunicorn's child_exit, Celery's
    first.communicate()
    assert sample(process_registry(), "seams_remote_breaker_state", module="payments") == 0
    for process in others:  # exited with no hook to say so: the scrape finds them gone
        process.communicate()
    registry = process_registry()
    assert sample(registry, "seams_remote_breaker_state", module="payments") is None
    assert sample(registry, "seams_events_published_total", event="probe.Multi") == 6
