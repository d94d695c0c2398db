"""The front door (``/``): what a person who just ran ``make run`` opens first."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.html import escape as html_escape

from app.kernel.modules import manifests

pytestmark = pytest.mark.django_db


def page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_front_door_links_docs_admin_health_and_metrics_and_every_link_answers(client):
    html = page(client)
    links = set(re.findall(r'href="(/[^"#]*)', html))
    assert {"/api/docs/", "/api/schema/", "/admin/", "/healthz/", "/readyz/", "/metrics"} <= links
    for link in links:
        assert client.get(link).status_code in (200, 302), link  # the admin: to its login


def test_front_door_loads_nothing_from_another_host(client):
    html = page(client)
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_front_door_shows_the_module_map(client):
    html = page(client)
    for found in manifests().values():
        assert f'href="/api/docs/#/{found.name}"' in html
        assert html_escape(found.summary) in html


def test_demo_logins_are_shown_in_development_only(client, settings):
    assert "demo@example.com" in page(client)
    assert "staff-pass-123" in page(client)
    settings.PRODUCTION = True
    html = page(client)
    assert "demo@example.com" not in html
    assert "Demo logins" not in html


def test_writes_to_the_front_door_are_refused(client):
    assert client.post("/").status_code == 405


def test_make_run_prints_the_front_door_links():
    out = StringIO()
    call_command("frontdoor", "http://127.0.0.1:8000", stdout=out)
    printed = out.getvalue()
    for url in ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/api/docs/",
                "http://127.0.0.1:8000/admin/", "http://127.0.0.1:8000/metrics"):  # fmt: skip
        assert url in printed
    assert "demo@example.com / demo-pass-123" in printed
