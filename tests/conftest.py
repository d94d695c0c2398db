"""Test-wide set-up: services a test needs are declared with markers; throttle counters
and password hashing are reset per test.

``@pytest.mark.postgres``, ``@pytest.mark.redis``, ``@pytest.mark.nginx`` and
``@pytest.mark.browser`` (Debian's Chromium at ``SEAMS_CHROMIUM``, default
``/usr/bin/chromium``) tests skip, saying why, when the service (or binary) is missing, and
fail instead when ``CI=true`` or ``SEAMS_REQUIRE_SERVICES=1``.
"""

import os
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from app.kernel import wakeups
from app.kernel.topology import TopologyError, processes

pytest_plugins = [
    "tests.scenarios",  # the ``scenario`` fixture: publish or call, then wait
    "tests.slicing",  # pytest --module NAME, and the ``fakes`` fixture (ADR 0017)
]

REQUIRE_SERVICES = os.environ.get("CI") == "true" or os.environ.get("SEAMS_REQUIRE_SERVICES") == "1"


CHROMIUM = os.environ.get("SEAMS_CHROMIUM", "/usr/bin/chromium")
SERVICE_MARKERS = ("postgres", "redis", "nginx", "browser")


def _missing_service(marker: str) -> str | None:
    if (
        marker == "postgres"
        and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis":
        if not settings.REDIS_URL:
            return "needs Redis: set REDIS_URL=redis://..."
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        except redis.RedisError as exc:
            return f"Redis at REDIS_URL does not answer: {exc}"
    if marker == "nginx":
        try:
            processes.nginx_binary()
        except TopologyError as exc:
            return str(exc)
    if marker == "browser" and not os.access(CHROMIUM, os.X_OK):
        return f"needs Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)"
    return None


def pytest_runtest_setup(item):
    for marker in SERVICE_MARKERS:
        if marker in item.keywords and (reason := _missing_service(marker)):
            if REQUIRE_SERVICES:
                pytest.fail(
                    f"{reason} (required: CI=true or SEAMS_REQUIRE_SERVICES=1)", pytrace=False
                )
            pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Forget throttle counters, and only those: on Redis the cache's database (CACHE_URL,
    by default REDIS_URL's number + 1) may be another test run's on a shared server, so no
    ``cache.clear()`` (FLUSHDB)."""
    location = settings.CACHES["default"].get("LOCATION")
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = redis.Redis.from_url(location)
        for key in client.scan_iter(match="*:throttle_*"):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _every_database_for_database_tests(items) -> None:
    """With several databases (a topology such as ``isolated``, the split test mode) every
    test that touches the database may touch each of them: its module's data lives there."""
    if len(settings.DATABASES) == 1:
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = set(item.fixturenames)
        if marker is None and not {"db", "transactional_db"} & fixtures:
            continue
        kwargs = dict(marker.kwargs) if marker else {}
        if marker and marker.args:
            kwargs.setdefault("transaction", marker.args[0])
        kwargs["transaction"] = bool(kwargs.get("transaction")) or "transactional_db" in fixtures
        kwargs["databases"] = "__all__"
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


# What the split pass (make test-split) leaves out: these test the deployable (settings,
# servers, probes, images, docs, pages), which does not change with where modules live, and
# their subprocesses set their own topology. They run once, in the monolith pass.
DEPLOYABLE_TESTS = ("app", "docs", "browser")


def _deployable_tests_run_once(items) -> None:
    tests = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(tests) and item.path.relative_to(tests).parts[0] in (
            DEPLOYABLE_TESTS
        ):
            item.add_marker(pytest.mark.monolith_pass)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items):
    _every_database_for_database_tests(items)
    _deployable_tests_run_once(items)


@pytest.fixture(autouse=True)
def _wakeup_listeners_stopped():
    """A held read's wake-up listener (app.kernel.wakeups) keeps a connection to the test
    database: it ends with the test that started it, before the database is torn down."""
    yield
    wakeups.stop_listening()
