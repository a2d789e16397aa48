"""Every rule's fixture folder gives exactly the findings written in it."""

from __future__ import annotations

import os

import pytest
from conftest import FIXTURES, check_golden
from fixture_harness import expectations, own_files, sub_projects

from migration_gate.core.rules import registry

RULES_DIR = FIXTURES / "rules"
# Rules whose findings need a base commit or a database; they are tested by
# scenario tests (tests/test_history*.py, tests/test_verify*.py) instead.
NO_FOLDER_FIXTURE = {r.name for r in registry.ALL_RULES if getattr(r, "produced_by", None) in ("history", "verify")}


def fixture_folders():
    return sorted(p for p in RULES_DIR.iterdir() if p.is_dir())


def test_every_rule_has_a_fixture():
    names = {p.name for p in fixture_folders()}
    missing = sorted(r.name for r in registry.ALL_RULES if r.name not in names and r.name not in NO_FOLDER_FIXTURE)
    assert not missing, f"rules without fixtures/rules/<name>/: {missing}"
    unknown = sorted(n for n in names if registry.lookup(n) is None)
    assert not unknown, f"fixture folders named after no rule: {unknown}"


@pytest.mark.parametrize("folder", fixture_folders(), ids=lambda p: p.name)
def test_rule_fixture(folder, cli):
    rule = registry.lookup(folder.name)
    expected = expectations(folder)
    assert expected or (folder / "NO_FINDINGS").exists(), f"{folder} expects nothing; add -- expect: lines"
    actual = []
    runs = [(folder, [str(p.relative_to(folder)) for p in own_files(folder)])]
    runs += [(sub, ["."]) for sub in sub_projects(folder)]
    for cwd, paths in runs:
        if not paths:
            continue
        result = cli("check", *paths, "--format", "json", cwd=cwd)
        assert result.code in (0, 1), result.err
        prefix = cwd.relative_to(folder)
        actual += [
            (os.path.normpath(prefix / v["path"]).replace(os.sep, "/"), v["line"], v["code"])
            for v in result.json()["violations"]
            if v["code"] == rule.code
        ]
    assert sorted(actual) == expected


@pytest.mark.parametrize("folder", fixture_folders(), ids=lambda p: p.name)
def test_rule_fixture_rendered(folder, cli):
    """The fixture's text report with only its rule on (line, column, message, help), as a golden file per
    rule (tests/golden/rules/RULE.txt; MG_UPDATE_GOLDEN=1 rewrites them): what a (line, code) set misses,
    a column off by two or a message that lost its table name, shows in review."""
    rule = registry.lookup(folder.name)
    parts = []
    runs = [(folder, [str(p.relative_to(folder)) for p in own_files(folder)])]
    runs += [(sub, ["."]) for sub in sub_projects(folder)]
    for cwd, paths in runs:
        if not paths:
            continue
        result = cli("check", *paths, "--rule", rule.name, "--no-cache", cwd=cwd, env={"NO_COLOR": "1"})
        assert result.code in (0, 1), result.err
        heading = f"## {cwd.relative_to(folder).as_posix()}" if cwd != folder else "## ."
        parts.append(f"{heading}\n{result.out}")
    check_golden(f"rules/{rule.name}.txt", "\n".join(parts))
