"""The deployable serves HTTP through WSGI (gunicorn) only: ASGI is not shipped, because the
request attribution and the data-ownership guard are tested under WSGI alone
(docs/decisions/0009-hardening.md, item 9)."""

import importlib.util

from tests.app.conftest import ROOT


def test_wsgi_is_the_only_http_entry_point_and_the_one_the_image_runs():
    assert importlib.util.find_spec("app.wsgi") is not None
    assert importlib.util.find_spec("app.asgi") is None, (
        "ship an ASGI entry point only together with a test under a real ASGI server"
    )
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "gunicorn app.wsgi:application" in entrypoint
