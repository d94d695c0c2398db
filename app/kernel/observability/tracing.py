"""W3C trace context (``traceparent``) without an OpenTelemetry SDK: carried from an incoming
request into the events it publishes and the handlers they run. No spans are recorded."""

from __future__ import annotations

import re
import secrets

import structlog

TRACEPARENT_RE = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def new_traceparent(trace_id: str | None = None) -> str:
    """A W3C ``traceparent``: the given trace id (or a new one) and a fresh span id."""
    return f"00-{trace_id or secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_traceparent(parent: str | None) -> str:
    """Same trace as ``parent`` with a new span id (a new trace if ``parent`` is invalid)."""
    match = TRACEPARENT_RE.match(parent or "")
    return new_traceparent(match.group(1) if match else None)


def current_traceparent() -> str:
    """The trace context of the running code: a valid ``traceparent`` bound in structlog's
    contextvars (by the request middleware, or by the event consumer while a handler runs),
    else a new trace."""
    bound = structlog.contextvars.get_contextvars().get("traceparent")
    if isinstance(bound, str) and TRACEPARENT_RE.match(bound):
        return bound
    return new_traceparent()
