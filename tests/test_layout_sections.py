"""Single-file layouts: the down section is the rollback, checked as one, at exact positions in the file."""

from __future__ import annotations

import pytest


def write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def findings(cli, cwd, *rules: str) -> list[tuple[str, int, int, str]]:
    args = ["check", ".", "--no-cache", "--format", "json"]
    for rule in rules:
        args += ["--rule", rule]
    result = cli(*args, cwd=cwd)
    assert result.code in (0, 1), result.err
    return [(v["path"], v["line"], v["column"], v["rule"]) for v in result.json()["violations"]]


GOOSE = """-- +goose Up
ALTER TABLE users ADD COLUMN nickname text;

-- +goose Down
DROP INDEX users_nickname_idx;
ALTER TABLE users DROP COLUMN nickname;
"""


def test_goose_down_is_the_rollback_not_forward_sql(cli, tmp_path):
    write(tmp_path, {"1_nick.sql": GOOSE, ".migration-gate.yml": "migrations:\n  layout: goose\n"})
    # dropping what the up added is what a rollback is for; the down's own lock hazard is still seen
    assert findings(cli, tmp_path, "dropped-column", "non-concurrent-index-drop") == [
        ("1_nick.sql", 5, 1, "non-concurrent-index-drop")
    ]
    # the same DROP COLUMN in the up section is a forward drop
    write(tmp_path, {"1_nick.sql": GOOSE.replace("-- +goose Down\n", "")})
    assert findings(cli, tmp_path, "dropped-column") == [("1_nick.sql", 5, 1, "dropped-column")]


LIQUIBASE = """--liquibase formatted sql

--changeset alice:1
ALTER TABLE users ADD COLUMN nickname text;
--rollback ALTER TABLE users DROP COLUMN nickname;
--rollback DROP INDEX users_nickname_idx;
"""


def test_liquibase_rollback_lines_are_read_in_place(cli, tmp_path):
    write(tmp_path, {"changes.sql": LIQUIBASE, ".migration-gate.yml": "migrations:\n  layout: liquibase\n"})
    assert findings(cli, tmp_path, "dropped-column", "non-concurrent-index-drop") == [
        ("changes.sql", 6, 12, "non-concurrent-index-drop")  # the DROP after `--rollback `, not the comment
    ]


@pytest.mark.parametrize(
    ("layout", "text", "line"),
    [
        ("dbmate", "-- migrate:up\nSELECT 1;\n-- migrate:down\nDROP INDEX i;\n", 4),
        ("sql-migrate", "-- +migrate Up\nSELECT 1;\n-- +migrate Down\nDROP INDEX i;\n", 4),
    ],
)
def test_down_sections_of_other_runners(cli, tmp_path, layout, text, line):
    write(tmp_path, {"1_x.sql": text, ".migration-gate.yml": f"migrations:\n  layout: {layout}\n"})
    assert findings(cli, tmp_path, "non-concurrent-index-drop") == [("1_x.sql", line, 1, "non-concurrent-index-drop")]


def test_sql_migrate_misspelled_down_runs_forward(cli, tmp_path):
    """ovh/cds `-- +migrate Down;`: sql-migrate ignores the command, the DROP runs in Up."""
    text = "-- +migrate Up\nALTER TABLE t ADD COLUMN c int;\n-- +migrate Down;\nALTER TABLE t DROP COLUMN c;\n"
    write(tmp_path, {"1_x.sql": text, ".migration-gate.yml": "migrations:\n  layout: sql-migrate\n"})
    result = cli(
        "check",
        ".",
        "--no-cache",
        "--format",
        "json",
        "--rule",
        "syntax-error",
        "--rule",
        "dropped-column",
        cwd=tmp_path,
    )
    found = [(v["line"], v["rule"], v["message"][:60]) for v in result.json()["violations"]]
    assert found == [
        (3, "syntax-error", "sql-migrate ignores the unknown command 'Down;' (commands ar"),
        (4, "dropped-column", "dropping t.c breaks queries of the application version that "),
    ]


def test_goose_cut_inside_a_dollar_body_is_reported(cli, tmp_path):
    text = "-- +goose Up\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n"
    write(tmp_path, {"1_f.sql": text, ".migration-gate.yml": "migrations:\n  layout: goose\n"})
    result = cli("check", ".", "--no-cache", "--format", "json", "--rule", "syntax-error", cwd=tmp_path)
    found = [(v["line"], v["column"], v["message"]) for v in result.json()["violations"]]
    assert found == [
        (
            4,
            12,
            "the runner cuts this statement here (goose ends a statement at a line ending in `;` (outside "
            "StatementBegin … StatementEnd)): it sends the statement in broken pieces and the migration fails",
        )
    ]


def test_down_statements_are_counted_and_reported_once(cli, tmp_path):
    write(
        tmp_path,
        {
            "1_nick.sql": "-- migration-gate: ignore-file non-concurrent-index-drop -- the table is empty\n" + GOOSE,
            ".migration-gate.yml": "migrations:\n  layout: goose\n",
        },
    )
    result = cli("check", ".", "--no-cache", "--format", "json", cwd=tmp_path)
    doc = result.json()
    assert doc["summary"]["statements"] == 3
    assert not [v for v in doc["violations"] if v["rule"] in ("non-concurrent-index-drop", "unused-ignore")]


def test_golang_migrate_multi_statement_cuts_a_dollar_body(cli, tmp_path):
    text = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\nSELECT 'a';\n"
    write(
        tmp_path,
        {
            "1_f.up.sql": text,
            ".migration-gate.yml": "migrations:\n  layout: golang-migrate\n  runner_options:\n"
            "    x-multi-statement: true\n",
        },
    )
    result = cli("check", ".", "--no-cache", "--format", "json", "--rule", "syntax-error", cwd=tmp_path)
    found = [(v["line"], v["column"], v["message"][:100]) for v in result.json()["violations"]]
    assert found == [
        (
            1,
            text.index("; END") + 1,
            "the runner cuts this statement here (golang-migrate's x-multi-statement splits the file on every `;`",
        ),
    ]
