"""/healthz/ says the process is alive; /readyz/ names the dependency that is not."""

import json
import logging
import sys

import pytest
from django.conf import settings as django_settings

from tests.app.conftest import PRODUCTION_ENV, clean_env, run

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
    assert answer["body"]["failing"] == ["database"]


def test_readyz_is_503_naming_redis_when_configured_but_down(tmp_path):
    answer = readyz_in_process_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert answer["status"] == 503
    assert answer["body"]["failing"] == ["redis", "cache"]  # the cache: its db + 1


@pytest.mark.redis
def test_readyz_is_503_naming_the_cache_when_only_the_cache_is_down(tmp_path):
    answer = readyz_in_process_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=django_settings.REDIS_URL,
        CACHE_URL="redis://127.0.0.1:1/0",
    )
    assert answer["status"] == 503
    assert answer["body"]["failing"] == ["cache"]


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert "redis" in response.json()["failing"]


@pytest.mark.django_db
def test_readyz_tells_an_anonymous_caller_only_the_name_and_logs_the_detail(
    client, settings, caplog
):
    settings.REDIS_URL = "redis://seams-internal-user:hunter2@127.0.0.1:1/0"
    with caplog.at_level(logging.WARNING, logger="seams.health"):
        response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["redis"]}
    assert b"Error" not in response.content and b"127.0.0.1" not in response.content
    [record] = [r for r in caplog.records if r.name == "seams.health"]
    assert record.levelno == logging.WARNING and "redis" in record.getMessage()
    assert "Connection" in "".join(__import__("traceback").format_exception(*record.exc_info))


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


# A production process whose ALLOWED_HOSTS names only the public host, asked as a probe asks:
# by IP, or with a Host header it does not serve.
PROBE = (
    "import django, json; django.setup();"
    "from django.test import Client; c = Client();"
    "print(json.dumps({h + ' ' + p: c.get(p, HTTP_HOST=h).status_code"
    " for h in ('10.0.0.7:8000', 'evil.example.net', 'shop.example.com')"
    " for p in ('/healthz/', '/readyz/', '/no-such-page/', '/healthz')}))"
)


def test_probes_answer_whatever_the_host_and_nothing_else_does(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECURE_SSL_REDIRECT": "false",
    }
    result = run(
        [sys.executable, "-c", PROBE],
        env=clean_env(DJANGO_SETTINGS_MODULE="app.settings", **env),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    for host in ("10.0.0.7:8000", "evil.example.net"):
        assert statuses[f"{host} /healthz/"] == 200
        assert statuses[f"{host} /readyz/"] == 200
        assert statuses[f"{host} /no-such-page/"] == 400
        assert statuses[f"{host} /healthz"] == 400
    assert statuses["shop.example.com /healthz/"] == 200
    assert statuses["shop.example.com /no-such-page/"] == 404
