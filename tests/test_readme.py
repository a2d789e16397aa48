"""The README's promises: the two commands, the CI script running the test command, the demo output."""

from __future__ import annotations

import re

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_the_two_commands():
    install_and_demo, tests = _commands()[:2]
    assert "migration-gate check fixtures/guide/migrations" in install_and_demo
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _commands()[1]
    assert test_command in ci.splitlines()


def test_demo_excerpt_is_what_the_demo_prints(cli):
    excerpt = re.search(r"<!-- demo-output.*?-->\n```text\n(.*?)```", README, re.S).group(1)
    result = cli("check", "fixtures/guide/migrations", cwd=REPO, env={"NO_COLOR": "1"})
    assert result.code == 1
    printed = result.out.splitlines()
    for line in excerpt.splitlines():
        if line and line != "…":
            assert line in printed, f"README demo line no longer printed: {line!r}"


def test_runners_table_is_generated_from_the_runner_modules():
    from migration_gate.docs import render_layouts_table

    block = re.search(r"<!-- runners:start -->\n(.*?)<!-- runners:end -->", README, re.S).group(1)
    assert block == render_layouts_table(prefix="rules/layouts/")


def test_squawk_table_is_generated_from_the_registry():
    import os

    from migration_gate.docs import render_squawk_table

    table = render_squawk_table(prefix="rules/")
    match = re.search(r"(<!-- squawk-table:.*?-->\n)(.*?)(<!-- squawk-table:end -->)", README, re.S)
    assert match, "README has no squawk table block"
    if os.environ.get("MG_UPDATE_GOLDEN") == "1":
        (REPO / "README.md").write_text(README.replace(match.group(2), table), encoding="utf-8")
        return
    assert match.group(2) == table, "README's squawk table is stale: MG_UPDATE_GOLDEN=1 pytest tests/test_readme.py"
    assert table.count("\n| `") == 78  # 76 rules, require-timeout-settings, prefer-timestamptz
