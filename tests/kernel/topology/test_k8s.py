"""Kubernetes manifests rendered from a topology (``manage.py topology k8s``)."""

from __future__ import annotations

from io import StringIO

import kubernetes_validate
import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from app.kernel.topology import k8s
from app.kernel.topology.files import load, shipped

K8S_VERSION = kubernetes_validate.latest_version()


def manifests(topology: str) -> dict[str, list[dict]]:
    return k8s.documents(load(topology), image="registry.example/seams:1", host="shop.test")


def by_kind(docs: dict[str, list[dict]], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for ds in docs.values() for d in ds if d["kind"] == kind}


@pytest.mark.parametrize("topology", ["monolith", "split"])
def test_every_manifest_validates_against_the_kubernetes_schemas(topology):
    for docs in manifests(topology).values():
        for doc in docs:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validator_would_refuse_a_broken_manifest():
    deployment = by_kind(manifests("split"), "Deployment")["seams-payments-web"]
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_split_has_every_role_per_service_one_image_and_a_migrate_job_per_database():
    docs = manifests("split")
    deployments = by_kind(docs, "Deployment")
    assert set(deployments) == {
        f"seams-{service}-{role}"
        for service in ("monolith", "payments", "notifications")
        for role in ("web", "worker", "relay", "beat")
    }
    images = {
        c["image"]
        for d in deployments.values()
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"registry.example/seams:1"}
    assert set(by_kind(docs, "Job")) == {
        "seams-migrate-default",
        "seams-migrate-payments",
        "seams-migrate-notifications",
    }
    web = deployments["seams-payments-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["args"] == ["web"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz/"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz/"
    assert set(by_kind(docs, "Service")) >= {
        "seams-monolith-web",
        "seams-payments-web",
        "seams-notifications-web",
    }


def test_every_role_that_records_metrics_serves_them_where_its_annotations_say():
    deployments = by_kind(manifests("split"), "Deployment")
    for service in ("monolith", "payments", "notifications"):
        for role in ("web", "worker", "relay"):
            pod = deployments[f"seams-{service}-{role}"]["spec"]["template"]
            annotations = pod["metadata"]["annotations"]
            (container,) = pod["spec"]["containers"]
            ports = {p["containerPort"]: p["name"] for p in container["ports"]}
            assert annotations["prometheus.io/scrape"] == "true"
            port = int(annotations["prometheus.io/port"])
            assert ports[port] == ("http" if role == "web" else "metrics"), (service, role)
            env = {e["name"]: e.get("value") for e in container["env"]}
            assert env.get("SEAMS_METRICS_PORT") == (None if role == "web" else str(port))
        beat = deployments[f"seams-{service}-beat"]["spec"]["template"]
        assert "annotations" not in beat["metadata"]  # it only enqueues


def test_each_service_is_placed_by_its_config_map_and_secrets_are_references_only():
    docs = manifests("split")
    config = by_kind(docs, "ConfigMap")["seams-payments-config"]["data"]
    assert config["SEAMS_TOPOLOGY"] == "split" and config["SEAMS_SERVICE"] == "payments"
    assert config["SEAMS_SERVICE_URL_MONOLITH"] == "http://seams-monolith-web:8000"
    assert config["SEAMS_TRUSTED_PROXIES"] == "1"  # behind the Ingress
    assert "seams-payments-web" in config["ALLOWED_HOSTS"].split(",")
    assert config["WEB_SERVER"] == "granian"  # called by other services: keep-alive
    assert config["GRANIAN_BLOCKING_THREADS"] == "4"
    monolith = by_kind(manifests("monolith"), "ConfigMap")["seams-monolith-config"]["data"]
    assert "WEB_SERVER" not in monolith
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SEAMS_INTERNAL_KEYS"):
        assert name not in config
    container = by_kind(docs, "Deployment")["seams-payments-worker"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e for e in container["env"]}
    assert set(env) >= {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SEAMS_INTERNAL_KEYS"}
    assert env.pop("SEAMS_METRICS_PORT") == {"name": "SEAMS_METRICS_PORT", "value": "9101"}
    assert all("value" not in e and "secretKeyRef" in e["valueFrom"] for e in env.values())
    # its own database: an explicit URL when the Secret has one, else derived (optional)
    assert env["DATABASE_URL_PAYMENTS"]["valueFrom"]["secretKeyRef"]["optional"] is True


def test_the_ingress_routes_what_public_routes_says_and_never_internal():
    docs = manifests("split")
    ingress = by_kind(docs, "Ingress")["seams"]
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "shop.test"
    routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert routes == {
        "/api/v1/notifications/": "seams-notifications-web",
        "/api/v1/payments/": "seams-payments-web",
        "/internal/": "seams-edge-closed",
        "/": "seams-monolith-web",
    }
    closed = by_kind(docs, "Service")["seams-edge-closed"]
    assert "selector" not in closed["spec"]  # no pods behind it
    monolith = by_kind(manifests("monolith"), "Ingress")["seams"]["spec"]["rules"][0]["http"]
    assert [(p["path"], p["backend"]["service"]["name"]) for p in monolith["paths"]] == [
        ("/internal/", "seams-edge-closed"),
        ("/", "seams-monolith-web"),
    ]


def test_the_committed_files_are_current_and_check_names_the_command(tmp_path, settings):
    call_command("topology", "k8s", "--check", stdout=StringIO())
    # a copy of the repository's deploy/k8s with one file edited is reported stale
    for path, text in k8s.wanted([load(name) for name in shipped()]).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    assert k8s.stale(tmp_path, k8s.wanted([load(n) for n in shipped()])) == []
    edited = tmp_path / "deploy/k8s/split/payments.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    (tmp_path / "deploy/k8s/split/old.yaml").write_text("kind: Service\n", encoding="utf-8")
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match=r"topology k8s --write") as raised:
        call_command("topology", "k8s", "--check", stdout=StringIO())
    assert "deploy/k8s/split/payments.yaml" in str(raised.value)
    assert "deploy/k8s/split/old.yaml" in str(raised.value)
    call_command("topology", "k8s", "--write", stdout=StringIO())
    assert not (tmp_path / "deploy/k8s/split/old.yaml").exists()
    call_command("topology", "k8s", "--check", stdout=StringIO())


def test_the_in_process_topology_has_no_manifests():
    assert k8s.wanted([load("isolated")]) == {}
    assert all("/isolated/" not in path for path in k8s.wanted([load(n) for n in shipped()]))


def test_the_yaml_is_plain_documents_without_anchors():
    text = k8s.render(load("split"), image="seams:1", host="h.test")["payments.yaml"]
    assert "&id" not in text and "*id" not in text
    assert [d["kind"] for d in yaml.safe_load_all(text)] == [
        "ConfigMap",
        *["Deployment"] * 4,
        "Service",
        "Job",
    ]
