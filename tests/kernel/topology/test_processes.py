"""The process plan of ``make up-split``: every service's four roles placed by the topology,
ports derived from the edge's, internal URLs shared, the edge last."""

from __future__ import annotations

import shlex

import pytest
import yaml

from app.kernel.topology import TopologyError, processes
from app.kernel.topology.files import load
from tests.app.conftest import clean_env, manage

pytestmark = pytest.mark.nginx  # the plan's edge entry names the nginx binary

RULES = processes.ROOT / "deploy" / "prometheus" / "alerts.yml"


def plan(tmp_path, **environ: str) -> dict[str, processes.Process]:
    found = processes.plan("split", port=9000, state_dir=tmp_path, environ_=environ)
    return {process.name: process for process in found}


def test_every_service_runs_its_four_roles_as_itself_and_the_edge_comes_last(tmp_path):
    found = plan(tmp_path)
    services = load("split").services
    expected = [f"{s}-{role}" for s in services for role in processes.ROLES]
    assert list(found) == [*expected, "edge"]
    for name in services:
        for role in processes.ROLES:
            process = found[f"{name}-{role}"]
            assert process.command[:2] == (processes.ENTRYPOINT, role)
            assert (process.env["SEAMS_TOPOLOGY"], process.env["SEAMS_SERVICE"]) == ("split", name)
            assert process.env["SEAMS_TRUSTED_PROXIES"] == "1"  # behind the edge
    assert found["payments-worker"].command[2:] == ("-n", "payments@%h")  # unique node names
    assert found["edge"].command[-2:] == ("-g", "daemon off;")


def test_service_ports_follow_the_edge_port_and_every_process_knows_every_url(tmp_path):
    found = plan(tmp_path)
    assert [found[f"{s}-web"].env["PORT"] for s in ("monolith", "payments", "notifications")] == [
        "9001",
        "9002",
        "9003",
    ]
    urls = {
        "SEAMS_SERVICE_URL_MONOLITH": "http://127.0.0.1:9001",
        "SEAMS_SERVICE_URL_PAYMENTS": "http://127.0.0.1:9002",
        "SEAMS_SERVICE_URL_NOTIFICATIONS": "http://127.0.0.1:9003",
    }
    for process in found.values():
        if process.service:
            assert {key: process.env[key] for key in urls} == urls, process.name


def test_a_service_url_from_the_environment_wins(tmp_path):
    found = plan(tmp_path, SEAMS_SERVICE_URL_PAYMENTS="http://127.0.0.1:9500/")
    assert found["payments-web"].env["PORT"] == "9500"
    assert found["monolith-worker"].env["SEAMS_SERVICE_URL_PAYMENTS"] == "http://127.0.0.1:9500"


def test_web_roles_of_a_split_topology_run_granian_so_internal_calls_keep_alive(tmp_path):
    found = plan(tmp_path)
    for name in load("split").services:
        assert found[f"{name}-web"].env["WEB_SERVER"] == "granian"
        assert found[f"{name}-web"].env["GRANIAN_BLOCKING_THREADS"] == "4"
        assert "WEB_SERVER" not in found[f"{name}-worker"].env
    threads = plan(tmp_path, GRANIAN_BLOCKING_THREADS="8")["payments-web"].env
    assert threads["GRANIAN_BLOCKING_THREADS"] == "8"
    # gunicorn on request: gthread, threaded as granian would be
    gunicorn = plan(tmp_path, WEB_SERVER="gunicorn")["payments-web"].env
    assert gunicorn["WEB_SERVER"] == "gunicorn" and gunicorn["GUNICORN_THREADS"] == "4"
    assert "GRANIAN_BLOCKING_THREADS" not in gunicorn
    with pytest.raises(TopologyError, match="WEB_SERVER"):
        plan(tmp_path, WEB_SERVER="uwsgi")
    (web,) = [
        p
        for p in processes.plan("monolith", port=9000, state_dir=tmp_path, environ_={})
        if p.role == "web"
    ]
    assert "WEB_SERVER" not in web.env  # one service: nobody calls it, gunicorn as configured


