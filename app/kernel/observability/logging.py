"""structlog set-up: readable console lines in development, JSON lines in production.

Standard-library loggers (Django, Celery, gunicorn's workers) go through the same processors,
so every line carries ``timestamp``, ``level``, ``event``, ``logger`` and the bound context:
``request_id`` (bound by the request middleware), ``module`` (the module acting now, see
:mod:`app.kernel.ownership`), and ``trace_id`` / ``span_id`` of the current OpenTelemetry span
(the request's, the task's, the handler's: ADR 0015).
"""

from __future__ import annotations

import logging.config
import sys
from typing import Any

import structlog
from opentelemetry import trace

OWNERSHIP_MODULE = "app.kernel.ownership"


def add_module(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Add ``module``: the module acting now, where one is known.

    Settings configure logging before the app registry exists, so this file must not import
    the kernel's module machinery. It needs no import: nothing can be acting as a module
    unless :mod:`app.kernel.ownership` has been imported, so it is looked up in
    ``sys.modules`` at log time (a dict lookup, no import side effects).
    """
    if "module" not in event and (ownership := sys.modules.get(OWNERSHIP_MODULE)):
        module = ownership.current_module()
        if module:
            event["module"] = module
    return event


def add_trace(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Add ``trace_id`` and ``span_id`` (hex, as trace back ends show them) of the current
    span, when there is one (tracing on, or a trace context received)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    add_module,
    add_trace,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    structlog.processors.StackInfoRenderer(),
]


def logging_dict(*, level: str = "INFO", fmt: str = "console") -> dict[str, Any]:
    """The ``logging.config.dictConfig`` for ``fmt`` ``"json"`` or ``"console"``."""
    if fmt not in {"json", "console"}:
        raise ValueError(f"LOG_FORMAT must be 'json' or 'console', not {fmt!r}")
    if fmt == "json":
        render = [
            # Tracebacks as data; no local variables (they may hold passwords or tokens).
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ]
    else:
        # Plain tracebacks: rich's would print every frame's local variables.
        render = [
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        ]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": SHARED_PROCESSORS,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *render,
                ],
            }
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "structlog",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # The request middleware logs every request once; these would log some twice.
            "django.server": {"level": "CRITICAL"},
            "django.request": {"level": "ERROR"},
            # httpx logs each internal call at INFO; the callee's request line already has it
            "httpx": {"level": "WARNING"},
        },
    }


def configure_logging(*, level: str = "INFO", fmt: str = "console") -> None:
    """Configure structlog and the standard library (idempotent; call once per process)."""
    logging.config.dictConfig(logging_dict(level=level, fmt=fmt))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
