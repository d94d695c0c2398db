"""Test events. ``Probe`` steers its handlers through its own fields, so a Celery worker in
another process behaves as the test wants."""

from typing import ClassVar

from app.kernel.events import Event


class Probe(Event):
    name: ClassVar[str] = "evtest.Probe"
    key_field: ClassVar[str] = "ref"

    ref: str
    seq: int = 0
    fail_times: int = 0  # fail the first N attempts
    fail_unless_exists: str = ""  # fail while this file does not exist
    pid_file: str = ""  # first run: write the pid here, then sleep
    sleep: float = 0.0


class Untouched(Event):
    """Nobody subscribes to it."""

    name: ClassVar[str] = "evtest.Untouched"

    value: int
