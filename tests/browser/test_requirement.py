"""A browser test without Chromium says what to install, and under CI=true fails instead of
skipping (tests/conftest.py)."""

import pytest

from tests import conftest


def test_a_missing_chromium_is_named_with_the_package_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "chromium"))
    assert "apt-get install chromium" in conftest._missing_service("browser")


def test_under_ci_a_missing_chromium_fails_the_test(monkeypatch, tmp_path, request):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.setattr(conftest, "REQUIRE_SERVICES", True)
    item = request.node
    item.add_marker(pytest.mark.browser)
    with pytest.raises(pytest.fail.Exception, match="needs Chromium"):
        conftest.pytest_runtest_setup(item)
