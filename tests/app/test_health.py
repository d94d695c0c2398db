"""/healthz/ says the process is alive; /readyz/ names the dependency that is not."""

import json
import sys

import pytest
from django.conf import settings as django_settings

from tests.app.conftest import clean_env, run

# Ask /readyz/ in a fresh process configured by the environment, as a load balancer would.
READYZ = (
    "import django, json; django.setup();"
    "from django.test import Client;"
    "r = Client().get('/readyz/');"
    "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
)


def readyz_in_process_with(**env):
    result = run(
        [sys.executable, "-c", READYZ],
        env=clean_env(DJANGO_SETTINGS_MODULE="app.settings", **env),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_needs_no_database(client):
    # No django_db mark: any database access here would be an error.
    assert client.get("/healthz/").status_code == 200


@pytest.mark.django_db
def test_readyz_ok_when_database_answers(client, settings):
    settings.REDIS_URL = settings.CACHE_URL = ""
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_naming_the_database_when_it_is_down():
    # Nothing listens on port 1: the connection is refused at once.
    answer = readyz_in_process_with(DATABASE_URL="postgres://seams@127.0.0.1:1/seams")
    assert answer["status"] == 503
    assert answer["body"]["status"] == "unavailable"
    assert list(answer["body"]["failing"]) == ["database"]
    assert "OperationalError" in answer["body"]["failing"]["database"]


def test_readyz_is_503_naming_redis_when_configured_but_down(tmp_path):
    answer = readyz_in_process_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert answer["status"] == 503
    assert list(answer["body"]["failing"]) == ["redis", "cache"]  # the cache: its db + 1


@pytest.mark.redis
def test_readyz_is_503_naming_the_cache_when_only_the_cache_is_down(tmp_path):
    answer = readyz_in_process_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=django_settings.REDIS_URL,
        CACHE_URL="redis://127.0.0.1:1/0",
    )
    assert answer["status"] == 503
    assert list(answer["body"]["failing"]) == ["cache"]


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert "redis" in response.json()["failing"]


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_ok_with_redis_configured_and_up(client):
    response = client.get("/readyz/")
    assert response.status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db
def test_readyz_ok_on_postgresql(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
