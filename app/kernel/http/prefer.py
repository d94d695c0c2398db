"""The ``Prefer`` request header (RFC 7240): what a view may honour of it.

Only ``wait`` is read: "respond within this many seconds", which a view answering about an
operation still running may use to hold the response until the operation has moved on
(ADR 0025). Preferences are hints: a malformed or unknown one is ignored, never a 400
(RFC 7240 section 2).
"""

from __future__ import annotations

from django.http import HttpRequest


def wait_seconds(request: HttpRequest) -> int | None:
    """The ``wait`` preference in seconds (the first one given, RFC 7240 section 2), or
    ``None`` when there is none or its value is not a non-negative integer."""
    for preference in request.headers.get("Prefer", "").split(","):
        name, _, value = preference.partition(";")[0].partition("=")
        if name.strip().lower() != "wait":
            continue
        value = value.strip().strip('"')
        return int(value) if value.isascii() and value.isdigit() else None
    return None
