"""The database router: each module's tables in its module's database, only there."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import router

from app.kernel.events.models import OutboxMessage
from app.kernel.ownership import acting_as
from app.kernel.topology import TopologyError
from modules.orders.models import Order
from modules.payments.models import Wallet

ROOT = Path(__file__).resolve().parents[3]


def test_in_the_monolith_everything_is_default(settings):
    settings.SEAMS_TOPOLOGY = "monolith"
    assert {router.db_for_write(m) for m in (Order, Wallet, OutboxMessage, LogEntry)} == {"default"}


def test_a_process_playing_every_service_routes_each_module_to_its_database(settings):
    settings.SEAMS_TOPOLOGY = "split"
    assert router.db_for_write(Wallet) == "payments"
    assert router.db_for_read(Order) == "default"
    # the kernel's per-module tables follow the module acting now
    with acting_as("payments"):
        assert router.db_for_write(OutboxMessage) == "payments"
    assert router.db_for_write(OutboxMessage) == "default"
    assert router.allow_migrate("payments", "payments")
    assert not router.allow_migrate("default", "payments")
    assert router.allow_migrate("payments", "seams_events")  # every database has an outbox
    assert not router.allow_migrate("payments", "contenttypes")
    assert router.allow_migrate("default", "admin")


def test_a_service_process_reaches_only_its_own_modules(settings):
    settings.SEAMS_TOPOLOGY = "split"
    settings.SEAMS_SERVICE = "payments"
    assert router.db_for_write(Wallet) == "default"  # its own database, as default
    with pytest.raises(TopologyError, match="not hosted by service 'payments'"):
        router.db_for_read(Order)
    assert not router.allow_migrate("default", "orders")
    # the admin log relates to the user: it goes where accounts is, not here
    assert not router.allow_migrate("default", "admin")
    assert router.allow_migrate("default", "contenttypes")
    assert router.db_for_write(ContentType) == "default"


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_migrate_creates_each_modules_tables_only_in_its_database(tmp_path):
    env = {
        **os.environ,
        "SEAMS_TOPOLOGY": "split",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DJANGO_SETTINGS_MODULE": "app.settings",
    }
    env.pop("SEAMS_SERVICE", None)
    for alias in ("default", "payments", "notifications"):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--database", alias],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    main, payments = tables(tmp_path / "db.sqlite3"), tables(tmp_path / "db_payments.sqlite3")
    notifications = tables(tmp_path / "db_notifications.sqlite3")
    assert {"orders_order", "accounts_user", "django_admin_log"} <= main
    assert not any(t.startswith(("payments_", "notifications_")) for t in main)
    assert {t for t in payments if t.startswith(("payments_", "orders_", "accounts_"))} == {
        t for t in payments if t.startswith("payments_")
    }
    assert any(t.startswith("payments_") for t in payments)
    assert any(t.startswith("notifications_") for t in notifications)
    for own in (main, payments, notifications):  # each keeps its own outbox and inbox
        assert {"seams_events_outbox", "seams_events_inbox"} <= own
