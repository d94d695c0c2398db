"""Check the operator kit against the code (``make lint``): every Prometheus alert rule and
every Grafana panel query parses as PromQL, and every metric it names is one the code exports;
each committed scrape configuration names every process of its compose file that serves
metrics (web, worker, relay of every service), with its role and service, and nothing else;
the Kubernetes one, its relabelling run on the pods of each Deployment in deploy/k8s/, does
the same, and every pod that serves metrics is annotated with the port its container exposes.

    python deploy/check.py      # exit 1 and one line per problem

promtool is not on PyPI; ``promql-parser`` (a binding of the Rust parser Greptime maintains)
parses the expressions; PyYAML (a dependency of drf-spectacular) reads the rules. The known
metrics are the sample names of the families registered once Django is set up (every module
imported) plus the outbox collector's.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import promql_parser
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "seams.json"
# scrape configuration → the compose file whose processes it scrapes
SCRAPES = {
    ROOT / "deploy" / "prometheus" / "prometheus.yml": ROOT / "docker-compose.yml",
    ROOT / "deploy" / "prometheus" / "prometheus.split.yml": ROOT / "docker-compose.split.yml",
}
# the Kubernetes scrape configuration → the directories of manifests (one topology each)
K8S_SCRAPE = ROOT / "deploy" / "prometheus" / "prometheus.k8s.yml"
K8S_MANIFESTS = sorted(path for path in (ROOT / "deploy" / "k8s").iterdir() if path.is_dir())
K8S_LABELS = ("namespace", "pod")  # besides role and service: where the series come from
WEB_PORT = 8000  # the image's web role, in every container
SCRAPED_ROLES = ("web", "worker", "relay")  # beat only enqueues: nothing of its own

# Grafana's variables, as a Prometheus query would see them once substituted
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}


def sample_names(families: Iterable[Any]) -> set[str]:
    """The names samples of ``families`` are exposed under (``x`` counter → ``x_total``)."""
    names = set()
    for family in families:
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def exported_metrics() -> set[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from prometheus_client import REGISTRY

    from app.kernel.observability.outbox_collector import OutboxCollector

    return sample_names([*REGISTRY.collect(), *OutboxCollector().describe()])


def metrics_in(expr: str) -> Iterator[str]:
    """The metric names ``expr`` selects (raises ``ValueError`` when it does not parse)."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.append(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    yield from found


def alert_queries(text: str) -> Iterator[tuple[str, str]]:
    """(where, expr) of every rule; structural problems raise ``ValueError``."""
    document = yaml.safe_load(text)
    groups = document.get("groups") if isinstance(document, dict) else None
    if not groups:
        raise ValueError("alerts: no `groups`")
    for group in groups:
        if not group.get("name") or not group.get("rules"):
            raise ValueError(f"alerts: group {group.get('name')!r} needs a name and rules")
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            if not name or not isinstance(rule.get("expr"), str):
                raise ValueError(f"alerts: rule {name!r} needs `alert` and `expr`")
            if rule.get("alert") and not (rule.get("annotations") or {}).get("summary"):
                raise ValueError(f"alerts: {name} needs an annotations.summary")
            if "for" in rule and not re.fullmatch(r"\d+[smhd]", str(rule["for"])):
                raise ValueError(f"alerts: {name}: `for` {rule['for']!r} is not a duration")
            yield f"alert {name}", rule["expr"]


def dashboard_queries(text: str) -> Iterator[tuple[str, str]]:
    """(where, expr) of every panel target and query variable; structure checked."""
    dashboard = json.loads(text)
    for key in ("uid", "title", "panels", "schemaVersion"):
        if key not in dashboard:
            raise ValueError(f"dashboard: no `{key}`")
    ids = [panel.get("id") for panel in dashboard["panels"]]
    if len(set(ids)) != len(ids):
        raise ValueError("dashboard: panel ids repeat")
    for panel in dashboard["panels"]:
        if not panel.get("title") or "gridPos" not in panel:
            raise ValueError(f"dashboard: panel {panel.get('id')} needs a title and gridPos")
        if panel.get("type") == "row":
            continue
        if not panel.get("targets"):
            raise ValueError(f"dashboard: panel {panel['title']!r} has no query")
        for target in panel["targets"]:
            yield f"panel {panel['title']!r}", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query":
            match = re.fullmatch(r"label_values\((\w+),\s*\w+\)", query.get("query", ""))
            if not match:
                raise ValueError(f"dashboard: variable {variable['name']} is not label_values()")
            yield f"variable {variable['name']}", match.group(1)


Target = tuple[str, str, str]  # ("host:port", role, service)


