"""Tracing is configured by the standard variables alone: in a fresh process,
``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` leaves the instrumentations it names out (here
psycopg: no span per SQL statement) and keeps the others; with no exporter psycopg's
statement spans are left out too (nothing could see them).

monolith_pass: it starts its own process; the topology plays no part."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.app.conftest import ROOT, clean_env

PROBE = """
import django
django.setup()
from opentelemetry.instrumentation.celery import CeleryInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from app.kernel.observability import tracing
print(tracing.enabled(), PsycopgInstrumentor().is_instrumented_by_opentelemetry,
      CeleryInstrumentor().is_instrumented_by_opentelemetry)
"""


def installed(**env: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="app.settings", LOG_LEVEL="WARNING", **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


@pytest.mark.monolith_pass
def test_a_disabled_instrumentation_is_left_out_and_the_others_installed():
    env = {
        "OTEL_SDK_DISABLED": "false",
        "OTEL_TRACES_EXPORTER": "otlp",  # psycopg would be installed: it is the variable
        "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "psycopg",
    }
    tracing_on, psycopg, celery = installed(**env)
    assert (tracing_on, psycopg, celery) == ("True", "False", "True")


@pytest.mark.monolith_pass
def test_statement_spans_are_recorded_only_where_spans_are_exported():
    # an OTLP exporter with no collector: nothing is sent unless a span ends
    exporting = {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}
    assert installed(**exporting) == ["True", "True", "True"]
    default = {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "none"}
    assert installed(**default) == ["True", "False", "True"]  # spans, ids, no statements
