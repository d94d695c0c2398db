"""The examples in README.md and docs/ that claim to run, as written.

A fenced block claims to run when its info string says ``run`` after the language:
```` ```python run ```` or ```` ```sh run ````. Python blocks are executed in a fresh
namespace in the test process (Django set up, a test database); shell blocks by
``bash -euo pipefail`` at the repository root with ``.venv/bin`` first on ``PATH``;
```` ```sh run server ```` blocks talk to a live server with the demo data, at ``$BASE``
(the block defaults it to ``make run``'s address; the test points it at its own server).
docs/tutorial.md's ```` ```sh tutorial ```` blocks are steps, run in order in a copy of the
project by tests/docs/test_tutorial.py. Blocks without ``run`` are illustrations (synopses
with ``[--flag]``, fragments with ``...``).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNABLE = {"python", "sh", "bash", "shell"}
_FENCE = re.compile(r"^```(?P<info>[^`\n]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    path: Path
    line: int
    language: str
    code: str
    server: bool = False

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def examples_in(path: Path, tag: str = "run") -> list[Example]:
    """The blocks of ``path`` whose info string is ``<language> <tag>``, in order."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        words = match["info"].split()
        if len(words) >= 2 and words[0] in RUNNABLE and tag in words[1:]:
            line = text.count("\n", 0, match.start()) + 1
            found.append(Example(path, line, words[0], match["body"], "server" in words[2:]))
    return found


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def all_examples() -> list[Example]:
    return [example for path in documents() for example in examples_in(path)]


def run_shell(example: Example, *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    """Run a shell block by ``bash -euo pipefail`` in ``cwd``; its stdout, failing the test
    with both outputs unless it exits 0."""
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example.code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{example.id}:\n{result.stdout}\n{result.stderr}"
    return result.stdout
