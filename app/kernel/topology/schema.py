"""The shape of a topology file (``topologies/<name>.toml``), validated with pydantic.

A topology groups modules into services. Each service names the modules it hosts, the
database alias its tables live in and the base URL other services call it at; a resilience
policy per remote module (timeout, retries, breaker, concurrency) applies to every call into
that module from another service, with defaults. Structural rules (a module hosted once,
aliases not shared, no unknown keys) are checked here; rules that need the manifests
(``depends_on`` reachable, no cycle of synchronous calls) in :mod:`.validation`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_DATABASE = "default"


class TopologyError(ValueError):
    """A topology file that cannot be used; the message says what to fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resilience(_Strict):
    """How callers in another service call a module: every field has a default."""

    timeout_seconds: float = Field(2.0, gt=0, le=60, description="per attempt")
    retries: int = Field(2, ge=0, le=10, description="extra attempts, idempotent functions only")
    backoff_seconds: float = Field(0.05, ge=0, le=10, description="first retry delay (jittered)")
    breaker_failures: int = Field(5, ge=1, le=1000, description="consecutive failures to open")
    breaker_reset_seconds: float = Field(10.0, gt=0, le=3600, description="open before a probe")
    max_concurrency: int = Field(32, ge=1, le=10_000, description="calls in flight at once")


class ResilienceOverride(_Strict):
    """A partial :class:`Resilience`: only the fields given replace the defaults."""

    timeout_seconds: float | None = Field(None, gt=0, le=60)
    retries: int | None = Field(None, ge=0, le=10)
    backoff_seconds: float | None = Field(None, ge=0, le=10)
    breaker_failures: int | None = Field(None, ge=1, le=1000)
    breaker_reset_seconds: float | None = Field(None, gt=0, le=3600)
    max_concurrency: int | None = Field(None, ge=1, le=10_000)

    def over(self, base: Resilience) -> Resilience:
        return base.model_copy(update=self.model_dump(exclude_none=True))


class ResiliencePolicies(_Strict):
    default: Resilience = Resilience()
    modules: dict[str, ResilienceOverride] = {}


class Service(_Strict):
    """One deployable process group: its modules, its database alias, its base URL."""

    name: str = ""  # filled from the key in ``[services.<name>]``
    modules: tuple[str, ...]
    database: str = DEFAULT_DATABASE
    url: HttpUrl | None = None

    @field_validator("modules")
    @classmethod
    def _some_modules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a service hosts at least one module")
        if len(set(value)) != len(value):
            raise ValueError("a module is listed twice")
        return value

    @field_validator("database")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a database alias is a lowercase identifier (default, payments)")
        return value

    @property
    def base_url(self) -> str | None:
        return None if self.url is None else str(self.url).rstrip("/")


class Topology(_Strict):
    """A deployable shape: which service hosts which module, on which database."""

    name: str = ""
    description: str = ""
    in_process: bool = Field(
        False, description="only for a process playing every service (the split test mode)"
    )
    services: dict[str, Service]
    resilience: ResiliencePolicies = ResiliencePolicies()

    @model_validator(mode="after")
    def _structure(self) -> Topology:
        if not self.services:
            raise ValueError("a topology has at least one service")
        named = {}
        for key, service in self.services.items():
            if not _NAME.match(key):
                raise ValueError(f"service name {key!r} must be a lowercase identifier")
            named[key] = service.model_copy(update={"name": key})
        object.__setattr__(self, "services", named)
        hosts: dict[str, str] = {}
        for service in named.values():
            for module in service.modules:
                if module in hosts:
                    raise ValueError(
                        f"module {module!r} is hosted by both {hosts[module]!r} and "
                        f"{service.name!r}: a module lives in exactly one service"
                    )
                hosts[module] = service.name
        aliases: dict[str, str] = {}
        for service in named.values():
            if service.database in aliases:
                raise ValueError(
                    f"services {aliases[service.database]!r} and {service.name!r} share the "
                    f"database {service.database!r}: each service owns its database"
                )
            aliases[service.database] = service.name
        if DEFAULT_DATABASE not in aliases:
            raise ValueError(
                "one service's database must be 'default' (it also holds Django's shared "
                "tables: sessions, content types)"
            )
        unknown = sorted(set(self.resilience.modules) - set(hosts))
        if unknown:
            raise ValueError(f"resilience policy for modules no service hosts: {unknown}")
        return self

    def restricted_to(self, modules: Iterable[str]) -> Topology:
        """This topology hosting only ``modules`` (a module-sliced test run): services lose
        the other modules, services left empty go, and so do the policies of modules gone
        (a slice keeps the module owning ``auth``, whose service is on ``default``)."""
        keep = set(modules)
        services = {}
        for name, service in self.services.items():
            hosted = [m for m in service.modules if m in keep]
            if hosted:
                services[name] = {**service.model_dump(exclude={"name"}), "modules": hosted}
        data = self.model_dump(exclude={"services", "resilience"})
        policies = self.resilience.model_dump()
        policies["modules"] = {m: p for m, p in policies["modules"].items() if m in keep}
        return Topology.model_validate({**data, "services": services, "resilience": policies})

    # -- lookups ---------------------------------------------------------------------------
    @cached_property
    def hosts(self) -> dict[str, Service]:
        """Module → the service hosting it (built once: every api call asks)."""
        return {m: service for service in self.services.values() for m in service.modules}

    @property
    def modules(self) -> tuple[str, ...]:
        return tuple(self.hosts)

    def service_of(self, module: str) -> Service:
        try:
            return self.hosts[module]
        except KeyError:
            raise TopologyError(
                f"no service of topology {self.name!r} hosts module {module!r}"
            ) from None

    def database_of(self, module: str) -> str:
        """The alias of ``module``'s database. A module the topology does not list (a
        test's throwaway module) lives on ``default``; for the project's own modules the
        ``seams.E011`` check makes that an error."""
        service = self.hosts.get(module)
        return DEFAULT_DATABASE if service is None else service.database

    def databases(self) -> tuple[str, ...]:
        return tuple(service.database for service in self.services.values())

    def resilience_for(self, module: str) -> Resilience:
        """The policy for calls into ``module`` from another service."""
        override = self.resilience.modules.get(module)
        base = self.resilience.default
        return override.over(base) if override else base
