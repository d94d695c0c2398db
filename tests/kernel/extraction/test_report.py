"""``manage.py extraction report``: the coupling facts and the verdict, on the real modules
and on made-up couplings (a sync handler, a foreign key, a baseline entry, a function not
declared idempotent) that the shop itself does not have."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test.utils import isolate_apps

from app.kernel.boundaries.baseline import Baseline, CheckEntry, ImportEntry
from app.kernel.events import Delivery, Subscription
from app.kernel.events.bus import BoundSubscription, bus
from app.kernel.extraction import readiness
from app.kernel.extraction.api_uses import ApiUse
from app.kernel.extraction.coupling import coupling, project_api_functions, relations
from app.kernel.modules import manifests
from app.kernel.topology.files import load
from app.kernel.topology.validation import modules_offering_api, validate_project
from modules.orders.events import OrderConfirmed
from modules.payments.models import Wallet


def report(module: str, *args: str) -> str:
    out = StringIO()
    call_command("extraction", "report", module, "--topology", "monolith", *args, stdout=out)
    return out.getvalue()


def facts(module: str) -> dict:
    return json.loads(report(module, "--format", "json"))


def test_notifications_is_ready_its_events_become_forwards():
    found = facts("notifications")
    assert found["verdict"] == "ready"
    assert found["blockers"] == [] and found["warnings"] == []
    coupling = found["coupling"]
    assert coupling["calls_in"] == [] and coupling["calls_out"] == []
    assert {(e["event"], e["handler"], e["delivery"]) for e in coupling["events_in"]} == {
        ("orders.OrderConfirmed", "notifications.notify_order_confirmed", "async"),
        ("orders.OrderCancelled", "notifications.notify_order_cancelled", "async"),
    }
    assert coupling["tables"] == ["notifications_notification"]
    # it declares payments without using it: said, without holding the extraction back
    assert coupling["unused_dependencies"] == ["payments"]
    assert any("depends_on 'payments'" in note for note in found["notes"])


def test_payments_is_ready_with_warnings_orders_calls_it():
    found = facts("payments")
    assert found["verdict"] == "ready with warnings"
    calls = {
        (u["caller"], u["function"], u["where"].split(":")[0])
        for u in found["coupling"]["calls_in"]
    }
    assert calls == {
        ("orders", "payment_capture", "modules/orders/checkout.py"),
        ("orders", "payment_refund", "modules/orders/checkout.py"),
    }
    assert all(u["idempotent"] for u in found["coupling"]["calls_in"])
    assert found["coupling"]["tables"] == [
        "payments_ledgerentry",
        "payments_payment",
        "payments_wallet",
    ]
    assert "payments.PaymentCaptured" in found["coupling"]["publishes"]
    assert any(
        "orders: payments.payment_capture, payments.payment_refund" in w for w in found["warnings"]
    )
    # the steps name the new topology, its database and real commands, in order
    titles = [step["title"] for step in found["steps"]]
    assert titles[0] == "write the topology file"
    assert titles.index("move its data (copy, then verify row by row)") < titles.index(
        "switch the edge"
    )
    move = next(s for s in found["steps"] if s["title"].startswith("move its data"))
    assert move["run"] == (
        "SEAMS_TOPOLOGY=payments-out python manage.py extraction move-data payments "
        "--from default --to payments"
    )


def test_accounts_is_blocked_it_owns_djangos_auth():
    text = report("accounts")
    assert "verdict: blocked" in text
    assert "owns Django's auth tables and must live on the 'default' database" in text
    # the admin log relates to the user: it goes with accounts, said as a note
    assert "admin.LogEntry.user (a shared Django app) relates to accounts.User" in text


def test_the_toml_it_writes_is_a_valid_topology_with_the_module_alone(tmp_path):
    path = tmp_path / "notifications-out.toml"
    path.write_text(report("notifications", "--format", "toml"), encoding="utf-8")
    topology = load(str(path))
    assert topology.service_of("notifications").modules == ("notifications",)
    assert topology.database_of("notifications") == "notifications"
    assert topology.service_of("orders").name == "monolith"
    assert topology.service_of("notifications").base_url == "http://127.0.0.1:8001"
    assert [p for p in validate_project(topology) if p.level == "error"] == []
    call_command("topology", "check", "--topology", str(path), stdout=StringIO())


def test_an_unknown_module_or_topology_is_a_clear_error():
    with pytest.raises(CommandError, match="no module 'billing'"):
        call_command("extraction", "report", "billing")
    with pytest.raises(CommandError, match="no topology 'nowhere'"):
        call_command("extraction", "report", "payments", "--topology", "nowhere")


# --- made-up couplings ----------------------------------------------------------------


def assess(module: str, **overrides):
    found = manifests()
    functions = overrides.pop("api_functions", project_api_functions())
    subscriptions = overrides.pop("subscriptions", bus.all_subscriptions())
    made = coupling(
        module,
        manifests=found,
        api_functions=functions,
        api_uses=overrides.pop("api_uses", ()),
        subscriptions=subscriptions,
        model_list=overrides.pop("model_list", ()),
        baseline=overrides.pop("baseline", Baseline()),
    )
    return readiness.assess(
        made,
        load("monolith"),
        f"{module}-out",
        manifests=found,
        offers_api=modules_offering_api(found),
        subscriptions=subscriptions,
    )


def test_a_sync_handler_across_the_boundary_blocks():
    sync = BoundSubscription(
        "notifications", Subscription(OrderConfirmed, lambda event: None, Delivery.SYNC)
    )
    found = assess("notifications", subscriptions=[*bus.all_subscriptions(), sync])
    assert found.verdict == "blocked"
    assert [e.handler for e in found.coupling.sync_handlers] == ["notifications.<lambda>"]
    assert any("a sync handler runs in the publisher's transaction" in b for b in found.blockers)
    # extracting the publisher instead is blocked by the same handler, from the other side
    assert assess("orders", subscriptions=[*bus.all_subscriptions(), sync]).verdict == "blocked"


@isolate_apps("django.contrib.contenttypes")  # a throwaway registry: nothing else sees it
def test_a_foreign_key_to_another_modules_model_blocks_one_to_a_shared_app_warns():
    from django.contrib.contenttypes.models import ContentType

    class Receipt(models.Model):  # noqa: DJ008
        wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE)
        kind = models.ForeignKey(ContentType, on_delete=models.CASCADE)

        class Meta:
            app_label = "notifications"

    assert {(r.source, r.target) for r in relations([Receipt])} == {
        ("notifications.Receipt.wallet", "payments.Wallet"),
        ("notifications.Receipt.kind", "contenttypes.ContentType"),
    }
    found = assess("notifications", model_list=[Receipt])
    assert found.verdict == "blocked"
    assert any(
        "notifications.Receipt.wallet → payments.Wallet crosses" in b for b in found.blockers
    )
    assert any("notifications.Receipt.kind → contenttypes.ContentType" in w for w in found.warnings)
    # the same relation blocks moving payments out, as a relation into it
    assert assess("payments", model_list=[Receipt]).verdict == "blocked"


def test_a_baseline_entry_naming_the_module_blocks():
    tolerated = Baseline(
        checks=(CheckEntry("seams.E001", "orders.Order.customer -> accounts.User", "ORD-1"),),
        imports=(
            ImportEntry(
                "orders-uses-only-declared-modules",
                "modules.orders.services",
                "modules.analytics.api",
                "ORD-2",
            ),
        ),
    )
    orders = assess("orders", baseline=tolerated)
    assert orders.verdict == "blocked"
    assert len([b for b in orders.blockers if "boundaries-baseline.toml" in b]) == 2
    assert assess("accounts", baseline=tolerated).coupling.baseline[0].reason == "ORD-1"
    assert [e.reason for e in assess("analytics", baseline=tolerated).coupling.baseline] == [
        "ORD-2"
    ]
    assert assess("notifications", baseline=tolerated).coupling.baseline == ()


def test_a_function_called_across_but_not_idempotent_warns():
    functions = project_api_functions()
    functions["payments"] = {**functions["payments"], "payment_capture": False}
    use = ApiUse("orders", "payments", "payment_capture", False, "modules/orders/services.py:1")
    found = assess("payments", api_functions=functions, api_uses=[use])
    assert found.verdict == "ready with warnings"
    assert any(
        "payments.payment_capture is called across the boundary but not declared idempotent" in w
        for w in found.warnings
    )


def test_inventory_alone_is_blocked_by_a_cycle_of_calls_through_the_monolith():
    # orders (staying) calls inventory, and inventory calls catalog (staying)
    found = facts("inventory")
    assert found["verdict"] == "blocked"
    assert found["blockers"] == [
        "topology check: services call each other in a cycle: inventory → monolith → "
        "inventory (regroup the modules, or let one side react to events instead of calling)"
    ]
