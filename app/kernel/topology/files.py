"""Reading topology files and deriving what a process needs from them before Django is set
up: its service and its ``DATABASES``. Imports nothing of Django's settings, so
``app/settings.py`` can use it."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import environ
from pydantic import ValidationError

from app.kernel.topology.schema import DEFAULT_DATABASE, Service, Topology, TopologyError

TOPOLOGIES_DIR = Path(__file__).resolve().parents[3] / "topologies"


def path_of(name_or_path: str) -> Path:
    """``monolith`` → ``topologies/monolith.toml``; a path (with ``/`` or ``.toml``) as is."""
    if "/" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    return TOPOLOGIES_DIR / f"{name_or_path}.toml"


def shipped() -> list[str]:
    """Names of the topologies committed under ``topologies/``."""
    return sorted(p.stem for p in TOPOLOGIES_DIR.glob("*.toml"))


def load(name_or_path: str) -> Topology:
    """Parse and validate a topology file; :class:`TopologyError` says what is wrong."""
    path = path_of(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TopologyError(
            f"no topology {name_or_path!r} ({path}); shipped: {', '.join(shipped())}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise TopologyError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Topology.model_validate({"name": path.stem, **data})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'topology'}: {error['msg']}"
            for error in exc.errors()
        )
        raise TopologyError(f"{path}: {problems}") from None


def service_named(topology: Topology, name: str) -> Service:
    try:
        return topology.services[name]
    except KeyError:
        raise TopologyError(
            f"SEAMS_SERVICE={name!r} is not a service of topology {topology.name!r} "
            f"(services: {', '.join(topology.services)})"
        ) from None


def derived_database_url(url: str, alias: str) -> str:
    """The URL of database ``alias`` derived from the main one: the database name gets the
    suffix ``_<alias>`` (``postgres://h/seams`` → ``postgres://h/seams_payments``;
    ``sqlite:///db.sqlite3`` → ``sqlite:///db_payments.sqlite3``)."""
    base, question, query = url.partition("?")
    head, slash, name = base.rpartition("/")
    if base.startswith("sqlite") and "." in name:
        stem, _, ext = name.rpartition(".")
        name = f"{stem}_{alias}.{ext}"
    else:
        name = f"{name}_{alias}"
    return f"{head}{slash}{name}{question}{query}"


def database_url(alias: str, main_url: str, environ_: Mapping[str, str] | None = None) -> str:
    """``DATABASE_URL_<ALIAS>`` when set, else :func:`derived_database_url`."""
    environ_ = os.environ if environ_ is None else environ_
    return environ_.get(f"DATABASE_URL_{alias.upper()}") or derived_database_url(main_url, alias)


def databases(
    topology: Topology,
    service: str,
    main: dict[str, Any],
    main_url: str,
    environ_: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """``DATABASES`` for a process of ``service`` (``""``: a process playing every service).

    A service's process knows only its own database, as ``default`` (it cannot reach another
    module's tables, by construction). A process playing every service (the monolith, the
    split test mode) has one alias per service database; ``main`` (from ``DATABASE_URL``)
    is ``default``, the others are derived from ``main_url``. Engine options set on
    ``main`` carry over.
    """
    per_database = {"NAME", "USER", "PASSWORD", "HOST", "PORT", "TEST"}
    options = {k: v for k, v in main.items() if k not in per_database}

    def alias_settings(alias: str) -> dict[str, Any]:
        parsed = environ.Env.db_url_config(database_url(alias, main_url, environ_))
        return {**options, **parsed, "OPTIONS": dict(main.get("OPTIONS", {}))}

    if service:
        if topology.in_process:
            raise TopologyError(
                f"topology {topology.name!r} runs in one process only: unset SEAMS_SERVICE"
            )
        own = service_named(topology, service).database
        return {"default": main if own == DEFAULT_DATABASE else alias_settings(own)}
    found = {"default": main}
    for alias in topology.databases():
        if alias != DEFAULT_DATABASE:
            found[alias] = alias_settings(alias)
    return found