def compose_targets(compose: str) -> tuple[set[Target], list[str]]:
    """What Prometheus must scrape in a compose file: each web on its port, each worker and
    relay on its ``SEAMS_METRICS_PORT``; and the processes that serve nothing."""
    targets, unserved = set(), []
    for name, service in yaml.safe_load(compose)["services"].items():
        role = (service.get("command") or [None])[0]
        if role not in SCRAPED_ROLES:
            continue
        env = service.get("environment") or {}
        port = WEB_PORT if role == "web" else env.get("SEAMS_METRICS_PORT")
        if not port:
            unserved.append(f"{name} ({role}) sets no SEAMS_METRICS_PORT: nothing to scrape")
            continue
        targets.add((f"{name}:{port}", role, env.get("SEAMS_SERVICE") or "monolith"))
    return targets, unserved


def scrape_jobs(config: str) -> list[dict[str, Any]]:
    """The jobs of a scrape configuration that loads the alert rules; structural problems
    raise ``ValueError``."""
    document = yaml.safe_load(config)
    if "alerts.yml" not in (document.get("rule_files") or []):
        raise ValueError("rule_files does not load alerts.yml")
    jobs = document.get("scrape_configs") or []
    if not jobs or not all(job.get("job_name") for job in jobs):
        raise ValueError("scrape_configs needs jobs, each with a job_name")
    return jobs


def scrape_targets(config: str) -> set[Target]:
    """The labelled targets of a scrape configuration; structural problems raise
    ``ValueError``."""
    found: set[Target] = set()
    for job in scrape_jobs(config):
        if not job.get("static_configs"):
            raise ValueError(f"job {job['job_name']!r} needs static_configs")
        for group in job["static_configs"]:
            labels = group.get("labels") or {}
            if not labels.get("role") or not labels.get("service"):
                raise ValueError(f"targets {group.get('targets')} need role and service labels")
            found |= {(t, labels["role"], labels["service"]) for t in group.get("targets", [])}
    if not found:
        raise ValueError("no scrape targets")
    return found


def target_problems(
    declared: set[Target], wanted: set[Target], unserved: list[str], where: str
) -> list[str]:
    """How the targets a configuration ``declared`` differ from the ``wanted`` ones."""
    found = [f"{where}: {line}" for line in unserved]
    found += [f"{where}: no target {t} ({r}, {s})" for t, r, s in sorted(wanted - declared)]
    found += [f"{where}: {t} ({r}, {s}) is no process that serves metrics" for t, r, s in
              sorted(declared - wanted)]  # fmt: skip
    return found


def scrape_problems(config: str, compose: str, where: str) -> list[str]:
    """How the scrape configuration ``where`` differs from what ``compose`` runs."""
    try:
        declared = scrape_targets(config)
    except (ValueError, AttributeError, TypeError, yaml.YAMLError) as exc:
        return [f"{where}: {exc}"]
    return target_problems(declared, *compose_targets(compose), where)


def deployments(manifests: str) -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
    """(name, pod template, environment of each container by name) of every Deployment; the
    environment is the literal ``env`` over the ConfigMaps of ``envFrom``."""
    docs = [doc for doc in yaml.safe_load_all(manifests) if doc]
    config_maps = {d["metadata"]["name"]: d.get("data") or {} for d in docs
                   if d["kind"] == "ConfigMap"}  # fmt: skip
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        pod, envs = doc["spec"]["template"], {}
        for container in pod["spec"]["containers"]:
            env = {}
            for source in container.get("envFrom") or []:
                env.update(config_maps.get((source.get("configMapRef") or {}).get("name"), {}))
            env.update({e["name"]: e["value"] for e in container.get("env") or [] if "value" in e})
            envs[container["name"]] = env
        yield doc["metadata"]["name"], pod, envs


def k8s_targets(manifests: str) -> tuple[set[Target], list[str]]:
    """What Prometheus must scrape in a topology's manifests: each web, worker and relay
    container on its port (as ``compose_targets``), named by its Deployment; and the pods
    whose annotations do not say so with a port of their container."""
    targets, faults = set(), []
    for name, pod, envs in deployments(manifests):
        annotations = pod["metadata"].get("annotations") or {}
        for container in pod["spec"]["containers"]:
            role, env = (container.get("args") or [None])[0], envs[container["name"]]
            if role not in SCRAPED_ROLES:
                continue
            port = str(WEB_PORT if role == "web" else env.get("SEAMS_METRICS_PORT") or "")
            ports = sorted(p["containerPort"] for p in container.get("ports") or [])
            annotated = str(annotations.get("prometheus.io/port"))
            if not port:
                faults.append(f"{name} ({role}) sets no SEAMS_METRICS_PORT: nothing to scrape")
                continue
            targets.add((f"{name}:{port}", role, env.get("SEAMS_SERVICE") or "monolith"))
            if annotations.get("prometheus.io/scrape") != "true":
                faults.append(f"{name} ({role}) is not annotated prometheus.io/scrape: 'true'")
            elif annotated not in map(str, ports):
                faults.append(
                    f"{name} ({role}): prometheus.io/port {annotated} is none of its "
                    f"container's ports {ports}"
                )
            elif annotated != port:
                faults.append(f"{name} ({role}) serves metrics on {port}, not {annotated}")
    return targets, faults


