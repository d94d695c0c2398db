"""The operator kit (deploy/prometheus/alerts.yml, deploy/grafana/seams.json, the scrape
configurations) is checked against the code, the compose files and the k8s manifests by
deploy/check.py (``make lint``): it passes on the committed files and says what is wrong with
a broken one."""

from __future__ import annotations

import importlib.util
import json

import pytest
import yaml

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


def k8s(directory: str) -> str:
    paths = sorted((ROOT / "deploy" / "k8s" / directory).glob("*.yaml"))
    return "\n---\n".join(path.read_text() for path in paths)


K8S_SCRAPE = check.K8S_SCRAPE.read_text()


@pytest.mark.parametrize("directory", [path.name for path in check.K8S_MANIFESTS])
def test_the_k8s_scrape_config_finds_every_process_of_each_topology(directory):
    manifests = k8s(directory)
    assert check.k8s_scrape_problems(K8S_SCRAPE, manifests, directory) == []
    found = check.k8s_scrape_targets(K8S_SCRAPE, manifests)
    assert {role for _, role, _ in found} == {"web", "worker", "relay"}
    assert ("seams-monolith-web:8000", "web", "monolith") in found
    for compose_config in check.SCRAPES:
        rule_files = yaml.safe_load(compose_config.read_text())["rule_files"]
        assert yaml.safe_load(K8S_SCRAPE)["rule_files"] == rule_files


def test_a_pod_missing_its_scrape_annotation_or_naming_a_port_it_lacks_is_reported():
    manifests = k8s("monolith")
    unannotated = manifests.replace(
        "prometheus.io/scrape: 'true'\n        prometheus.io/port: '9101'",
        "prometheus.io/port: '9101'",
    )
    assert check.k8s_scrape_problems(K8S_SCRAPE, unannotated, "k") == [
        "k: seams-monolith-worker (worker) is not annotated prometheus.io/scrape: 'true'",
        "k: no target seams-monolith-worker:9101 (worker, monolith)",
    ]
    elsewhere = manifests.replace("prometheus.io/port: '9102'", "prometheus.io/port: '9'")
    assert check.k8s_scrape_problems(K8S_SCRAPE, elsewhere, "k") == [
        "k: seams-monolith-relay (relay): prometheus.io/port 9 is none of its container's "
        "ports [9102]",
        "k: no target seams-monolith-relay:9102 (relay, monolith)",
        "k: seams-monolith-relay:9 (relay, monolith) is no process that serves metrics",
    ]
    unexposed = manifests.replace("containerPort: 9101", "containerPort: 9111")
    assert check.k8s_scrape_problems(K8S_SCRAPE, unexposed, "k") == [
        "k: seams-monolith-worker (worker): prometheus.io/port 9101 is none of its "
        "container's ports [9111]",
    ]


def test_a_relabelling_that_loses_a_label_the_compose_configs_set_is_reported():
    manifests = k8s("monolith")
    rule = "      - source_labels: [__meta_kubernetes_pod_label_seams_service]\n"
    rule += "        target_label: service\n"
    assert rule in K8S_SCRAPE
    found = check.k8s_scrape_problems(K8S_SCRAPE.replace(rule, ""), manifests, "k")
    assert "k: no target seams-monolith-web:8000 (web, monolith)" in found
    assert "k: seams-monolith-web:8000 (web, ) is no process that serves metrics" in found
    unplaced = K8S_SCRAPE.replace("target_label: pod", "target_label: pod_name")
    assert check.k8s_scrape_problems(unplaced, manifests, "k") == [
        "k: seams-monolith-web:8000 gets no pod label"
    ]
    static = K8S_SCRAPE.replace("kubernetes_sd_configs:\n      - role: pod", "static_configs: []")
    assert check.k8s_scrape_problems(static, manifests, "k") == [
        "k: job 'seams' needs kubernetes_sd_configs role: pod"
    ]


def test_the_k8s_relabelling_keeps_only_running_seams_pods_that_ask():
    (job,) = yaml.safe_load(K8S_SCRAPE)["scrape_configs"]
    pod = next(check.discovered_pods(k8s("monolith")))
    assert check.relabel(pod, job["relabel_configs"])["__metrics_path__"] == "/metrics"
    other = {**pod, "__meta_kubernetes_pod_label_app_kubernetes_io_name": "redis"}
    pending = {**pod, "__meta_kubernetes_pod_phase": "Pending"}
    assert check.relabel(other, job["relabel_configs"]) is None
    assert check.relabel(pending, job["relabel_configs"]) is None
