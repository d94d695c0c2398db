"""The ratchet: a committed file of known violations that CI tolerates, and only lets shrink.

``boundaries-baseline.toml`` at the repository root (``settings.SEAMS_BOUNDARIES_BASELINE``
overrides the path) has two kinds of entries::

    [[checks]]                       # a system-check finding, matched by id and key
    id = "seams.E001"
    key = "orders.Order.customer -> accounts.User"
    reason = "ORD-123: replace the FK by customer_id"

    [[imports]]                      # an import that breaks one import-linter contract
    contract = "orders-uses-only-declared-modules"
    import = "modules.orders.services -> modules.analytics.api"
    reason = "ORD-124: move the report into analytics"

Check entries silence exactly the finding whose ``key`` the check prints; an entry that no
longer matches any finding is itself an error (``seams.E010``), so fixing a violation forces
deleting its entry. Import entries become ``ignore_imports`` lines of the generated
``importlinter.ini``; import-linter fails on an ignore that matches no import
(``unmatched_ignore_imports_alerting = error``), which is the same ratchet for imports.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BASELINE_FILENAME = "boundaries-baseline.toml"


@dataclass(frozen=True)
class CheckEntry:
    id: str
    key: str
    reason: str


@dataclass(frozen=True)
class ImportEntry:
    contract: str
    importer: str
    imported: str
    reason: str

    @property
    def expression(self) -> str:
        return f"{self.importer} -> {self.imported}"


@dataclass(frozen=True)
class Baseline:
    checks: tuple[CheckEntry, ...] = ()
    imports: tuple[ImportEntry, ...] = ()

    def tolerates(self, check_id: str, key: str) -> bool:
        return any(entry.id == check_id and entry.key == key for entry in self.checks)


class BaselineError(ValueError):
    pass


def baseline_path() -> Path:
    configured = getattr(settings, "SEAMS_BOUNDARIES_BASELINE", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / BASELINE_FILENAME


def load(path: Path | None = None) -> Baseline:
    """Read the baseline; a missing file is an empty baseline."""
    path = path or baseline_path()
    if not path.exists():
        return Baseline()
    return parse(path.read_text(encoding="utf-8"), source=str(path))


def parse(text: str, *, source: str = BASELINE_FILENAME) -> Baseline:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"checks", "imports"}
    if unknown:
        raise BaselineError(f"{source}: unknown sections {sorted(unknown)}; use checks, imports")
    checks = []
    for n, raw in enumerate(data.get("checks", []), 1):
        _require(raw, ("id", "key", "reason"), f"{source}: checks entry {n}")
        checks.append(CheckEntry(id=raw["id"], key=raw["key"], reason=raw["reason"]))
    imports = []
    for n, raw in enumerate(data.get("imports", []), 1):
        _require(raw, ("contract", "import", "reason"), f"{source}: imports entry {n}")
        importer, sep, imported = raw["import"].partition(" -> ")
        if not sep or not importer.strip() or not imported.strip():
            raise BaselineError(
                f"{source}: imports entry {n}: import must read 'importer -> imported'"
            )
        imports.append(
            ImportEntry(
                contract=raw["contract"],
                importer=importer.strip(),
                imported=imported.strip(),
                reason=raw["reason"],
            )
        )
    return Baseline(checks=tuple(checks), imports=tuple(imports))


def _require(raw: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if not str(raw.get(key, "")).strip()]
    if missing:
        raise BaselineError(f"{where}: missing {', '.join(missing)} (every entry needs a reason)")
