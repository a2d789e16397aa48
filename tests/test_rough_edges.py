"""The rough edges a newcomer hits (issue 17, part 3): each one's fixed behaviour, asserted exactly."""

from __future__ import annotations

import pytest
from conftest import REPO

from migration_gate.core.runners import LAYOUTS


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {text!r}"
    return lines[0]


# --------------------------------------------------------------------------- empty-migration


def _diesel(tmp_path, up: bytes) -> None:
    (tmp_path / ".migration-gate.yml").write_text("migrations:\n  layout: up-down\n")
    folder = tmp_path / "migrations" / "2024-01-01-000000_create_users"
    folder.mkdir(parents=True)
    (folder / "up.sql").write_bytes(up)
    (folder / "down.sql").write_text("SELECT 1;\n")


def _findings(result, rule: str) -> list[tuple]:
    return [
        (v["path"], v["line"], v["column"], v["severity"], v["message"])
        for v in result.json()["violations"]
        if v["rule"] == rule
    ]


def test_diesel_refuses_a_zero_byte_up_sql_so_it_is_an_error(cli, tmp_path):
    _diesel(tmp_path, b"")
    result = cli("check", "migrations", "--format", "json", cwd=tmp_path)
    assert result.code == 1
    assert _findings(result, "empty-migration") == [
        (
            "migrations/2024-01-01-000000_create_users/up.sql",
            1,
            1,
            "error",
            "the file is empty (0 bytes): Diesel refuses to run it (\"Attempted to run an empty migration.\"), "
            "and the deploy stops there",
        )
    ]


@pytest.mark.parametrize(
    ("content", "what"),
    [(b"-- Your SQL goes here\n", "holds only comments"), (b"\n  \n", "is empty"), (b"\xef\xbb\xbf", "is empty")],
)
def test_diesel_runs_a_comment_only_or_blank_up_sql_so_it_is_a_warning(cli, tmp_path, content, what):
    _diesel(tmp_path, content)
    result = cli("check", "migrations", "--format", "json", cwd=tmp_path)
    assert result.code == 0
    assert _findings(result, "empty-migration") == [
        (
            "migrations/2024-01-01-000000_create_users/up.sql",
            1,
            1,
            "warning",
            f"the migration {what}: no statement runs, yet the runner records the version as applied",
        )
    ]


def test_empty_migration_can_be_turned_off(cli, tmp_path):
    _diesel(tmp_path, b"")
    (tmp_path / ".migration-gate.yml").write_text("migrations:\n  layout: up-down\nrules:\n  empty-migration: off\n")
    result = cli("check", "migrations", "--format", "json", cwd=tmp_path)
    assert result.code == 0 and _findings(result, "empty-migration") == []


# --------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "rules:\n  non-concurent-index-creation: off\n",
            "rules.non-concurent-index-creation: unknown rule; did you mean `non-concurrent-index-creation`? "
            "(see `migration-gate rules`)",
        ),
        ("fail_onn: error\n", "fail_onn: unknown setting; did you mean `fail_on`?"),
        ("migrations:\n  layot: up-down\n", "migrations.layot: unknown setting; did you mean `layout`?"),
        (
            "rules:\n  non-concurrent-index-creation: warn\n",
            "rules.non-concurrent-index-creation: 'warn' is not a level (use off, info, warning or error); "
            "did you mean `warning`?",
        ),
        (
            "rules:\n  unbatched-update: {level: eror}\n",
            "rules.unbatched-update: 'eror' is not a level (use off, info, warning or error); did you mean `error`?",
        ),
        (
            "migrations:\n  layout: updown\n",
            "migrations.layout: 'updown' is not one of flyway, up-down, golang-migrate, goose, dbmate, sql-migrate, "
            "sqlx, diesel, pop, prisma, atlas, liquibase, sqitch, drizzle, pattern, auto; did you mean `up-down`?",
        ),
        ("rules:\n  xyzzy: off\n", "rules.xyzzy: unknown rule (see `migration-gate rules`)"),  # nothing close
    ],
)
def test_config_errors_suggest_close_matches(cli, tmp_path, config, message):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__a.sql").write_text("SELECT 1;\n")
    (tmp_path / ".migration-gate.yml").write_text(config)
    result = cli("check", "migrations", cwd=tmp_path)
    assert result.code == 2
    assert one_line(result.err) == f"migration-gate: error: .migration-gate.yml: {message}"


