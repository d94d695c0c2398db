"""The pages a person opens first, rendered by a real browser: Debian's Chromium driven by
Playwright (no browser download), with every request to another host refused, so the page
and Swagger UI must render offline. Screenshots go to ``SEAMS_SCREENSHOTS`` (a folder) when
set, else to the test's temporary folder."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def page(live_server):
    offsite: list[str] = []
    own_host = urlsplit(live_server.url).netloc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})

            def local_only(route):
                if urlsplit(route.request.url).netloc == own_host:
                    return route.continue_()
                offsite.append(route.request.url)
                return route.abort()

            tab.route("**/*", local_only)
            yield tab
        finally:
            browser.close()
    assert not offsite, f"the page asked another host for {offsite}"


def screenshot(page: Page, tmp_path: Path, name: str) -> bytes:
    folder = Path(os.environ.get("SEAMS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    image = page.screenshot(path=folder / f"{name}.png", full_page=True)
    assert image.startswith(PNG)
    return image


def test_front_door_renders_with_its_links_and_module_map(page, live_server, tmp_path):
    page.goto(f"{live_server.url}/")
    assert page.title() == "Seams shop"
    assert page.get_by_role("link", name="API docs").is_visible()
    assert page.get_by_role("link", name="Admin").is_visible()
    assert page.get_by_role("heading", name="Module map").is_visible()
    assert page.get_by_role("cell", name="demo@example.com").is_visible()
    screenshot(page, tmp_path, "front-door")


def test_swagger_ui_renders_offline_with_one_group_per_module(page, live_server, tmp_path):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="API docs").click()
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=30_000)
    tags = {text.strip() for text in page.locator(".opblock-tag a span").all_inner_texts()}
    assert {"accounts", "catalog", "orders", "payments"} <= tags, tags
    screenshot(page, tmp_path, "api-docs")
