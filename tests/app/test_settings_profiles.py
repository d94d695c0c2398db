"""The production profile refuses to start half-configured and passes ``check --deploy``."""

import sys

import pytest

from tests.app.conftest import PRODUCTION_ENV, clean_env, manage, run


def test_production_profile_passes_check_deploy_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_env(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_really_fails_on_a_weak_production_setting():
    env = clean_env(**{**PRODUCTION_ENV, "SECRET_KEY": "short"})
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"])
def test_production_profile_names_a_missing_variable(missing):
    env = clean_env(**{k: v for k, v in PRODUCTION_ENV.items() if k != missing})
    result = manage("check", env=env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert "DJANGO_ENV=production needs these environment variables set" in last_line
    assert missing in last_line


def test_production_profile_names_every_missing_variable_at_once():
    result = manage("check", env=clean_env(DJANGO_ENV="production"))
    assert result.returncode != 0
    assert "SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS" in result.stderr


def test_development_needs_no_configuration_at_all():
    result = manage("check", "--fail-level", "WARNING", env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_turns_on_https_headers():
    probe = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.LOG_FORMAT)"
    )
    result = manage("shell", "-c", probe, env=clean_env(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "json",
    ]


def test_production_redirects_to_https_except_probes_and_metrics():
    probe = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client(HTTP_HOST='shop.example.com');"
        "print(*[c.get(p).status_code for p in"
        " ('/healthz/', '/metrics', '/api/v1/catalog/products/')])"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE="app.settings", **PRODUCTION_ENV)
    result = run([sys.executable, "-c", probe], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["200", "200", "301"]
