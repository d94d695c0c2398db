"""The ``Prefer: wait`` reading (RFC 7240): hints, so anything unreadable is no preference."""

import pytest
from django.test import RequestFactory

from app.kernel.http.prefer import wait_seconds


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("wait=10", 10),
        ("respond-async, wait=7", 7),
        ('wait="3"', 3),  # a quoted-string value
        ("Wait=2; foo=bar", 2),  # names are case-insensitive; parameters are ignored
        ("wait=0", 0),
        ("wait=4, wait=9", 4),  # the first one counts
        ("wait=1.5", None),
        ("wait=-1", None),
        ("wait=", None),
        ("wait=\u0663", None),  # a digit, but not an ASCII one
        ("waiting=5", None),
        ("respond-async", None),
        ("", None),
    ],
)
def test_wait_seconds(header, seconds):
    request = RequestFactory().get("/", HTTP_PREFER=header)
    assert wait_seconds(request) == seconds


def test_no_header_is_no_wait():
    assert wait_seconds(RequestFactory().get("/")) is None