def test_rule_flag_and_explain_suggest_close_matches(cli, tmp_path):
    (tmp_path / "V1__a.sql").write_text("SELECT 1;\n")
    result = cli("check", "V1__a.sql", "--rule", "unbatched-updates", cwd=tmp_path)
    assert result.code == 2
    assert one_line(result.err) == (
        "migration-gate: error: --rule unbatched-updates: unknown rule; did you mean `unbatched-update`? "
        "(see `migration-gate rules`)"
    )
    result = cli("explain", "missing-rolback", cwd=tmp_path)
    assert result.code == 2
    assert one_line(result.err) == (
        "migration-gate: error: missing-rolback: unknown rule; did you mean `missing-rollback`? "
        "(see `migration-gate rules`)"
    )


# --------------------------------------------------------------------------- docs


def test_docs_refuses_to_write_into_a_users_project(cli, tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "team-rules.md").write_text("# our own rules\n")
    result = cli("docs", cwd=tmp_path)
    assert result.code == 2
    assert one_line(result.err) == (
        "migration-gate: error: docs regenerates migration-gate's own rule pages (rules/ of its source tree); "
        "to write them here, name the folder: --output DIR (`migration-gate explain RULE` shows one page)"
    )
    assert sorted(p.name for p in (tmp_path / "rules").iterdir()) == ["team-rules.md"]
    result = cli("docs", "--check", cwd=tmp_path)
    assert result.code == 2


def test_docs_with_output_writes_the_pages_and_removes_nothing(cli, tmp_path):
    from migration_gate.core.rules import registry

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "team-rules.md").write_text("# our own rules\n")
    result = cli("docs", "--output", "pages", cwd=tmp_path)
    assert result.code == 0
    names = sorted(p.name for p in (tmp_path / "pages").iterdir())
    assert names == sorted(
        ["README.md", "squawk.md", "team-rules.md", "layouts", *(f"{r.name}.md" for r in registry.ALL_RULES)]
    )
    layouts = sorted(p.name for p in (tmp_path / "pages" / "layouts").iterdir())
    assert layouts == sorted(["README.md", *(f"{name}.md" for name in LAYOUTS)])
    assert cli("docs", "--out", "pages", "--check", cwd=tmp_path).code == 0  # the old spelling still works
    assert (tmp_path / "pages" / "team-rules.md").read_text() == "# our own rules\n"


def test_docs_in_its_own_source_tree_checks_rules(cli):
    result = cli("docs", "--check", cwd=REPO)
    assert result.code == 0, result.out


# --------------------------------------------------------------------------- explain


