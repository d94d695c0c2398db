"""The operator kit (deploy/prometheus/alerts.yml, deploy/grafana/seams.json) is checked
against the code by deploy/check.py (``make lint``): it passes on the committed files and
says what is wrong with a broken one."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.app.conftest import ROOT

spec = importlib.util.spec_from_file_location("deploy_check", ROOT / "deploy" / "check.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)

ALERTS = check.ALERTS.read_text()
DASHBOARD = check.DASHBOARD.read_text()


@pytest.fixture(scope="module")
def known() -> set[str]:
    return check.exported_metrics()


def test_the_committed_rules_and_dashboard_pass(known):
    assert check.problems(ALERTS, DASHBOARD, known) == []
    assert {"seams_outbox_rows", "seams_saga_ended_total", "seams_http_requests_total"} <= known


def test_the_alerts_the_operators_need_are_there():
    names = {where.removeprefix("alert ") for where, _ in check.alert_queries(ALERTS)}
    assert {
        "SeamsOutboxLag",
        "SeamsDeadLetters",
        "SeamsSagaTimeouts",
        "SeamsBreakerOpen",
        "SeamsHttpErrorRate",
    } <= names


def test_a_query_that_does_not_parse_or_names_an_unknown_metric_is_reported(known):
    broken = ALERTS.replace(
        "max by (module) (seams_remote_breaker_state) >= 2",
        "max by (module) (seams_remote_breaker_state >= ",
    ).replace("seams_saga_timed_out_total", "seams_saga_timedout_total")
    found = check.problems(broken, DASHBOARD, known)
    assert any("alert SeamsBreakerOpen: does not parse" in line for line in found), found
    assert any("no metric seams_saga_timedout_total" in line for line in found), found


def test_a_dashboard_panel_without_a_query_is_reported(known):
    dashboard = json.loads(DASHBOARD)
    panel = next(p for p in dashboard["panels"] if p["type"] != "row")
    panel["targets"] = []
    found = check.problems(ALERTS, json.dumps(dashboard), known)
    assert found == [f"dashboard: panel {panel['title']!r} has no query"]


@pytest.mark.parametrize(("config", "compose"), list(check.SCRAPES.items()))
def test_each_scrape_config_names_every_process_of_its_compose_file(config, compose):
    assert check.scrape_problems(config.read_text(), compose.read_text(), config.name) == []
    roles = {role for _, role, _ in check.scrape_targets(config.read_text())}
    assert roles == {"web", "worker", "relay"}


def test_a_process_missing_from_a_scrape_config_or_serving_nothing_is_reported():
    config, compose = (path.read_text() for path in next(iter(check.SCRAPES.items())))
    found = check.scrape_problems(config.replace('"relay:9102"', '"relay:9"'), compose, "p.yml")
    assert found == [
        "p.yml: no target relay:9102 (relay, monolith)",
        "p.yml: relay:9 (relay, monolith) is no process that serves metrics",
    ]
    unserved = compose.replace('SEAMS_METRICS_PORT: "9101"', 'LOG_LEVEL: "INFO"')
    assert check.scrape_problems(config, unserved, "p.yml")[0] == (
        "p.yml: worker (worker) sets no SEAMS_METRICS_PORT: nothing to scrape"
    )
