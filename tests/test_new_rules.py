"""The rules added for issue 13 across rules: one reason reported once, two reasons twice; DO blocks; levels."""

from __future__ import annotations

import re

import pytest
import yaml

from migration_gate.core.rules import registry
from migration_gate.core.rules.base import StatementRule
from migration_gate.core.severity import Severity
from migration_gate.docs import rule_doc

NEW_CODES = {f"MG{n}" for n in (*range(120, 127), *range(505, 512), *range(601, 626), 701, 702)}
NEW_RULES = [r for r in registry.sorted_rules() if r.code in NEW_CODES]


def _run(cli, tmp_path, sql: str, settings: dict):
    project = tmp_path / "p"
    (project / "migrations").mkdir(parents=True, exist_ok=True)
    (project / ".migration-gate.yml").write_text(yaml.safe_dump(settings))
    (project / "migrations" / "V1__x.sql").write_text(sql)
    result = cli("check", "migrations/V1__x.sql", "--format", "json", "--no-cache", cwd=project)
    assert result.code in (0, 1), result.err
    return [(v["line"], v["rule"], v["message"]) for v in result.json()["violations"]]


def test_the_new_rules_are_all_there():
    assert len(NEW_RULES) == 41
    assert {r.family_name() for r in NEW_RULES if r.code.startswith("MG6")} == {"compatibility"}


def test_a_lock_reason_and_a_compatibility_reason_are_two_findings_that_say_which(cli, tmp_path):
    settings = {"rules": {"dropped-object": {"objects": ["index"]}, "non-concurrent-index-drop": "error"}}
    found = _run(cli, tmp_path, "DROP INDEX idx_orders_total;\n", settings)
    by_rule = {rule: message for _, rule, message in found}
    assert "ACCESS EXCLUSIVE lock" in by_rule["non-concurrent-index-drop"]
    assert by_rule["dropped-object"] == (
        "dropping index idx_orders_total breaks queries of the application release still running during the deploy "
        "that still use it"
    )


def test_one_reason_is_reported_once(cli, tmp_path):
    sql = (
        "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);\n"  # MG123, not MG113
        "CREATE TABLE t (id int PRIMARY KEY, n int);\n"  # int-primary-key for id, integer-column for n only
        "TRUNCATE users CASCADE;\n"  # two reasons: the named table's lock, the tables it reaches
    )
    found = _run(cli, tmp_path, sql, {"preset": "strict"})
    rules = sorted((line, rule) for line, rule, _ in found if not rule.startswith("missing-"))
    assert rules == [
        (1, "exclusion-constraint-builds-index"),
        (1, "new-write-restriction"),
        (2, "int-primary-key"),
        (2, "integer-column"),
        (3, "blocking-maintenance-operation"),
        (3, "truncate-cascade"),
    ]
    messages = {rule: message for line, rule, message in found if line == 2}
    assert "primary key t.id" in messages["int-primary-key"] and "t.n is a 32-bit" in messages["integer-column"]


def _in_do_block(sql: str) -> str:
    """Each statement of an Example (but SET) run by a DO block's EXECUTE of a string constant."""
    from pglast import parser

    out = []
    for raw in parser.split(sql):
        if re.match(r"\s*(SET|BEGIN|COMMIT)\b", raw, re.I):
            out.append(raw + ";")
        else:
            out.append("DO $mg$ BEGIN EXECUTE '" + raw.replace("'", "''") + "'; END $mg$;")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    "rule",
    [r for r in NEW_RULES if issubclass(r, StatementRule) and r.in_do_blocks and r.name != "dropped-database"],
    ids=lambda r: r.name,
)
def test_every_new_statement_rule_sees_inside_do_blocks(rule, cli, tmp_path):
    """The Example of each rule's page, run from a DO block, still triggers it (DROP DATABASE cannot run in one)."""
    _, example = rule_doc(rule).code_block("Example")
    body = "\n".join(line for line in example.splitlines() if not line.startswith("--"))
    found = _run(cli, tmp_path, _in_do_block(body), {**rule.example_config, "rules": {rule.name: "error"}})
    assert any(r == rule.name for _, r, _ in found), f"{rule.name}: nothing inside the DO block"


@pytest.mark.parametrize("rule", NEW_RULES, ids=lambda r: r.name)
def test_every_level_is_explained_on_the_page(rule):
    """A gate, not a style guide: each page says why the rule has its level."""
    text = rule_doc(rule).sections["Why is this bad?"]
    assert "Level:" in text or rule.default_level("recommended") == rule.default_level("strict") == Severity.INFO
    if rule.default_level("recommended") == Severity.ERROR:
        assert rule.family_name() in ("lock", "compatibility", "correctness")
