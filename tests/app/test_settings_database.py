"""PostgreSQL binds the parameters and prepares what a connection runs often (ADR 0026),
unless told not to; a threshold that is not one is refused at start-up."""

from __future__ import annotations

import pytest
from django.db import connection

from modules.catalog.models import Product
from tests.app.conftest import clean_env, manage

PROBE = (
    "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS'];"
    "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
)
POSTGRES = "postgres://seams@127.0.0.1:5432/seams"


def options(**env: str) -> list[str]:
    result = manage("shell", "-c", PROBE, env=clean_env(DATABASE_URL=POSTGRES, **env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


def test_postgresql_binds_on_the_server_and_prepares_after_five_runs_by_default():
    assert options() == ["True", "5"]


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    assert options(DB_PREPARE_THRESHOLD="off") == ["True", "None"]
    assert options(DB_SERVER_SIDE_BINDING="false", DB_PREPARE_THRESHOLD="off") == [
        "False",
        "None",
    ]


def test_a_threshold_that_is_not_a_number_is_refused():
    env = clean_env(DATABASE_URL=POSTGRES, DB_PREPARE_THRESHOLD="sometimes")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DB_PREPARE_THRESHOLD must be a whole number or off" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_often_on_a_connection_is_prepared_there():
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for sku in ("A", "B", "C", "D", "E", "F"):  # one statement, other parameters
        assert not Product.objects.filter(sku=sku).exists()
    assert prepared() > before
