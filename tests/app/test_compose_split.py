"""docker-compose.split.yml read as data against the split topology (Docker does not run
here): every service of the topology with its four roles, placed and addressed as the
topology says, its database migrated first, and the edge running the generated config."""

from __future__ import annotations

import re

import yaml

from app.kernel.topology import processes
from app.kernel.topology.files import load
from tests.app.conftest import ROOT

TOPOLOGY = load("split")


def compose_services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.split.yml").read_text())["services"]


def test_every_service_of_the_topology_runs_its_four_roles_placed_by_the_topology():
    services = compose_services()
    urls = {processes.url_variable(name): f"http://{name}:8000" for name in TOPOLOGY.services}
    for name in TOPOLOGY.services:
        for role in processes.ROLES:
            compose_name = name if role == "web" else f"{name}-{role}"
            service = services[compose_name]
            assert service["command"] == [role], compose_name
            env = service["environment"]
            assert env["SEAMS_TOPOLOGY"] == "split" and env["SEAMS_SERVICE"] == name
            assert env["SEAMS_TRUSTED_PROXIES"] == "1"  # behind the edge
            assert {key: env[key] for key in urls} == urls, compose_name
            assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"]
            assert env["SEAMS_INTERNAL_KEYS"].startswith("${SEAMS_INTERNAL_KEYS:?")
            assert service["depends_on"]["migrate"]["condition"] == (
                "service_completed_successfully"
            )
    roles = {f"{n}-{r}" for n in TOPOLOGY.services for r in processes.ROLES if r != "web"}
    assert set(services) == {"postgres", "redis", "migrate", "edge", *TOPOLOGY.services, *roles}


def test_the_databases_are_created_and_migrated_per_service_first():
    migrate = compose_services()["migrate"]
    assert migrate["command"] == ["manage", "topology", "migrate", "--topology", "split"]
    assert migrate["restart"] == "no"
    assert "SEAMS_SERVICE" not in migrate["environment"]


def test_the_edge_runs_the_generated_config_in_front_of_every_web_service():
    edge = compose_services()["edge"]
    assert "./docker/edge/split.conf:/etc/seams/nginx.conf:ro" in edge["volumes"]
    assert "/etc/seams/nginx.conf" in edge["command"]
    assert set(edge["depends_on"]) == set(TOPOLOGY.services)
    config = (ROOT / "docker" / "edge" / "split.conf").read_text()
    upstreams = set(re.findall(r"server (\w+):8000;", config))
    assert upstreams == set(TOPOLOGY.services)
    assert edge["ports"] == ["${PORT:-8000}:8000"]
