"""make test-changed: the modules a change touches and their dependents, from the manifests."""

import subprocess

import pytest

from app.kernel.boundaries.affected import EVERYTHING, changed_files, touched, with_dependents
from app.kernel.modules import manifests


@pytest.mark.parametrize(
    ("paths", "selected"),
    [
        (["modules/catalog/services.py"],
         {"catalog", "inventory", "orders", "notifications", "analytics"}),
        (["tests/modules/payments/test_http.py"],
         {"payments", "orders", "notifications", "analytics"}),
        (["contracts/api/analytics.json", "docs/saga.md"], {"analytics"}),
        (["modules/accounts/api.py"], {"accounts"}),
        (["docs/tutorial.md", "README.md"], set()),
    ],
)  # fmt: skip
def test_a_change_selects_its_modules_and_every_module_depending_on_them(paths, selected):
    assert with_dependents(touched(paths, manifests()), manifests()) == selected


@pytest.mark.parametrize(
    "path", ["app/kernel/events/bus.py", "app/settings.py", "tests/conftest.py", "pyproject.toml"]
)
def test_a_change_outside_the_modules_selects_the_whole_suite(path):
    assert touched(["modules/orders/api.py", path], manifests()) is EVERYTHING


def test_changed_files_are_committed_staged_unstaged_and_untracked_changes(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty",
        "-m", "base")  # fmt: skip
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    (tmp_path / "modules" / "orders").mkdir(parents=True)
    (tmp_path / "modules" / "orders" / "api.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "orders")
    (tmp_path / "modules" / "orders" / "api.py").write_text("x = 2\n")
    (tmp_path / "new.txt").write_text("untracked\n")
    assert changed_files(base, str(tmp_path)) == ["modules/orders/api.py", "new.txt"]
    assert changed_files("HEAD", str(tmp_path)) == ["modules/orders/api.py", "new.txt"]