def discovered_pods(manifests: str) -> Iterator[dict[str, str]]:
    """The labels Kubernetes pod discovery gives a pod of every Deployment: one target per
    container port (per container without one), the pod's IP standing for its Deployment."""
    for name, pod, _ in deployments(manifests):
        meta = {
            "__meta_kubernetes_namespace": "seams",
            "__meta_kubernetes_pod_name": f"{name}-0",
            "__meta_kubernetes_pod_ip": name,
            "__meta_kubernetes_pod_phase": "Running",
        }
        for kind in ("label", "annotation"):
            for key, value in (pod["metadata"].get(f"{kind}s") or {}).items():
                key = re.sub(r"[^a-zA-Z0-9_]", "_", key)  # seams/service → seams_service
                meta[f"__meta_kubernetes_pod_{kind}_{key}"] = str(value)
        for container in pod["spec"]["containers"]:
            for port in container.get("ports") or [{}]:
                address = f"{name}:{port['containerPort']}" if port else name
                yield {**meta, "__address__": address}


def relabel(labels: dict[str, str], rules: list[dict[str, Any]]) -> dict[str, str] | None:
    """``labels`` after Prometheus's ``replace``, ``keep`` and ``drop`` rules (None: dropped)."""
    labels = dict(labels)
    for rule in rules:
        action = rule.get("action", "replace")
        value = rule.get("separator", ";").join(labels.get(s, "") for s in rule["source_labels"])
        match = re.fullmatch(str(rule.get("regex", "(.*)")), value)
        if action not in ("replace", "keep", "drop"):
            raise ValueError(f"relabel action {action!r}: check.py knows replace, keep, drop")
        if (action == "keep" and not match) or (action == "drop" and match):
            return None
        if action == "replace" and match:
            template = re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", rule.get("replacement", "$1"))
            labels[rule["target_label"]] = match.expand(template)
    return {key: value for key, value in labels.items() if value}


def k8s_scrape_targets(config: str, manifests: str) -> set[Target]:
    """The labelled targets the pod job of ``config`` finds in ``manifests``; structural
    problems raise ``ValueError``."""
    found: set[Target] = set()
    for job in scrape_jobs(config):
        if {"role": "pod"} not in (job.get("kubernetes_sd_configs") or []):
            raise ValueError(f"job {job['job_name']!r} needs kubernetes_sd_configs role: pod")
        for pod in discovered_pods(manifests):
            labels = relabel(pod, job.get("relabel_configs") or [])
            if labels is None:
                continue
            if missing := [key for key in K8S_LABELS if key not in labels]:
                raise ValueError(f"{labels['__address__']} gets no {', '.join(missing)} label")
            found.add((labels["__address__"], labels.get("role", ""), labels.get("service", "")))
    return found


def k8s_scrape_problems(config: str, manifests: str, where: str) -> list[str]:
    """How what the Kubernetes scrape configuration finds differs from what ``manifests``
    run (``where`` names both)."""
    try:
        declared = k8s_scrape_targets(config, manifests)
    except (ValueError, AttributeError, TypeError, KeyError, re.error, yaml.YAMLError) as exc:
        return [f"{where}: {exc}"]
    return target_problems(declared, *k8s_targets(manifests), where)


def problems(alerts: str, dashboard: str, known: set[str]) -> list[str]:
    found = []
    for source, queries in (("alerts", alert_queries), ("dashboard", dashboard_queries)):
        text = alerts if source == "alerts" else dashboard
        try:
            pairs = list(queries(text))
        except (ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            found.append(str(exc))
            continue
        for where, expr in pairs:
            try:
                names = list(metrics_in(expr))
            except ValueError as exc:
                found.append(f"{source}: {where}: does not parse: {exc}")
                continue
            found += [
                f"{source}: {where}: no metric {name} in the code" for name in names
                if name not in known
            ]  # fmt: skip
    return found


def main() -> int:
    found = problems(ALERTS.read_text(), DASHBOARD.read_text(), exported_metrics())
    for config, compose in SCRAPES.items():
        where = str(config.relative_to(ROOT))
        found += scrape_problems(config.read_text(), compose.read_text(), where)
    for directory in K8S_MANIFESTS:
        manifests = "\n---\n".join(path.read_text() for path in sorted(directory.glob("*.yaml")))
        where = f"{K8S_SCRAPE.relative_to(ROOT)} on {directory.relative_to(ROOT)}"
        found += k8s_scrape_problems(K8S_SCRAPE.read_text(), manifests, where)
    for line in found:
        print(f"deploy/check.py: {line}", file=sys.stderr)
    if not found:
        print(
            "deploy/check.py: alert rules and dashboard queries parse and name known metrics; "
            "the scrape configurations (compose and k8s) find every process that serves metrics"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
