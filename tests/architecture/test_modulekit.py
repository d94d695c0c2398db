"""The module kit's own rules (the whole path, startmodule to removemodule, is
tests/docs/test_tutorial.py): what it refuses before writing anything, and that registering
and unregistering a module in a topology give back the file as it was."""

import pytest
from django.core.management import CommandError, call_command

from app.kernel import modulekit
from app.kernel.boundaries.describe import repo_root


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["orders"], "exists already"),
        (["Reviews"], "lowercase Python identifier"),
        (["reviews", "--depends-on", "orders,nosuch"], "no such module nosuch"),
        (["reviews", "--entity", "review"], "CamelCase"),
    ],
)
def test_startmodule_refuses_before_writing_anything(args, message):
    with pytest.raises((CommandError, ValueError), match=message):
        call_command("startmodule", *args)
    assert not (repo_root() / "modules" / "reviews").exists()


def test_removemodule_refuses_a_module_others_depend_on():
    with pytest.raises(CommandError, match="depend on catalog"):
        call_command("removemodule", "catalog")


@pytest.mark.parametrize("topology", modulekit.topology_files(), ids=lambda path: path.stem)
def test_a_module_hosted_then_dropped_leaves_each_topology_as_it_was(topology, tmp_path, settings):
    copy = tmp_path / "topologies" / topology.name
    copy.parent.mkdir()
    copy.write_text(topology.read_text())
    settings.BASE_DIR = tmp_path
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text('SEAMS_MODULES = [\n    "modules.accounts",\n]\n')
    modulekit.register("reviews")
    hosted = copy.read_text()
    assert '"reviews"' in hosted and hosted != topology.read_text()
    assert '    "modules.reviews",\n]' in (tmp_path / "app" / "settings.py").read_text()
    modulekit.unregister("reviews")
    assert copy.read_text() == topology.read_text()
    assert "reviews" not in (tmp_path / "app" / "settings.py").read_text()
