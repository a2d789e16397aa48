"""squawk users keep their configuration, comments and rule names: .squawk.toml, squawk-ignore, aliases, rules --format json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_gate.config import load_config, parse_config
from migration_gate.core.rules import registry
from migration_gate.core.severity import Severity
from migration_gate.errors import ConfigError
from migration_gate.squawk_config import ALSO_ACCEPTED, RULES_2_70, rule_settings, translate


def _project(tmp_path: Path, toml: str | None, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir(parents=True)
    if toml is not None:
        (tmp_path / ".squawk.toml").write_text(toml)
    for name, text in files.items():
        path = tmp_path / "migrations" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _found(result) -> list[tuple[str, int, str]]:
    return sorted((v["path"], v["line"], v["rule"]) for v in result.json()["violations"])


# ----------------------------------------------------------------------------- .squawk.toml


def test_squawk_toml_is_read_when_there_is_no_migration_gate_config(cli, tmp_path):
    project = _project(
        tmp_path,
        'excluded_rules = ["ban-drop-column"]\npg_version = "11"\n',
        {"V1__drop.sql": "ALTER TABLE users DROP COLUMN nick;\nALTER TABLE users RENAME COLUMN a TO b;\n"},
    )
    result = cli("check", "--format", "json", "--no-cache", cwd=project)
    found = [f for f in _found(result) if f[2] in ("dropped-column", "renamed-column")]
    assert found == [("migrations/V1__drop.sql", 2, "renamed-column")]  # excluded: dropped-column
    assert result.err.splitlines()[0] == (
        "migration-gate: using squawk's settings from .squawk.toml (excluded_rules, pg_version 11)"
    )


def test_a_migration_gate_config_wins_over_squawk_toml(cli, tmp_path):
    project = _project(
        tmp_path, 'excluded_rules = ["ban-drop-column"]\n', {"V1__drop.sql": "ALTER TABLE users DROP COLUMN nick;\n"}
    )
    (project / ".migration-gate.yml").write_text("pg_version: 15\n")
    result = cli("check", "--format", "json", "--no-cache", cwd=project)
    assert ("migrations/V1__drop.sql", 1, "dropped-column") in _found(result)
    assert "squawk" not in result.err


def test_squawk_toml_named_by_config(cli, tmp_path):
    settings = tmp_path / "lint" / "squawk.toml"
    settings.parent.mkdir()
    settings.write_text('excluded_rules = ["ban-drop-column"]\n')
    project = _project(tmp_path / "repo", None, {"V1__drop.sql": "ALTER TABLE users DROP COLUMN nick;\n"})
    result = cli("check", "migrations", "--format", "json", "--no-cache", "--config", str(settings), cwd=project)
    assert not [v for v in result.json()["violations"] if v["rule"] == "dropped-column"]
    assert "using squawk's settings from" in result.err


def test_unknown_keys_and_rule_names_are_warnings_naming_them(cli, tmp_path):
    project = _project(
        tmp_path,
        'excluded_rules = ["ban-drop-column", "ban-everything"]\nreporter = "json"\n[upload_to_github]\nfail_on_violations = true\n',
        {"V1__ok.sql": "SELECT 1;\n"},
    )
    result = cli("check", "--format", "json", "--no-cache", cwd=project)
    assert result.code in (0, 1)
    assert result.err.splitlines()[1:3] == [
        "migration-gate: warning: .squawk.toml: reporter: not a squawk setting migration-gate reads; ignored",
        "migration-gate: warning: .squawk.toml: excluded_rules: unknown rule 'ban-everything'; ignored",
    ]


@pytest.mark.parametrize(
    "toml, problem",
    [
        ('pg_version = "fifteen"\n', "pg_version: 'fifteen' is not a version"),
        ('pg_version = "8"\n', "pg_version: 8 is not a PostgreSQL major version"),
        ("excluded_rules = \"ban-drop-column\"\n", "excluded_rules: expected a list of rule names"),
        ('assume_in_transaction = "yes"\n', "assume_in_transaction: expected true or false"),
        ("excluded_rules = [\n", "invalid TOML"),
    ],
)
def test_bad_values_are_one_line_errors(cli, tmp_path, toml, problem):
    project = _project(tmp_path, toml, {"V1__ok.sql": "SELECT 1;\n"})
    result = cli("check", cwd=project)
    assert result.code == 2
    assert problem in result.err and len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "value, major, warned",
    [("11", 11, False), ("11.0", 11, False), ("13.2.1", 13, False), ("19", 18, True), (16, 16, False)],
)
def test_pg_version_strings(value, major, warned):
    translation = translate({"pg_version": value}, ".squawk.toml")
    assert translation.settings["pg_version"] == major
    assert bool(translation.warnings) is warned


def test_assume_in_transaction_is_the_per_file_mode():
    assert translate({"assume_in_transaction": True}, "x").settings == {
        "transaction": "per-file",
        "statement_delivery": "per-statement",  # squawk reads an opted-out file statement by statement
    }
    assert translate({"assume_in_transaction": False}, "x").settings == {}  # the layout decides


def test_excluded_and_included_rules():
    settings, unknown = rule_settings(
        included=["ban-drop-index", "ban-revoke", "ban-create-policy"],
        excluded=["require-timeout-settings", "ban-drop-view", "ban-revoke"],
    )
    assert unknown == []
    assert settings == {
        # dropped-object is on: including ban-drop-index adds indexes, excluding ban-drop-view takes views away
        "dropped-object": {"objects": ["domain", "extension", "function", "index", "schema", "sequence", "type"]},
        "missing-lock-timeout": "off",  # require-timeout-settings names both timeout rules
        "missing-statement-timeout": "off",
        "policy-changed": {"level": "warning", "changes": ["create"]},  # only what was included
        "privilege-removed": "off",  # excluded wins over included, as in squawk
    }
    config = parse_config({"rules": settings})
    assert config.rules["policy-changed"].level == Severity.WARNING


def test_excluding_every_part_turns_the_rule_off():
    settings, _ = rule_settings(included=[], excluded=["ban-alter-role-options"])
    assert settings == {}  # options-changed is off anyway
    settings, _ = rule_settings(included=["ban-alter-role-options"], excluded=["ban-alter-role-options"])
    assert settings == {"options-changed": "off"}


def test_excluded_paths(cli, tmp_path):
    project = _project(
        tmp_path,
        'excluded_paths = ["*legacy*", "migrations/V2__skip.sql"]\n',
        {
            "V1__keep.sql": "CREATE INDEX i ON t (c);\n",
            "V2__skip.sql": "CREATE INDEX j ON t (c);\n",
            "old/V0__legacy_stuff.sql": "CREATE INDEX k ON t (c);\n",
        },
    )
    result = cli("check", "--format", "json", "--no-cache", "--rule", "non-concurrent-index-creation", cwd=project)
    assert _found(result) == [("migrations/V1__keep.sql", 1, "non-concurrent-index-creation")]
    assert [f["path"] for f in result.json()["files"]] == ["migrations/V1__keep.sql"]


def test_config_loader_finds_squawk_toml_up_to_the_repository_root(tmp_path, capsys):
    project = _project(tmp_path, 'pg_version = "12"\n', {"V1__x.sql": "SELECT 1;\n"})
    config = load_config(None, search_from=project / "migrations")
    assert config.pg_version == 12
    assert "using squawk's settings" in capsys.readouterr().err
    outside = tmp_path / "nested"
    (outside / ".git").mkdir(parents=True)
    assert load_config(None, search_from=outside).pg_version == 15  # the repository root stops the walk


# ----------------------------------------------------------------------------- aliases in settings


def test_an_alias_setting_applies_to_every_rule_it_names_and_names_win():
    config = parse_config({"rules": {"require-timeout-settings": "off"}})
    assert config.rules["missing-lock-timeout"].level == Severity.OFF
    assert config.rules["missing-statement-timeout"].level == Severity.OFF
    config = parse_config({"rules": {"dropped-object": "error", "ban-drop-view": "off"}})
    assert config.rules["dropped-object"].level == Severity.ERROR  # the rule's own name wins, in any order
    with pytest.raises(ConfigError, match=r"rules\.ban-drop-views: unknown rule"):
        parse_config({"rules": {"ban-drop-views": "off"}})


def test_an_alias_for_part_of_a_rule_turns_that_part_on_or_off():
    config = parse_config({"rules": {"ban-drop-view": "off", "ban-drop-index": "warning"}})
    setting = config.rules["dropped-object"]
    assert setting.level == Severity.WARNING
    assert setting.options["objects"] == ["domain", "extension", "function", "index", "schema", "sequence", "type"]
    config = parse_config({"rules": {"BAN-DROP-VIEW": "off"}})
    assert config.rules["dropped-object"].level is None  # still the preset's level, views taken out
    assert "view" not in config.rules["dropped-object"].options["objects"]
    off = ["ban-alter-role-options", "ban-alter-database-options", "ban-alter-system-options"]
    config = parse_config({"rules": {**dict.fromkeys(off, "off"), "ban-alter-function-options": "off"}})
    assert config.rules["options-changed"].options["objects"] == ["view"]


def test_rule_flag_with_an_alias_for_part_of_a_rule(cli, tmp_path):
    sql = "DROP INDEX CONCURRENTLY idx_a;\nDROP VIEW v;\n"
    found = _check(cli, tmp_path, sql, "ban-drop-index")
    assert [(line, rule) for line, rule, _ in found] == [(1, "dropped-object"), (2, "dropped-object")]


def test_rule_option_values_are_checked():
    with pytest.raises(ConfigError, match="objects: unknown kind 'table'"):
        parse_config({"rules": {"dropped-object": {"objects": ["table"]}}})
    with pytest.raises(ConfigError, match="sizes: unknown size 'bigint'"):
        parse_config({"rules": {"integer-column": {"sizes": ["bigint"]}}})


# ----------------------------------------------------------------------------- squawk-ignore comments


def _check(cli, tmp_path, sql: str, *rules: str, config: str = "transaction: explicit\n"):
    project = tmp_path / "p"
    (project / "migrations").mkdir(parents=True, exist_ok=True)
    (project / ".migration-gate.yml").write_text(config)
    (project / "migrations" / "V1__x.sql").write_text(sql)
    args = [a for rule in rules for a in ("--rule", rule)]
    result = cli("check", "migrations/V1__x.sql", "--format", "json", "--no-cache", *args, cwd=project)
    return [(v["line"], v["rule"], v["message"]) for v in result.json()["violations"]]


def test_squawk_ignore_covers_the_statements_on_its_line_and_the_next(cli, tmp_path):
    sql = (
        "ALTER TABLE a DROP COLUMN x; -- squawk-ignore ban-drop-column\n"  # its own statement
        "ALTER TABLE b DROP COLUMN x;\n"  # and the next line's
        "ALTER TABLE c DROP COLUMN x;\n"
        "-- squawk-ignore ban-drop-column\n"
        "\n"
        "ALTER TABLE d DROP COLUMN x;\n"  # a blank line between: not covered, as in squawk
        "--squawk-ignore ban-drop-column -- reviewed: e.x unused since release 41\n"
        "ALTER TABLE e\n"
        "  DROP COLUMN x;\n"  # a statement starting on the next line is covered whole (squawk: its first line only)
    )
    found = _check(cli, tmp_path, sql, "dropped-column")
    assert [(line, rule) for line, rule, _ in found] == [(3, "dropped-column"), (6, "dropped-column")]


def test_squawk_ignore_with_an_alias_naming_several_rules(cli, tmp_path):
    sql = "-- squawk-ignore prefer-bigint-over-int\nCREATE TABLE t (id int PRIMARY KEY, n int);\nCREATE TABLE u (n int);\n"
    found = _check(cli, tmp_path, sql, "int-primary-key", "integer-column")
    assert [(line, rule) for line, rule, _ in found] == [(3, "integer-column")]


def test_squawk_ignore_file_with_and_without_names(cli, tmp_path):
    sql = "ALTER TABLE a DROP COLUMN x;\nALTER TABLE a RENAME COLUMN y TO z;\n-- squawk-ignore-file ban-drop-column\n"
    found = _check(cli, tmp_path, sql, "dropped-column", "renamed-column")
    assert [(line, rule) for line, rule, _ in found] == [(2, "renamed-column")]
    sql = "/* squawk-ignore-file */\nALTER TABLE a DROP COLUMN x;\n-- squawk-ignore no-such-rule\nALTER TABLE a RENAME COLUMN y TO z;\n"
    assert _check(cli, tmp_path, sql, "dropped-column", "renamed-column", "unused-ignore") == []


def test_unused_ignore_covers_squawk_comments(cli, tmp_path):
    sql = (
        "-- squawk-ignore no-such-rule, ban-drop-column\n"
        "ALTER TABLE a DROP COLUMN x;\n"
        "-- squawk-ignore renaming-column\n"
        "ALTER TABLE a DROP COLUMN y; -- squawk-ignore ban-drop-column\n"
        "-- squawk-ignore\n"
        "SELECT 1;\n"
        "-- note: squawk-ignore ban-drop-column\n"  # not at the start of the comment: no directive, as in squawk
        "-- SQUAWK-IGNORE ban-drop-column\n"  # upper case: no directive either
    )
    found = _check(cli, tmp_path, sql, "dropped-column", "renamed-column", "unused-ignore")
    assert found == [
        (1, "unused-ignore", "unknown rule 'no-such-rule' in `squawk-ignore`"),
        (
            3,
            "unused-ignore",
            "squawk-ignore of renamed-column suppresses nothing in the statements on its line and the next",
        ),
        (5, "unused-ignore", "`squawk-ignore` names no rule, so it suppresses nothing"),
    ]


def test_disable_assume_in_transaction(cli, tmp_path):
    sql = "-- squawk-disable-assume-in-transaction -- runs alone\nCREATE INDEX CONCURRENTLY i ON t (c);\nSELECT 1;\n"
    rule = "non-transactional-statement-in-transaction"
    config = "transaction: per-file\nstatement_delivery: per-statement\n"
    assert _check(cli, tmp_path, sql, rule, config=config) == []
    plain = sql.replace("squawk-disable-assume-in-transaction", "note")
    assert [line for line, _, _ in _check(cli, tmp_path, plain, rule, config=config)] == [2]
    # without the delivery stated, a runner sending the file as one query string would run it in an implicit
    # transaction: a warning that names the assumption
    (found,) = _check(cli, tmp_path, sql, rule, config="transaction: per-file\n")
    assert found[0] == 2 and found[2].endswith(
        "(statement delivery assumed: one query string per file (set statement_delivery))"
    )


# ----------------------------------------------------------------------------- rules --format json


def test_rules_json_lists_every_rule_with_its_aliases_family_and_levels(cli, tmp_path):
    result = cli("rules", "--format", "json", cwd=tmp_path)
    assert result.code == 0
    entries = json.loads(result.out)
    assert [e["code"] for e in entries] == sorted(r.code for r in registry.ALL_RULES)
    by_name = {e["name"]: e for e in entries}
    assert by_name["integer-column"] == {
        "code": "MG505",
        "name": "integer-column",
        "aliases": ["prefer-bigint-over-int", "prefer-bigint-over-smallint"],
        "family": "types",
        "level": "off",
        "levels": {"recommended": "off", "strict": "warning"},
        "summary": "An `integer` / `smallint` column that is not a primary key (strict preset).",
        "url": "https://github.com/migration-gate/migration-gate/blob/main/rules/integer-column.md",
    }
    aliases = {alias for e in entries for alias in e["aliases"]}
    assert set(RULES_2_70) | set(ALSO_ACCEPTED) <= aliases, "every squawk 2.70 rule name is an alias"
    assert len(RULES_2_70) == 76


def test_rules_json_links_use_the_configured_docs_url(cli, tmp_path):
    (tmp_path / ".migration-gate.yml").write_text("docs_url: https://wiki.example.com/gate/{code}\n")
    entries = json.loads(cli("rules", "--format", "json", cwd=tmp_path).out)
    assert entries[0]["url"] == "https://wiki.example.com/gate/MG001"


def test_rules_text_table_shows_families_and_aliases(cli, tmp_path):
    out = cli("rules", cwd=tmp_path).out.splitlines()
    row = next(i for i, line in enumerate(out) if line.startswith("MG601"))
    assert out[row].split()[:4] == ["MG601", "dropped-object", "compatibility", "warning"]
    assert out[row + 1].strip().startswith("aliases: ban-drop-view, ban-drop-function, ban-drop-type")
    assert out[0].split() == ["CODE", "NAME", "FAMILY", "LEVEL", "SUMMARY"]
