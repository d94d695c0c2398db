"""Where the roles spend their time under load: py-spy samples, summarised per role.

``py-spy record --subprocesses --idle --format raw`` samples every thread of every process
under the system's process groups (idle threads included, so waiting on PostgreSQL shows);
:func:`summarise` files each sample under the role of its process and one category, the
first whose frame appears in the stack, leaf first.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ROLES = (  # role: a pattern of its process's command line
    ("web", re.compile(r"gunicorn")),
    ("worker", re.compile(r"celery.* worker")),
    ("relay", re.compile(r"events relay")),
    ("beat", re.compile(r"celery.* beat")),
)
IDLE = "idle: waiting for a request, a task or a timer"
IDLE_LEAF = re.compile(  # the sampled frame itself: blocked waiting for work
    r"\((gunicorn/(arbiter|workers/\w+)|kombu/(asynchronous/hub|utils/eventio)|selectors|"
    r"threading|billiard/(connection|pool)|queue|socketserver|concurrent/futures/thread)\.py|"
    r"(^|\.)(sleep|poll|select) "
)
HELD = "held: a read waiting for its order (`Prefer: wait`)"
HELD_FRAME = re.compile(r"^order_version \(modules/orders/selectors\.py")  # a held read
IDLE_ANYWHERE = re.compile(r"(^|\.)notifies \(psycopg/")  # the relay waiting for a NOTIFY
CONNECTING = re.compile(  # a frame anywhere in the stack: a connection being opened
    r"(^|\.)(connect|_connect|get_new_connection|on_connect|make_connection) \("
    r"(psycopg|redis|django/db|kombu)/"
)
OPENING = "opening connections (PostgreSQL, Redis)"
CATEGORIES = (  # category: a pattern of one frame ("function (file:line)"), leaf first
    ("PostgreSQL round trips", re.compile(r"\(psycopg/(waiting|cursor|connection)\.py")),
    ("Redis round trips", re.compile(r"\(redis/(connection|_parsers/\w+|client)\.py")),
    ("logging", re.compile(r"\((structlog|logging)/")),
    ("Django ORM: building and reading queries", re.compile(r"\(django/db/")),
    ("Celery and kombu", re.compile(r"\((celery|kombu|billiard)/")),
    ("Python: the rest (views, saga, serialisation)", re.compile(r".")),
)  # fmt: skip


@dataclass
class Profiling:
    process: subprocess.Popen
    output: Path


def start(pids: list[int], output: Path, seconds: float) -> Profiling:
    """Sample the process groups led by ``pids`` (the first; its children included)."""
    command = [
        str(ROOT / ".venv/bin/py-spy"), "record", "--pid", str(pids[0]), "--subprocesses",
        "--idle", "--nonblocking", "--rate", "50", "--format", "raw", "--duration",
        str(int(seconds)), "--output", str(output),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return Profiling(process, output)


def finish(profiling: Profiling) -> dict[str, dict[str, float]]:
    profiling.process.wait(120)
    if not profiling.output.exists():
        error = profiling.process.stderr.read().decode() if profiling.process.stderr else ""
        return {"error": {"py-spy": 0.0, "message": error[-300:]}}
    return summarise(profiling.output.read_text())


def role_of(command: str) -> str | None:
    """The role a process's command line (or py-spy's process frame) belongs to."""
    for role, pattern in ROLES:
        if pattern.search(command):
            return role
    return None


def _category(frames: list[str]) -> str:
    if not frames:
        return IDLE
    waiting = IDLE_LEAF.search(frames[-1])
    if (waiting or HELD_FRAME.search(frames[-1])) and any(map(HELD_FRAME.search, frames)):
        return HELD  # between its reads: asleep, or waiting for its wake-up (ADR 0027)
    if waiting or any(map(IDLE_ANYWHERE.search, frames)):
        return IDLE
    if any(map(CONNECTING.search, frames)):
        return OPENING
    for frame in reversed(frames):
        for category, pattern in CATEGORIES[:-1]:
            if pattern.search(frame):
                return category
    return CATEGORIES[-1][0]


def summarise(raw: str) -> dict[str, dict[str, float]]:
    """Per role: percent of its samples in each category (and the sample count)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = stack.split(";")  # process frames (parent to child), then the Python stack
        own = max(i for i, frame in enumerate(frames) if frame.startswith("process "))
        role = role_of(frames[own])
        if role is None:
            continue
        counts[role][_category(frames[own + 1 :])] += int(n)
    summary = {}
    for role, counter in counts.items():
        total = sum(counter.values())
        summary[role] = {
            category: round(100 * n / total, 1) for category, n in counter.most_common()
        }
        summary[role]["samples"] = total
    return summary