def _run_on_a_terminal(*args: str, env: dict[str, str | None]) -> str:
    """Run the CLI with its stdout on a pseudo-terminal; what the terminal received."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    done = subprocess.Popen(
        [sys.executable, "-m", "migration_gate", *args],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    done.wait(timeout=60)
    os.close(leader)
    assert done.returncode == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_explain_piped_is_plain_markdown_without_the_maintainer_comment(cli):
    result = cli("explain", "MG101")
    assert result.code == 0
    assert result.out.startswith(
        "# non-concurrent-index-creation (MG101)\n\n`CREATE INDEX` on an existing table without `CONCURRENTLY`.\n"
    )
    assert "<!--" not in result.out and "edit the docstring" not in result.out
    assert "```sql\nCREATE INDEX idx_orders_user_id ON orders (user_id);\n```" in result.out
    # The committed page keeps the note for maintainers.
    assert (REPO / "rules" / "non-concurrent-index-creation.md").read_text().startswith("<!-- Generated from")


def test_explain_on_a_terminal_is_laid_out_for_reading():
    out = _run_on_a_terminal("explain", "MG101", env={"NO_COLOR": "1"})
    assert out.startswith(
        "non-concurrent-index-creation (MG101)\n"
        "=====================================\n"
        "\n"
        "`CREATE INDEX` on an existing table without `CONCURRENTLY`.\n"
        "\n"
        "  Code                 MG101\n"
        "  Name                 non-concurrent-index-creation\n"
        "  Family               lock\n"
        "  Level (recommended)  error\n"
        "  Level (strict)       error\n"
        "  Aliases              require-concurrent-index-creation\n"
        "\n"
        "What it does\n"
        "------------\n"
    )
    assert "\nExample\n-------\n\n    CREATE INDEX idx_orders_user_id ON orders (user_id);\n\n" in out
    assert "```" not in out and "<!--" not in out and "\x1b[" not in out


def test_explain_on_a_colour_terminal_paints_headings_and_code():
    out = _run_on_a_terminal("explain", "MG101", env={"NO_COLOR": None, "TERM": "xterm"})
    assert out.startswith("\x1b[1mnon-concurrent-index-creation (MG101)\x1b[0m\n")
    assert "    \x1b[33mCREATE INDEX idx_orders_user_id ON orders (user_id);\x1b[0m\n" in out


# --------------------------------------------------------------------------- undefined placeholder


def test_an_undefined_placeholder_is_reported_alone(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__ph.sql").write_text(
        "CREATE TABLE t (id int);\nINSERT INTO t VALUES (${missing});\nSELEC 1;\n"
    )
    result = cli("check", "migrations", "--format", "json", "--no-cache", cwd=tmp_path)
    found = [(v["rule"], v["line"], v["column"], v["message"]) for v in result.json()["violations"]]
    assert [f for f in found if f[0] in ("syntax-error", "undefined-placeholder")] == [
        ("undefined-placeholder", 2, 23, "placeholder ${missing} has no value")
    ]


def test_a_syntax_error_elsewhere_is_still_reported(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__ph.sql").write_text("INSERT INTO t VALUES ('${missing}');\nSELEC 1;\n")
    result = cli("check", "migrations", "--format", "json", "--no-cache", cwd=tmp_path)
    found = [(v["rule"], v["line"], v["column"]) for v in result.json()["violations"]]
    assert [f for f in found if f[0] in ("syntax-error", "undefined-placeholder")] == [
        ("undefined-placeholder", 1, 24),
        ("syntax-error", 2, 1),
    ]


# --------------------------------------------------------------------------- new NAME twice


def test_new_twice_with_the_same_description_warns_naming_the_existing_file(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    first = cli("new", "add_users", cwd=tmp_path)
    assert first.code == 0 and first.err == ""
    second = cli("new", "add_users", cwd=tmp_path)
    assert second.code == 0
    assert second.out == "created migrations/V002__add_users.sql\ncreated migrations/rollback/V002__rollback.sql\n"
    detected = "migration-gate: migrations: flyway (from V<version>__<description>.sql names)\n"  # layout: auto
    assert second.err == detected + (
        "migration-gate: warning: migrations/V001__add_users.sql already has the description 'add_users'; "
        "if migrations/V002__add_users.sql was not meant as a second migration of that name, delete both new files\n"
    )
    third = cli("new", "add_orders", cwd=tmp_path)
    assert third.code == 0 and third.err == detected


# --------------------------------------------------------------------------- plurals


@pytest.mark.parametrize(
    ("sql", "summary"),
    [
        ("", "0 errors, 1 warning, 0 infos in 1 file (0 statements): gate passed"),
        ("CREATE TABLE a (id bigint);\n", "0 errors, 0 warnings, 0 infos in 1 file (1 statement): gate passed"),
        (
            "CREATE TABLE a (id bigint);\nCREATE TABLE b (id bigint);\n",
            "0 errors, 0 warnings, 0 infos in 1 file (2 statements): gate passed",
        ),
    ],
)
def test_summary_counts_statements_in_the_right_number(cli, tmp_path, sql, summary):
    (tmp_path / "V1__a.sql").write_text(sql)
    (tmp_path / "rollback").mkdir()
    (tmp_path / "rollback" / "V1__rollback.sql").write_text("DROP TABLE IF EXISTS a;\n")
    (tmp_path / ".migration-gate.yml").write_text("ignore_rollback_collision: true\n")
    result = cli("check", "V1__a.sql", cwd=tmp_path, env={"NO_COLOR": "1"})
    assert result.out.splitlines()[-1] == summary
