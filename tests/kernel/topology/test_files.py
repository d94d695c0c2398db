"""Topology files: parsing, structural rules, and the databases a process gets."""

from __future__ import annotations

import pytest

from app.kernel.topology.files import databases, derived_database_url, load, shipped
from app.kernel.topology.schema import TopologyError

MAIN = {"ENGINE": "django.db.backends.postgresql", "NAME": "seams", "CONN_MAX_AGE": 60}
MAIN_URL = "postgres://postgres@127.0.0.1:5432/seams"


def write(tmp_path, text: str):
    path = tmp_path / "shape.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_shipped_topologies_load():
    assert {"monolith", "split", "isolated"} <= set(shipped())
    split = load("split")
    assert split.service_of("payments").name == "payments"
    assert split.database_of("orders") == "default"
    assert split.services["payments"].base_url == "http://127.0.0.1:8001"


def test_resilience_overrides_merge_with_the_defaults(tmp_path):
    topology = load(
        write(
            tmp_path,
            """
[services.main]
modules = ["a"]
[services.other]
modules = ["b"]
database = "other"
[resilience.default]
retries = 4
[resilience.modules.b]
timeout_seconds = 0.5
""",
        )
    )
    policy = topology.resilience_for("b")
    assert (policy.timeout_seconds, policy.retries) == (0.5, 4)
    assert topology.resilience_for("a").timeout_seconds == 2.0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[services.a]\nmodules = ["x"]\n[services.b]\nmodules = ["x"]\ndatabase = "b"', "both"),
        ('[services.a]\nmodules = ["x"]\n[services.b]\nmodules = ["y"]', "share the database"),
        ('[services.a]\nmodules = ["x"]\ndatabase = "a"', "'default'"),
        ('[services.a]\nmodules = ["x"]\nport = 1', "Extra inputs"),
        ("[services.a]\nmodules = []", "at least one module"),
        ('[services.a]\nmodules = ["x"]\n[resilience.modules.y]\nretries = 1', "no service hosts"),
        ('[services.a]\nmodules = ["x"]\n[resilience.default]\ntimeout_seconds = -1', "greater"),
        ("[services.a", "not valid TOML"),
    ],
)
def test_a_broken_topology_says_what_to_fix(tmp_path, text, says):
    with pytest.raises(TopologyError, match=says):
        load(write(tmp_path, text))


def test_an_unknown_topology_lists_the_shipped_ones():
    with pytest.raises(TopologyError, match=r"shipped: .*monolith"):
        load("nope")


@pytest.mark.parametrize(
    ("url", "derived"),
    [
        (MAIN_URL, "postgres://postgres@127.0.0.1:5432/seams_payments"),
        (
            "postgres://u:p@h/seams?sslmode=require",
            "postgres://u:p@h/seams_payments?sslmode=require",
        ),
        ("sqlite:////srv/db.sqlite3", "sqlite:////srv/db_payments.sqlite3"),
    ],
)
def test_a_module_database_url_is_derived_by_suffixing_the_name(url, derived):
    assert derived_database_url(url, "payments") == derived


def test_a_process_playing_every_service_knows_every_database():
    found = databases(load("split"), "", MAIN, MAIN_URL, environ_={})
    assert set(found) == {"default", "payments", "notifications"}
    assert found["default"] is MAIN
    assert found["payments"]["NAME"] == "seams_payments"
    assert found["payments"]["CONN_MAX_AGE"] == 60  # engine options carry over


def test_a_service_process_knows_only_its_own_database_as_default():
    found = databases(load("split"), "payments", MAIN, MAIN_URL, environ_={})
    assert list(found) == ["default"]
    assert found["default"]["NAME"] == "seams_payments"
    explicit = {"DATABASE_URL_PAYMENTS": "postgres://db.example/pay"}
    assert databases(load("split"), "payments", MAIN, MAIN_URL, explicit)["default"]["NAME"] == (
        "pay"
    )


def test_an_unknown_service_or_an_in_process_topology_refuses_a_service():
    with pytest.raises(TopologyError, match="not a service"):
        databases(load("split"), "billing", MAIN, MAIN_URL, environ_={})
    with pytest.raises(TopologyError, match="one process only"):
        databases(load("isolated"), "payments", MAIN, MAIN_URL, environ_={})
