"""One fixture project per layout (fixtures/layouts/<layout>/): found with no configuration (or the one it
holds), and exactly the findings its `-- expect:` comments (and expected.txt) name, every rule enabled."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURES
from fixture_harness import expectations

from migration_gate.core.runners import LAYOUTS

LAYOUT_FIXTURES = FIXTURES / "layouts"


def test_every_layout_has_a_fixture_project():
    assert sorted(p.name for p in LAYOUT_FIXTURES.iterdir() if p.is_dir()) == sorted(LAYOUTS)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layout_fixture(layout, cli, tmp_path):
    # A copy outside this repository: inside a clone with origin/main the base would be found and the
    # fixture (unchanged against it) would report nothing.
    folder = tmp_path / layout
    shutil.copytree(LAYOUT_FIXTURES / layout, folder)
    result = cli("check", "--no-cache", "--format", "json", cwd=folder)
    assert result.code in (0, 1), result.err
    lines = [line for line in result.err.splitlines() if line.startswith("migration-gate: ")]
    if (folder / ".migration-gate.yml").exists():
        assert lines == []  # the configuration names the layout: nothing to find
    else:
        assert lines and all(line.split(": ", 2)[2].startswith(f"{layout} (") for line in lines), lines
    actual = sorted((v["path"], v["line"], v["code"]) for v in result.json()["violations"])
    assert actual == expectations(folder)
