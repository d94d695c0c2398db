"""``make bench`` entry points for the benchmarks (each is also a plain script; see
docs/benchmarks.md). Output is printed (run with ``-s`` to see it); nothing is asserted about
speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
NEEDS_SERVICES = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres")
    or not os.environ.get("REDIS_URL"),
    reason="set DATABASE_URL=postgres://.../seams_bench and REDIS_URL",
)


def run(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / script)],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stderr[-4000:]


@pytest.mark.bench
def test_events_sync_dispatch():
    run("events_sync_dispatch.py")


@pytest.mark.bench
@NEEDS_SERVICES
def test_events_relay_throughput():
    run("events_relay_throughput.py")


@pytest.mark.bench
@NEEDS_SERVICES
def test_events_latency():
    run("events_latency.py")


@pytest.mark.bench
@NEEDS_SERVICES
def test_events_outbox_write():
    run("events_outbox_write.py")


@pytest.mark.bench
def test_remote_call():
    run("remote_call.py")
