"""The ratios of a ``make bench-checkout`` run, its table in docs/benchmarks.md and its plot.

The table goes between ``<!-- bench-checkout:LABEL:begin -->`` and ``...:end -->`` markers
(appended to the "Checkout" section when a label is new); the plot is
``docs/img/checkout-LABEL.png``: throughput and latency against concurrency.
"""

from __future__ import annotations

import re
from pathlib import Path

TARGETS = {"checkout / baseline": 0.25, "post / baseline": 0.50}


def _by_concurrency(phases: list[dict]) -> dict[int, dict]:
    return {phase["concurrency"]: phase for phase in phases}


def ratios(results: dict) -> dict:
    """Peak against peak, and per concurrency, of the rates measured in this run."""
    phases = results["phases"]
    base = _by_concurrency(phases["baseline"])
    peak = {name: max(p["rate"] for p in phases[name]) for name in phases}
    out = {
        "checkout / baseline": _ratio(peak["checkout"], peak["baseline"]),
        "post / baseline": _ratio(peak["post"], peak["baseline"]),
        "per concurrency": {
            c: {
                "checkout / baseline": _ratio(phase["rate"], base[c]["rate"]),
                "post / baseline": _ratio(
                    _by_concurrency(phases["post"])[c]["rate"], base[c]["rate"]
                ),
            }
            for c, phase in _by_concurrency(phases["checkout"]).items()
        },
    }
    open_loop = results["open_loop"]
    out["p99 at half the peak rate, ms"] = open_loop["p99_ms"]
    return out


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _f(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def table(results: dict) -> str:
    phases = results["phases"]
    base = _by_concurrency(phases["baseline"])
    post = _by_concurrency(phases["post"])
    r = results["ratios"]
    lines = [
        f"Run `{results['label']}` ({results['system']}), {results['started']}, "
        f"{results['config']['seconds']:.0f} s per phase, {results['minutes']} min in all, "
        f"load average at the end {results['load_average'][0]}:",
        "",
        "| c | baseline req/s (p50/p99 ms) | POST alone req/s (p50/p99 ms) | checkout "
        "confirmed/s (p50/p99 ms) | checkout / baseline | POST / baseline |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in phases["checkout"]:
        c = phase["concurrency"]
        b, p = base[c], post[c]
        per = r["per concurrency"].get(c) or r["per concurrency"][str(c)]  # from JSON: str
        lines.append(
            f"| {c} | {_f(b['rate'])} ({_f(b['p50_ms'], 0)}/{_f(b['p99_ms'], 0)}) "
            f"| {_f(p['rate'])} ({_f(p['p50_ms'], 0)}/{_f(p['p99_ms'], 0)}) "
            f"| {_f(phase['rate'])} ({_f(phase['p50_ms'], 0)}/{_f(phase['p99_ms'], 0)}) "
            f"| {_f(per['checkout / baseline'], 3)} | {_f(per['post / baseline'], 3)} |"
        )
    o = results["open_loop"]
    lines += [
        "",
        f"Peak against peak: checkout / baseline **{_f(r['checkout / baseline'], 3)}** "
        f"(target ≥ {TARGETS['checkout / baseline']}), POST alone / baseline "
        f"**{_f(r['post / baseline'], 3)}** (target ≥ {TARGETS['post / baseline']}). "
        f"Open loop at half the peak checkout rate ({_f(o['offered_rate'], 2)} orders/s "
        f"offered, {_f(o['rate'])} confirmed/s): POST → confirmed p50 {_f(o['p50_ms'], 0)} ms, "
        f"**p99 {_f(o['p99_ms'], 0)} ms** (target < 1,000 ms; the database's own "
        f"created → confirmed p99 {_f(o['server']['p99_ms'], 0)} ms).",
        "",
        "Invariants after the run (counted from the database): "
        + ", ".join(f"{name} {n}" for name, n in sorted(results["violations"].items()))
        + ".",
    ]
    lines += _cpu_lines(phases["checkout"], base)
    for name, roles in results.get("profiles", {}).items():
        lines += ["", f"Profile ({name}, py-spy, % of each role's samples, idle included):", ""]
        lines += profile_table(roles)
    return "\n".join(lines)


def _cpu_all(value) -> float | None:
    """A phase's CPU per operation: a number (older results) or ``{"all": ..., role: ...}``."""
    return value.get("all") if isinstance(value, dict) else value


def _cpu_lines(checkouts: list[dict], base: dict[int, dict]) -> list[str]:
    rows = []
    for phase in checkouts:
        b = _cpu_all(base[phase["concurrency"]].get("cpu_ms_per_op"))
        k = phase.get("cpu_ms_per_op")
        if not (b and _cpu_all(k)):
            continue
        roles = (
            ", ".join(f"{r} {_f(v)}" for r, v in k.items() if r != "all")
            if isinstance(k, dict)
            else ""
        )
        rows.append(
            f"| {phase['concurrency']} | {_f(b)} | {_f(_cpu_all(k))} | "
            f"{_f(_ratio(_cpu_all(k), b), 1)}x | {roles} |"
        )
    if not rows:
        return []
    return [
        "",
        "CPU per operation (user + system of every server process and of its PostgreSQL "
        "backends, ms; the checkout's includes its polls and both reactions):",
        "",
        "| c | baseline request | checkout | ratio | checkout by role |",
        "| ---: | ---: | ---: | ---: | --- |",
        *rows,
    ]


def profile_table(roles: dict[str, dict[str, float]]) -> list[str]:
    names = [role for role in ("web", "worker", "relay") if role in roles]
    categories: list[str] = []
    for role in names:
        categories += [c for c in roles[role] if c != "samples" and c not in categories]
    lines = ["| where | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for category in categories:
        cells = " | ".join(_f(roles[role].get(category, 0.0)) for role in names)
        lines.append(f"| {category} | {cells} |")
    lines.append("| samples | " + " | ".join(str(roles[r]["samples"]) for r in names) + " |")
    return lines


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    phases = results["phases"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for name, label in (
        ("baseline", "baseline: one-INSERT POST, req/s"),
        ("post", "POST /api/v1/orders/ alone, req/s"),
        ("checkout", "checkout: orders confirmed/s"),
    ):
        xs = [p["concurrency"] for p in phases[name]]
        left.plot(xs, [p["rate"] for p in phases[name]], marker="o", label=label)
    left.set_yscale("log")
    left.set_xlabel("concurrent clients")
    left.set_ylabel("per second (log)")
    left.set_title("Throughput")
    left.legend(fontsize=8)
    xs = [p["concurrency"] for p in phases["checkout"]]
    for key, label in (("p50_ms", "checkout p50"), ("p99_ms", "checkout p99")):
        right.plot(xs, [p[key] for p in phases["checkout"]], marker="o", label=label)
    right.plot(xs, [p["p99_ms"] for p in phases["baseline"]], marker=".", ls=":",
               label="baseline p99")  # fmt: skip
    right.axhline(1000, color="grey", lw=0.8, ls="--")
    right.set_xlabel("concurrent clients")
    right.set_ylabel("ms, POST → confirmed")
    right.set_title("Latency")
    right.legend(fontsize=8)
    fig.suptitle(f"make bench-checkout: {results['label']} ({results['started']})", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(results: dict, root: Path) -> None:
    label = results["label"]
    image = root / "docs" / "img" / f"checkout-{label}.png"
    plot(results, image)
    body = table(results) + f"\n\n![checkout {label}](img/{image.name})"
    begin, end = f"<!-- bench-checkout:{label}:begin -->", f"<!-- bench-checkout:{label}:end -->"
    docs = root / "docs" / "benchmarks.md"
    text = docs.read_text()
    block = f"{begin}\n{body}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    docs.write_text(text)


def peak(run: dict, name: str) -> float:
    return max(p["rate"] for p in run["phases"][name])


def comparison(runs: list[dict]) -> str:
    """Systems measured in one run, each against the first: peak checkout rate, peak POST
    rate, and each one's own baseline (the machine's state while it ran)."""
    first = runs[0]
    lines = [
        "| system | baseline req/s | POST alone req/s | checkout confirmed/s | checkout vs "
        f"`{first['system']}` | checkout / own baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| `{run['system']}` | {_f(peak(run, 'baseline'))} | {_f(peak(run, 'post'))} "
            f"| {_f(peak(run, 'checkout'))} "
            f"| {_f(_ratio(peak(run, 'checkout'), peak(first, 'checkout')), 2)}x "
            f"| {_f(run['ratios']['checkout / baseline'], 3)} |"
        )
    return "\n".join(lines)


def main() -> None:
    """``python -m bench.checkout.report RESULTS.json ...``: the docs from saved results (the
    table and plot of each; the comparison when several are given, printed)."""
    import json
    import sys

    root = Path(__file__).resolve().parents[2]
    runs = [json.loads(Path(name).read_text()) for name in sys.argv[1:]]
    for run in runs:
        write(run, root)
    if len(runs) > 1:
        print(comparison(runs))


if __name__ == "__main__":
    main()
