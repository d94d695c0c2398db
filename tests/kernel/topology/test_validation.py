"""The rules that need the manifests: ``manage.py topology check`` and ``seams.E011``."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from app.kernel.events import Delivery, Subscription
from app.kernel.events.bus import BoundSubscription
from app.kernel.modules import ModuleManifest, manifests
from app.kernel.topology.files import load
from app.kernel.topology.validation import system_check, validate, validate_project
from tests.kernel.events.fixture_module.events import Probe

SHOP = manifests()


def topology_of(tmp_path, services: dict[str, tuple[list[str], str]]):
    text = "".join(
        f'[services.{name}]\nmodules = {modules!r}\ndatabase = "{db}"\nurl = "http://h/{name}"\n'
        for name, (modules, db) in services.items()
    ).replace("'", '"')
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    return load(str(path))


def errors(problems):
    return [p.message for p in problems if p.level == "error"]


@pytest.mark.parametrize("name", ["monolith", "split", "isolated"])
def test_the_shipped_topologies_are_valid(name):
    assert errors(validate_project(load(name))) == []


def test_a_module_hosted_nowhere_or_unknown_is_an_error(tmp_path):
    everything = list(SHOP)
    topology = topology_of(tmp_path, {"main": ([*everything[:-1], "billing"], "default")})
    found = errors(validate_project(topology))
    assert any(f"{everything[-1]!r} is hosted by no service" in m for m in found)
    assert any("'billing', no such module" in m for m in found)


def test_services_calling_each_other_in_a_cycle_is_an_error(tmp_path):
    # orders → payments (api) and payments → catalog (api, in a made-up manifest), with
    # orders and catalog together: a cycle of synchronous calls between two services.
    made_up = {
        "orders": ModuleManifest(name="orders", summary="", depends_on=("payments",)),
        "payments": ModuleManifest(name="payments", summary="", depends_on=("catalog",)),
        "catalog": ModuleManifest(name="catalog", summary=""),
    }
    topology = topology_of(
        tmp_path, {"a": (["orders", "catalog"], "default"), "b": (["payments"], "b")}
    )
    found = errors(validate(topology, made_up, offers_api=frozenset(made_up), subscriptions=()))
    assert found == [
        "services call each other in a cycle: a → b → a (regroup the modules, or let one "
        "side react to events instead of calling)"
    ]
    # the same grouping without an api on catalog's side is no cycle: events are async
    assert (
        errors(validate(topology, made_up, offers_api=frozenset({"payments"}), subscriptions=()))
        == []
    )


def test_a_sync_handler_across_databases_is_an_error_after_commit_a_warning(tmp_path):
    made_up = {
        "evtest": ModuleManifest(name="evtest", summary=""),
        "other": ModuleManifest(name="other", summary="", consumes=("evtest.Probe",)),
    }
    topology = topology_of(tmp_path, {"a": (["evtest"], "default"), "b": (["other"], "b")})

    def problems(delivery):
        subscription = Subscription(Probe, lambda event: None, delivery)
        bound = BoundSubscription("other", subscription)
        return validate(topology, made_up, offers_api=frozenset(), subscriptions=[bound])

    assert "needs its database" in errors(problems(Delivery.SYNC))[0]
    assert [p.level for p in problems(Delivery.AFTER_COMMIT)] == ["warning"]
    assert problems(Delivery.ASYNC) == []


def test_the_module_owning_auth_must_live_on_default(tmp_path):
    others = [m for m in SHOP if m != "accounts"]
    topology = topology_of(tmp_path, {"main": (others, "default"), "id": (["accounts"], "id")})
    assert any("owns Django's auth tables" in m for m in errors(validate_project(topology)))


def test_the_check_command_fails_on_an_invalid_topology(tmp_path, capsys):
    call_command("topology", "check")
    assert "split: ok" in capsys.readouterr().out
    broken = topology_of(tmp_path, {"main": (["accounts"], "default")})
    with pytest.raises(CommandError, match="invalid topology"):
        call_command("topology", "check", "--topology", str(tmp_path / "t.toml"))
    assert broken.modules == ("accounts",)
    assert "hosted by no service" in capsys.readouterr().err


def test_show_prints_services_and_a_mermaid_graph(capsys):
    call_command("topology", "show", "--topology", "split")
    text = capsys.readouterr().out
    assert "service payments\n  modules:  payments\n  database: payments" in text
    assert "calls:    payments" in text  # the monolith calls payments' api
    call_command("topology", "show", "--topology", "split", "--format", "mermaid")
    graph = capsys.readouterr().out
    assert "subgraph service_payments[payments · db payments]" in graph
    assert "orders -.-> payments" in graph  # crosses services
    assert "orders --> inventory" in graph  # stays inside the monolith


def test_the_system_check_reports_the_running_topology(settings, tmp_path):
    assert system_check() == []
    topology_of(tmp_path, {"main": (["accounts"], "default")})
    settings.SEAMS_TOPOLOGY = str(tmp_path / "t.toml")
    found = system_check()
    assert {m.id for m in found} == {"seams.E011"}
    assert "hosted by no service" in found[0].msg
