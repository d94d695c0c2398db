"""``manage.py extraction move-data``: the way a module's rows move between databases, run
as the playbook runs it (docs/extraction.md): processes of their own against a monolith
database, then the split topology's, on SQLite and on PostgreSQL.

Marked ``tooling`` (``make test-tooling``): each test sets up its own topology and databases
in subprocesses.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import clean_env, manage
from tests.kernel.remote.live import (
    drop_postgres_database,
    main_database_url,
    recreate_postgres_database,
)

pytestmark = pytest.mark.tooling

MIGRATE = "from django.core.management import call_command\ncall_command('migrate', verbosity=0)\n"
TOP_UP = (
    "from decimal import Decimal\n"
    "from app.kernel.ownership import acting_as\n"
    "from modules.payments import services\n"
    "with acting_as('payments'):\n"
    "    for customer in (1, 2, 3):\n"
    "        services.wallet_top_up(customer_id=customer, amount=Decimal('{amount}'))\n"
)
BALANCES = (
    "from modules.payments.models import Wallet\n"
    "print(sorted((w.customer_id, str(w.balance)) for w in Wallet.objects.all()))\n"
)
OPEN_DELIVERY = (
    "import uuid\n"
    "from django.utils import timezone\n"
    "from app.kernel.events.models import OutboxMessage\n"
    "now = timezone.now()\n"
    "OutboxMessage.objects.create(event_id=uuid.uuid4(), event_name='orders.OrderConfirmed',\n"
    "    event_version=1, handler='payments.h', module='payments', delivery='async',\n"
    "    payload={}, created_at=now, available_at=now)\n"
)


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result, *words):
    assert result.returncode != 0, result.stdout
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


def exercise(main_url: str) -> None:
    monolith = clean_env(DATABASE_URL=main_url, SEAMS_TOPOLOGY="monolith")
    split = clean_env(DATABASE_URL=main_url, SEAMS_TOPOLOGY="split")
    move = ("extraction", "move-data", "payments", "--from", "default", "--to", "payments")

    # the monolith's database: three wallets, and a delivery to payments still open
    setup = MIGRATE + TOP_UP.format(amount="25.00") + OPEN_DELIVERY + BALANCES
    before = ok(manage("shell", "-c", setup, env=monolith)).strip().splitlines()[-1]
    assert "(1, '25.00')" in before

    # the new database is not migrated yet: nothing is copied
    refused(manage(*move, env=split), "lacks payments_", "migrate --database payments")
    ok(manage("migrate", "--noinput", "--database", "payments", env=split))

    # the open delivery in the old database blocks the move until it is done
    refused(manage(*move, env=split), "still open")
    ok(
        manage(
            "shell",
            "-c",
            "from app.kernel.events.models import OutboxMessage\n"
            "OutboxMessage.objects.filter(module='payments').update(status='done')",
            env=monolith,
        )
    )

    out = ok(manage(*move, env=split))
    assert "copied 3 rows of payments_wallet" in out
    assert "copied 3 rows of payments_ledgerentry" in out
    assert "payments: default and payments hold the same rows" in out
    # the split topology reads payments from its own database now: the same balances, and
    # the moved sequences go on after the copied ids (a new wallet does not collide)
    new_wallet = BALANCES + TOP_UP.replace("(1, 2, 3)", "(4,)").format(amount="5.00") + BALANCES
    balances = ok(manage("shell", "-c", new_wallet, env=split)).strip().splitlines()
    assert balances[-2] == before
    assert "(4, '5.00')" in balances[-1]

    # a second copy would double the rows: refused; verification sees the difference
    refused(manage(*move, env=split), "already holds rows of payments", "--replace")
    refused(manage(*move, "--verify", env=split), "differ between default and payments")

    # the way back: payments' copy (with the new wallet) replaces the monolith's
    back = ("extraction", "move-data", "payments", "--from", "payments", "--to", "default")
    out = ok(manage(*back, "--replace", env=split))
    assert "copied 4 rows of payments_wallet" in out
    assert "payments: payments and default hold the same rows" in out
    assert "(4, '5.00')" in ok(manage("shell", "-c", BALANCES, env=monolith))


def test_move_data_on_sqlite(tmp_path):
    exercise(f"sqlite:///{tmp_path / 'seams.sqlite3'}")


@pytest.mark.postgres
def test_move_data_on_postgresql(tmp_path):
    main_url = main_database_url(tmp_path, "extraction_move")
    if not main_url.startswith("postgres"):
        pytest.fail("the postgres marker let a SQLite run through")
    databases = [main_url, f"{main_url}_payments"]
    for url in databases:
        recreate_postgres_database(url)
    try:
        exercise(main_url)
    finally:
        for url in databases:
            drop_postgres_database(url)
