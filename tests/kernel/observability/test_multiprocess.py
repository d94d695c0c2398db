"""Several processes of one kind (gunicorn workers, Celery prefork children) write their
samples to one multiprocess directory; a scrape of that kind adds them up, and a dead
process's live gauges (the breaker state) drop out while its counters stay."""

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
print(os.getpid())
"""


def record(directory: Path, times: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", RECORD, str(times)],
        cwd=ROOT,
        env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip())


def sample(registry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_a_scrape_sums_the_processes_of_its_kind(tmp_path, monkeypatch):
    pids = [record(tmp_path, times) for times in (1, 2, 3)]
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

    for pid in pids:  # what gunicorn's child_exit and the worker's child hook do
        multiprocess.mark_process_dead(pid, str(tmp_path))
    registry = process_registry()
    assert sample(registry, "seams_remote_breaker_state", module="payments") is None
    assert sample(registry, "seams_events_published_total", event="probe.Multi") == 6
