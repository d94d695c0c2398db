"""Settings that only work together: the broker's and the cache's Redis databases, and the
sizes of task time limit, visibility timeout, unacked restore and redelivery."""

from __future__ import annotations

import pytest

from tests.app.conftest import clean_env, manage

PROBE = (
    "from django.conf import settings as s;"
    "print(s.CELERY_BROKER_URL, s.CACHES['default']['LOCATION'], s.CELERY_TASK_TIME_LIMIT,"
    " s.CELERY_VISIBILITY_TIMEOUT, s.CELERY_BROKER_TRANSPORT_OPTIONS['unacked_restore_interval']"
    " * s.CELERY_BROKER_TRANSPORT_OPTIONS['unacked_restore_throttle'],"
    " s.SEAMS_EVENTS_REDELIVER_AFTER_SECONDS, s.SEAMS_SAGA_TIMEOUT_SECONDS)"
)


def settings_with(**env: str) -> list[str]:
    result = manage("shell", "-c", PROBE, env=clean_env(**env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


def refusal_with(**env: str) -> str:
    result = manage("check", env=clean_env(**env))
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


def test_the_cache_gets_its_own_redis_database_next_to_the_brokers():
    broker, cache, *_ = settings_with(REDIS_URL="redis://127.0.0.1:6379/4")
    assert broker == "redis://127.0.0.1:6379/4"
    assert cache == "redis://127.0.0.1:6379/5"  # a cache clear cannot flush queued tasks


def test_cache_url_may_name_another_server_but_not_the_brokers_database():
    _, cache, *_ = settings_with(REDIS_URL="redis://q:6379/0", CACHE_URL="redis://c:6379/0")
    assert cache == "redis://c:6379/0"
    refused = refusal_with(REDIS_URL="redis://q:6379/3", CACHE_URL="redis://q:6379/3")
    assert "CACHE_URL must name another Redis database than REDIS_URL" in refused


def test_by_default_a_dead_workers_messages_come_back_within_about_a_minute():
    sizes = settings_with(REDIS_URL="redis://127.0.0.1:6379/0")[2:]
    limit, visibility, restore_every, redeliver, saga_timeout = map(float, sizes)
    assert 2 * limit < visibility  # never restored while still waiting or running
    assert visibility + restore_every <= 90  # what a dead worker held runs again in ~a minute
    assert redeliver > visibility + restore_every  # the relay only republishes lost messages
    assert visibility + restore_every < saga_timeout  # long before the saga would give up


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CELERY_TASK_TIME_LIMIT": "40", "CELERY_VISIBILITY_TIMEOUT": "60"},
            "CELERY_VISIBILITY_TIMEOUT must exceed twice CELERY_TASK_TIME_LIMIT",
        ),
        (
            {"SEAMS_EVENTS_REDELIVER_AFTER_SECONDS": "62"},
            "SEAMS_EVENTS_REDELIVER_AFTER_SECONDS must exceed CELERY_VISIBILITY_TIMEOUT",
        ),
        (
            {"SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS": "30"},
            "SEAMS_EVENTS_BOOKKEEPING_RETRY_SECONDS must be below",
        ),
    ],
    ids=["visibility-vs-time-limit", "redeliver-vs-visibility", "bookkeeping-vs-time-limit"],
)
def test_sizes_that_do_not_fit_together_are_refused_at_start(env, message):
    assert message in refusal_with(**env)
