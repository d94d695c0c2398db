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
