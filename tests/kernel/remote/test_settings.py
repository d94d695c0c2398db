"""Settings of the remote binding: production with several services needs shared keys;
strict local mode is a development and test aid, off in production."""

from __future__ import annotations

from tests.app.conftest import PRODUCTION_ENV, clean_env, manage

PROBE = (
    "from django.conf import settings as s; print(s.SEAMS_API_STRICT, len(s.SEAMS_INTERNAL_KEYS))"
)


def test_production_with_several_services_requires_the_internal_keys():
    env = clean_env(**PRODUCTION_ENV, SEAMS_TOPOLOGY="split", SEAMS_SERVICE="payments")
    result = manage("check", env=env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line and "SEAMS_INTERNAL_KEYS" in last_line


def test_production_with_keys_starts_and_is_not_strict():
    keys = ",".join(("k" * 40, "j" * 40))
    env = clean_env(
        **PRODUCTION_ENV, SEAMS_TOPOLOGY="split", SEAMS_SERVICE="payments", SEAMS_INTERNAL_KEYS=keys
    )
    result = manage("shell", "-c", PROBE, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "2"]


def test_a_short_key_is_refused():
    result = manage("check", env=clean_env(SEAMS_INTERNAL_KEYS="short"))
    assert result.returncode != 0
    assert "32+ characters" in result.stderr


def test_development_is_strict_and_derives_its_key():
    result = manage("shell", "-c", PROBE, env=clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "0"]