def test_a_service_on_the_edge_port_is_refused_naming_the_variable(tmp_path):
    with pytest.raises(TopologyError, match="SEAMS_SERVICE_URL_MONOLITH"):
        plan(tmp_path, SEAMS_SERVICE_URL_MONOLITH="http://127.0.0.1:9000")


def test_each_worker_and_relay_serves_its_metrics_on_a_port_derived_from_its_service(tmp_path):
    found = plan(tmp_path, SEAMS_SERVICE_URL_PAYMENTS="http://127.0.0.1:9500")
    ports = {name: p.env.get("SEAMS_METRICS_PORT") for name, p in found.items() if p.service}
    assert {name: port for name, port in ports.items() if port} == {
        "monolith-worker": "9101", "monolith-relay": "9201",
        "payments-worker": "9600", "payments-relay": "9700",
        "notifications-worker": "9103", "notifications-relay": "9203",
    }  # fmt: skip
    addresses = {p.env.get("SEAMS_METRICS_ADDR") for p in found.values() if p.role == "relay"}
    assert addresses == {"127.0.0.1"}  # loopback, as the services: the ports carry no token
    scraped = {p.metrics: (p.role, p.service) for p in found.values() if p.metrics}
    assert scraped["127.0.0.1:9500"] == ("web", "payments")
    assert scraped["127.0.0.1:9600"] == ("worker", "payments")
    assert len(scraped) == 9  # web, worker, relay of each service; beat records nothing

    config = yaml.safe_load(processes.prometheus_config(list(found.values()), rule_file=RULES))
    assert config["rule_files"] == [str(RULES)]
    groups = config["scrape_configs"][0]["static_configs"]
    assert {g["targets"][0]: (g["labels"]["role"], g["labels"]["service"]) for g in groups} == (
        scraped
    )


def test_a_metrics_port_on_another_process_port_is_refused(tmp_path):
    # the monolith's worker serves on 9001 + 100: payments may not be placed there
    with pytest.raises(
        TopologyError, match="payments-web would listen on port 9101, taken by monolith-worker"
    ):
        plan(tmp_path, SEAMS_SERVICE_URL_PAYMENTS="http://127.0.0.1:9101")


def test_each_service_keeps_its_files_apart(tmp_path):
    found = plan(tmp_path)
    for variable in (
        "PROMETHEUS_MULTIPROC_DIR",
        "PROMETHEUS_WORKER_MULTIPROC_DIR",
        "CELERY_BEAT_SCHEDULE_FILE",
    ):
        values = {
            found[f"{s}-web"].env[variable] for s in ("monolith", "payments", "notifications")
        }
        assert len(values) == 3, variable


def test_the_procfile_line_runs_the_command_with_its_environment(tmp_path):
    process = plan(tmp_path)["payments-beat"]
    name, command = process.procfile_line().split(": ", 1)
    words = shlex.split(command)
    assert name == "payments-beat" and words[0] == "env"
    assert "SEAMS_SERVICE=payments" in words and words[-2:] == [processes.ENTRYPOINT, "beat"]


def test_each_service_database_is_derived_from_the_main_one():
    assert processes.service_databases(load("split"), "postgres://h:5432/shop", {}) == {
        "monolith": "postgres://h:5432/shop",
        "payments": "postgres://h:5432/shop_payments",
        "notifications": "postgres://h:5432/shop_notifications",
    }


QUEUES = "from app.kernel.events import celery_config as c; print(*c.queue_names())"


@pytest.mark.parametrize(
    ("service", "queues"),
    [
        ("payments", ["seams_events_payments", "payments"]),
        ("notifications", ["seams_events_notifications", "notifications"]),
        ("", ["seams_events", "accounts", "catalog", "inventory", "orders", "payments",
              "notifications", "analytics"]),
    ],
)  # fmt: skip
def test_each_service_worker_takes_its_modules_queues_and_its_own_kernel_queue(service, queues):
    """The kernel's sweep and prune work on the worker's own database: a queue shared by
    the services would let one service's worker run another's housekeeping."""
    env = clean_env(SEAMS_TOPOLOGY="split", SEAMS_SERVICE=service)
    result = manage("shell", "-c", QUEUES, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == queues
