"""Helpers for tests that run the project's commands in a subprocess, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Variables that select a profile or a service; a subprocess starts from none of them.
PROFILE_VARIABLES = (
    "DJANGO_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "CACHE_URL",
    "DEBUG",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "PROMETHEUS_MULTIPROC_DIR",
    "DJANGO_SETTINGS_MODULE",
    "SEAMS_EVENT_TRANSPORT",
    "CELERY_TASK_ALWAYS_EAGER",
    "METRICS_TOKEN",
    "SECURE_SSL_REDIRECT",
    # `make test` runs pytest: a make run by a test must not think it is a sub-make.
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
)

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k7#Qv9!pL2@xZ4$rT8^mN1&wE6*yU3(iO5)aS0-dF7_gH2+jK9=lC4~bV8",
    "DATABASE_URL": "postgres://seams:secret@db.internal:5432/seams",
    "ALLOWED_HOSTS": "shop.example.com",
}


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROFILE_VARIABLES}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env=env)


@pytest.fixture
def root() -> Path:
    return ROOT
