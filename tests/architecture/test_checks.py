"""System checks seams.E001…E010: the real project passes, and each rule bites.

Violations live in throwaway models (an isolated app registry, never the real one), fake
source trees under ``tmp_path`` and hand-built manifests; never in the real modules.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import models
from django.dispatch import Signal

from app.kernel.boundaries import baseline as baseline_file
from app.kernel.boundaries import checks
from app.kernel.modules import ModuleManifest
from app.kernel.ownership import module_api

OWNERS = {
    "orders": "orders",
    "inventory": "inventory",
    "accounts": "accounts",
    "auth": "accounts",
}


def owner(label: str) -> str | None:
    return OWNERS.get(label)


def make_model(registry: Apps, label: str, name: str, module: str | None = None, **fields):
    meta = type("Meta", (), {"app_label": label, "apps": registry, **fields.pop("meta", {})})
    attrs = {"__module__": module or f"modules.{label}.models", "Meta": meta, **fields}
    return type(name, (models.Model,), attrs)


@pytest.fixture
def registry() -> Apps:
    return Apps(installed_apps=())


def only(findings: list[checks.Finding], check_id: str) -> checks.Finding:
    assert [f.id for f in findings] == [check_id], [f.msg for f in findings]
    return findings[0]


# --- the real project --------------------------------------------------------------------


@pytest.mark.django_db
def test_real_project_has_no_boundary_findings():
    assert [f"{f.id} {f.msg}" for f in checks.collect()] == []


def test_manage_py_check_passes_on_the_real_project():
    call_command("check", fail_level="WARNING")


def test_the_check_is_registered_with_django():
    from django.core.checks import registry as check_registry

    assert checks.boundaries in check_registry.registry.get_checks()


# --- seams.E001 / E002: relations ---------------------------------------------------------


def test_E001_foreign_key_to_another_modules_model(registry):
    stock = make_model(registry, "inventory", "Stock")
    order = make_model(
        registry, "orders", "Order", stock=models.ForeignKey(stock, on_delete=models.CASCADE)
    )
    finding = only(checks.check_relations([stock, order], owner), "seams.E001")
    assert finding.key == "orders.Order.stock -> inventory.Stock"
    assert "orders.Order.stock of module 'orders'" in finding.msg  # the place
    assert "no foreign key, one-to-one or many-to-many crosses a module boundary" in finding.msg
    assert "plain id field" in finding.hint and "modules.inventory.api" in finding.hint
    error = finding.as_error()
    assert error.id == "seams.E001" and error.obj is order
    assert 'key = "orders.Order.stock -> inventory.Stock"' in error.hint


@pytest.mark.parametrize(
    "field",
    [
        lambda: models.ForeignKey("inventory.Stock", on_delete=models.CASCADE),
        lambda: models.OneToOneField("inventory.Stock", on_delete=models.CASCADE),
        lambda: models.ManyToManyField("inventory.Stock"),
        lambda: models.ForeignKey("accounts.User", on_delete=models.CASCADE),
        lambda: models.ManyToManyField("auth.Group"),
    ],
    ids=["string-fk", "one-to-one", "many-to-many", "user-model", "auth-owned-by-accounts"],
)
def test_E001_string_references_count_too(registry, field):
    order = make_model(registry, "orders", "Order", target=field())
    finding = only(checks.check_relations([order], owner), "seams.E001")
    assert finding.key.startswith("orders.Order.target -> ")


def test_E001_proxy_of_another_modules_model(registry):
    stock = make_model(registry, "inventory", "Stock")
    proxy = type(
        "StockView",
        (stock,),
        {
            "__module__": "modules.orders.models",
            "Meta": type("Meta", (), {"proxy": True, "app_label": "orders", "apps": registry}),
        },
    )
    finding = only(checks.check_relations([proxy], owner), "seams.E001")
    assert "is a proxy of inventory.Stock" in finding.msg


def test_E002_relation_to_an_infrastructure_model(registry):
    order = make_model(
        registry,
        "orders",
        "Order",
        session=models.ForeignKey("sessions.Session", on_delete=models.CASCADE),
    )
    finding = only(checks.check_relations([order], owner), "seams.E002")
    assert "infrastructure model sessions.Session" in finding.msg
    assert "plain id" in finding.hint


def test_relations_inside_a_module_and_to_contenttypes_are_fine(registry):
    order = make_model(registry, "orders", "Order")
    line = make_model(
        registry,
        "orders",
        "Line",
        order=models.ForeignKey(order, on_delete=models.CASCADE),
        kind=models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE),
        parent=models.ForeignKey("self", null=True, on_delete=models.CASCADE),
    )
    assert checks.check_relations([order, line], owner) == []


# --- seams.E003: apps.get_model -------------------------------------------------------------


def test_E003_get_model_of_another_modules_model(tmp_path: Path):
    root = tmp_path / "orders"
    (root / "migrations").mkdir(parents=True)
    (root / "services.py").write_text(
        "from django.apps import apps\n"
        "from django.contrib.auth import get_user_model\n"
        "Order = apps.get_model('orders', 'Order')\n"  # own: fine
        "Stock = apps.get_model('inventory', 'Stock')\n"
        "User = get_user_model()\n"
    )
    (root / "migrations" / "0002_data.py").write_text(
        "def forwards(apps, schema_editor):\n    apps.get_model('inventory.Stock')\n"
    )
    findings = checks.check_get_model({"orders": root}, owner)
    assert sorted(f.key for f in findings) == [
        "modules.orders.migrations.0002_data -> inventory.Stock",
        "modules.orders.services -> accounts.User",
        "modules.orders.services -> inventory.Stock",
    ]
    stock = next(f for f in findings if f.key == "modules.orders.services -> inventory.Stock")
    assert stock.id == "seams.E003"
    assert f"{root / 'services.py'}:4: get_model('inventory', 'Stock')" in stock.msg
    assert "no apps.get_model of another module's model" in stock.msg
    assert "modules.inventory.api" in stock.hint


def test_E003_get_user_model_in_accounts_is_fine(tmp_path: Path):
    (tmp_path / "models.py").write_text("from x import get_user_model\nget_user_model()\n")
    assert checks.check_get_model({"accounts": tmp_path}, owner) == []


# --- seams.E004: signal receivers ---------------------------------------------------------


def receiver_in(module: str):
    def on_saved(sender, **kwargs):
        return None

    on_saved.__module__ = module
    return on_saved


def test_E004_receiver_on_another_modules_model(registry):
    stock = make_model(registry, "inventory", "Stock")
    order = make_model(registry, "orders", "Order")
    signal = Signal()
    foreign = receiver_in("modules.orders.handlers")
    own = receiver_in("modules.orders.handlers")
    outside = receiver_in("app.kernel.something")
    signal.connect(foreign, sender=stock)
    signal.connect(own, sender=order)
    signal.connect(outside, sender=stock)
    finding = only(checks.check_signals([signal], [stock, order], owner), "seams.E004")
    assert "of module 'orders' receives signal of inventory.Stock" in finding.msg
    assert "modules.orders.handlers.receiver_in.<locals>.on_saved" in finding.msg
    assert "no signal receiver on another module's model" in finding.msg
    assert "modules.inventory.events" in finding.hint and "SUBSCRIPTIONS" in finding.hint


def test_E004_receiver_on_every_sender(registry):
    signal = Signal()
    everything = receiver_in("modules.orders.handlers")
    signal.connect(everything)
    finding = only(checks.check_signals([signal], [], owner), "seams.E004")
    assert "of every model" in finding.msg and "sender=" in finding.hint


def test_E004_real_model_signals_are_scanned(registry):
    from django.db.models.signals import post_save

    stock = make_model(registry, "inventory", "Stock")
    foreign = receiver_in("modules.orders.handlers")
    post_save.connect(foreign, sender=stock, dispatch_uid="test-e004")
    try:
        finding = only(checks.check_signals(checks.MODEL_SIGNALS, [stock], owner), "seams.E004")
    finally:
        post_save.disconnect(sender=stock, dispatch_uid="test-e004")
    assert "receives post_save of inventory.Stock" in finding.msg


# --- seams.E005: model ownership -------------------------------------------------------------


def test_E005_model_in_a_module_under_another_label(registry):
    stray = make_model(registry, "inventory", "Stray", module="modules.orders.models")
    finding = only(checks.check_model_ownership([stray], OWNERS), "seams.E005")
    assert "defined in modules.orders.models (module 'orders')" in finding.msg
    assert "registered under app label 'inventory'" in finding.msg
    assert "every model belongs to exactly one module" in finding.msg
    assert "Remove Meta.app_label = 'inventory'" in finding.hint


def test_E005_module_label_claimed_from_outside_the_module(registry):
    squatter = make_model(registry, "orders", "Squatter", module="app.kernel.models")
    finding = only(checks.check_model_ownership([squatter], OWNERS), "seams.E005")
    assert "outside modules/orders/" in finding.msg
    assert "Move the model into modules/orders/models.py" in finding.hint


# --- seams.E006 / E007: consumed events --------------------------------------------------------


def test_E006_consumes_must_match_the_subscription_table():
    found = {"orders": ModuleManifest(name="orders", summary="o", consumes=("orders.Stale",))}
    finding = only(
        checks.check_subscriptions(found, {"orders": ["orders.OrderPlaced"]}), "seams.E006"
    )
    assert "subscribed but not declared: orders.OrderPlaced" in finding.msg
    assert "declared but not subscribed: orders.Stale" in finding.msg
    assert "modules/orders/manifest.py" in finding.msg
    assert "consumes=('orders.OrderPlaced',)" in finding.hint


def test_E007_consumes_only_from_declared_modules():
    found = {
        "analytics": ModuleManifest(
            name="analytics",
            summary="a",
            depends_on=("orders",),
            consumes=("orders.OrderConfirmed", "payments.PaymentCaptured"),
        )
    }
    subscribed = {"analytics": ["orders.OrderConfirmed", "payments.PaymentCaptured"]}
    finding = only(checks.check_subscriptions(found, subscribed), "seams.E007")
    assert "consumes payments.PaymentCaptured of module 'payments'" in finding.msg
    assert "not in its depends_on" in finding.msg
    assert "Add 'payments' to depends_on in modules/analytics/manifest.py" in finding.hint


# --- seams.E008: manifests ---------------------------------------------------------------------


def test_E008_manifest_problems():
    found = {
        "orders": ModuleManifest(name="orders", summary="o", depends_on=("inventory", "ghost")),
        "inventory": ModuleManifest(
            name="inventory", summary="i", depends_on=("orders",), owns_apps=("auth", "nope")
        ),
        "accounts": ModuleManifest(name="accounts", summary="a", owns_apps=("auth",)),
    }
    findings = checks.check_manifests(
        found,
        packages={"orders": "modules.shop"},
        app_labels={"inventory": "stock"},
        known_modules=found,
        installed_labels={"auth", "orders", "inventory", "accounts"},
    )
    assert {f.id for f in findings} == {"seams.E008"}
    messages = "\n".join(f.msg for f in findings)
    assert "declares name 'orders' but lives in modules.shop" in messages
    assert "The app label of module 'inventory' is 'stock'" in messages
    assert "depends on 'ghost', which is not a module" in messages
    assert "owns_apps lists 'nope', which is not an installed app label" in messages
    assert "App 'auth' is owned by both 'inventory' and 'accounts'" in messages
    assert "form a cycle: inventory -> orders -> inventory" in messages


def test_manifest_rejects_obvious_mistakes():
    with pytest.raises(ValueError, match="cannot depend on itself"):
        ModuleManifest(name="orders", summary="o", depends_on=("orders",))
    with pytest.raises(TypeError, match="tuple of strings"):
        ModuleManifest(name="orders", summary="o", depends_on="catalog")
    with pytest.raises(ValueError, match="lowercase Python identifier"):
        ModuleManifest(name="Orders", summary="o")


# --- seams.E009: api functions ------------------------------------------------------------------


def test_E009_public_api_function_without_module_api():
    api = types.ModuleType("modules.orders.api")

    def order_get(*, order_id: int) -> int:
        return order_id

    def _helper() -> None:
        return None

    def order_list() -> list[int]:
        return []

    for function in (order_get, _helper, order_list):
        function.__module__ = api.__name__
    api.order_get, api._helper, api.order_list = order_get, _helper, module_api(order_list)
    api.imported_elsewhere = len  # not defined in api.py: not its business
    finding = only(checks.check_api_functions({"orders": api}), "seams.E009")
    assert finding.key == "modules.orders.api.order_get"
    assert "not decorated with @module_api" in finding.msg
    assert "from app.kernel.ownership import module_api" in finding.hint


# --- seams.E010: the ratchet ---------------------------------------------------------------------


def finding(check_id: str = "seams.E001", key: str = "orders.Order.stock -> inventory.Stock"):
    return checks.Finding(id=check_id, key=key, msg="m", hint="h")


def test_baselined_findings_are_tolerated():
    entry = baseline_file.CheckEntry(id="seams.E001", key=finding().key, reason="ORD-1")
    assert checks.apply_baseline([finding()], baseline_file.Baseline(checks=(entry,))) == []


def test_E010_stale_baseline_entry():
    entry = baseline_file.CheckEntry(id="seams.E001", key=finding().key, reason="ORD-1")
    [stale] = checks.apply_baseline([], baseline_file.Baseline(checks=(entry,)))
    assert stale.id == "seams.E010"
    assert "no longer occurs" in stale.msg and "Delete this [[checks]] entry" in stale.hint


def test_E010_through_manage_py_check(settings, tmp_path: Path):
    path = tmp_path / "baseline.toml"
    path.write_text(
        '[[checks]]\nid = "seams.E001"\nkey = "orders.Order.gone -> inventory.Stock"\n'
        'reason = "fixed long ago"\n'
    )
    settings.SEAMS_BOUNDARIES_BASELINE = str(path)
    [error] = checks.boundaries()
    assert error.id == "seams.E010"
    assert "orders.Order.gone -> inventory.Stock" in error.msg


def test_a_malformed_baseline_is_an_error(settings, tmp_path: Path):
    path = tmp_path / "baseline.toml"
    path.write_text('[[checks]]\nid = "seams.E001"\nkey = "x"\n')
    settings.SEAMS_BOUNDARIES_BASELINE = str(path)
    [error] = checks.boundaries()
    assert "missing reason" in error.msg


def test_the_committed_baseline_is_empty():
    loaded = baseline_file.load()
    assert loaded.checks == () and loaded.imports == ()


def test_baseline_import_entries_parse():
    loaded = baseline_file.parse(
        '[[imports]]\ncontract = "c"\nimport = "a.b -> c.d"\nreason = "r"\n'
    )
    assert loaded.imports[0].expression == "a.b -> c.d"
    with pytest.raises(baseline_file.BaselineError, match="importer -> imported"):
        baseline_file.parse('[[imports]]\ncontract = "c"\nimport = "a.b"\nreason = "r"\n')
