"""The three ways around the ownership guard that review found, closed (issue 11, item 4):
a module acting as another, a thread started by a module running unattributed, and module
code reading the kernel's tables (outbox, inbox, idempotency keys: every payload)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from app.kernel.boundaries.guard import DataOwnershipViolation
from app.kernel.events.models import InboxEntry, OutboxMessage
from app.kernel.idempotency.models import IdempotencyRecord
from app.kernel.ownership import ModuleImpersonation, ModuleThread, acting_as, current_module
from app.kernel.topology import database_of
from modules.inventory.models import StockItem
from tests.e2e.shop import fund, product, run_events
from tests.kernel.http.auth import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def module_code(path: str, source: str) -> dict:
    """Functions compiled as if they lived in ``path`` (e.g. ``modules.orders.services``)."""
    namespace = {
        "__name__": path,
        "acting_as": acting_as,
        "ModuleThread": ModuleThread,
        "current_module": current_module,
        "connection": connection,
    }
    exec(textwrap.dedent(source), namespace)  # noqa: S102 (test fixtures, our own source)
    return namespace


# --- a module acts only as itself ------------------------------------------------------------

ORDERS = module_code(
    "modules.orders.services",
    """
    def act_as(module):
        with acting_as(module):
            return current_module()
    """,
)


def test_module_code_may_act_as_itself():
    assert ORDERS["act_as"]("orders") == "orders"


@pytest.mark.parametrize("other", ["inventory", "payments", None])
def test_module_code_cannot_act_as_another_module_or_as_none(other):
    with pytest.raises(ModuleImpersonation, match="a module acts only as itself"):
        ORDERS["act_as"](other)
    assert current_module() is None


def test_the_kernel_and_tests_may_act_as_any_module():
    with acting_as("inventory"):
        assert current_module() == "inventory"
        with acting_as(None):
            assert current_module() is None


# --- attribution follows the threads module code starts --------------------------------------

THREADS = module_code(
    "modules.orders.services",
    """
    def in_a_thread(work):
        outcome = {}

        def run():
            outcome["module"] = current_module()
            try:
                outcome["result"] = work()
            except Exception as error:
                outcome["error"] = error

        thread = ModuleThread(target=run)
        thread.start()
        thread.join()
        return outcome
    """,
)


@pytest.mark.django_db(transaction=True)
def test_a_thread_started_by_module_code_runs_as_that_module_and_is_checked():
    with acting_as("orders"):
        outcome = THREADS["in_a_thread"](StockItem.objects.count)
    assert outcome["module"] == "orders"
    assert isinstance(outcome["error"], DataOwnershipViolation)
    assert outcome["error"].owner == "inventory"


def thread_starts(source: str) -> list[str]:
    """Imports in ``source`` that start threads some other way than ``ModuleThread``."""
    banned = ("threading", "_thread", "concurrent.futures", "multiprocessing")
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n == "concurrent" or n.split(".")[0] in banned or n in banned]
    return found


def test_the_thread_scan_sees_every_way_to_start_a_thread():
    source = "import threading\nfrom concurrent.futures import ThreadPoolExecutor\nimport _thread"
    assert thread_starts(source) == ["threading", "concurrent.futures", "_thread"]
    assert thread_starts("from app.kernel.ownership import ModuleThread") == []


def test_module_code_starts_threads_only_as_module_threads():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "modules").rglob("*.py"))
        if (found := thread_starts(path.read_text()))
    }
    assert offenders == {}, "start threads with app.kernel.ownership.ModuleThread"


# --- the kernel's tables are reached only through the kernel ---------------------------------

SNOOP = module_code(
    "modules.orders.services",
    """
    def orm(model):
        with acting_as("orders"):
            return model.objects.count()

    def raw(table):
        with acting_as("orders"), connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return cursor.fetchone()[0]
    """,
)


@pytest.mark.parametrize("model", [OutboxMessage, InboxEntry, IdempotencyRecord])
def test_module_code_cannot_read_a_kernel_table(model):
    with pytest.raises(DataOwnershipViolation, match="the kernel's table") as caught:
        SNOOP["orm"](model)
    assert caught.value.owner == "kernel"
    with pytest.raises(DataOwnershipViolation, match=model._meta.db_table):
        SNOOP["raw"](model._meta.db_table)


def test_the_kernel_keeps_its_tables_while_modules_act():
    # orders' view runs as orders: @idempotent keeps the key, publish() writes the outbox row in
    # orders' transaction, the consumer records the delivery in the inbox acting as inventory
    product("K-1", stock=5)
    fund(77, "50.00")
    customer = client_for(user_id=77)
    body = {"items": [{"sku": "K-1", "quantity": 1}]}
    response = customer.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 202, response.content
    run_events()
    orders = database_of("orders")  # orders' own kernel rows, wherever its database is
    assert IdempotencyRecord.objects.using(orders).filter(key="k-1").exists()
    assert OutboxMessage.objects.using(orders).exists()
    assert InboxEntry.objects.using(orders).exists()
    assert customer.get(f"/api/v1/orders/{response.json()['id']}/").json()["status"] == "confirmed"
