"""Tracing is configured by the standard variables (and one of ours): in a fresh process,
``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` leaves the instrumentations it names out and keeps
the others; psycopg's span per statement is installed only where spans are exported and
``SEAMS_TRACE_SLOW_STATEMENT_MS=0`` asks for every statement (by default only slow ones get a
span, and module-entry spans count the rest); with no exporter statements are not even counted.

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
from app.kernel.observability import statements
print(tracing.enabled(), PsycopgInstrumentor().is_instrumented_by_opentelemetry,
      CeleryInstrumentor().is_instrumented_by_opentelemetry, statements.counting())
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
        "OTEL_TRACES_EXPORTER": "otlp",
        "SEAMS_TRACE_SLOW_STATEMENT_MS": "0",  # psycopg would be installed: it is the variable
        "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "psycopg",
    }
    assert installed(**env) == ["True", "False", "True", "True"]


@pytest.mark.monolith_pass
def test_statements_are_spanned_each_only_when_exported_and_asked_for():
    # (tracing on, a span per statement, celery, statements counted and slow ones spanned)
    # an OTLP exporter with no collector: nothing is sent unless a span ends
    exporting = {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}
    assert installed(**exporting) == ["True", "False", "True", "True"]
    every = {**exporting, "SEAMS_TRACE_SLOW_STATEMENT_MS": "0"}
    assert installed(**every) == ["True", "True", "True", "True"]
    default = {"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "none"}
    assert installed(**default) == ["True", "False", "True", "False"]  # ids, no statements
