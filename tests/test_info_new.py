"""``migration-gate info`` and ``migration-gate new``."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from test_history import V1, V2, VIEWS, make_merged

from migration_gate.core.checksum import checksum_of_bytes


def cs(text: str | bytes) -> int:
    return checksum_of_bytes(text.encode() if isinstance(text, str) else text)


# --------------------------------------------------------------------------- info


def test_info_states_against_the_base(cli, git_repo):
    repo = make_merged(git_repo)
    repo.write("migrations/V1__create_users.sql", V1 + "-- edited\n")  # modified
    repo.git("mv", "migrations/V2__create_orders.sql", "migrations/V2__orders.sql")  # renamed
    repo.write("migrations/V3__add_payments.sql", "SELECT 1;\n")  # new
    (repo.path / "migrations/R__views.sql").unlink()  # deleted
    doc = cli("info", "--base", "main", "--format", "json", cwd=repo.path).json()
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "migration-gate"
    assert doc["base"] == {"sha": repo.git("rev-parse", "main").strip(), "source": "--base main"}
    assert doc["notes"] == []
    assert doc["migrations"] == [
        {
            "path": "migrations/V1__create_users.sql",
            "kind": "versioned",
            "version": "1",
            "description": "create_users",
            "checksum": cs(V1 + "-- edited\n"),
            "state": "modified",
            "previous_path": None,
            "rollback": "migrations/rollback/V1__rollback.sql",
            "database": None,
        },
        {
            "path": "migrations/V2__orders.sql",
            "kind": "versioned",
            "version": "2",
            "description": "orders",
            "checksum": cs(V2),
            "state": "renamed",
            "previous_path": "migrations/V2__create_orders.sql",
            "rollback": "migrations/rollback/V2__rollback.sql",
            "database": None,
        },
        {
            "path": "migrations/V3__add_payments.sql",
            "kind": "versioned",
            "version": "3",
            "description": "add_payments",
            "checksum": cs("SELECT 1;\n"),
            "state": "new",
            "previous_path": None,
            "rollback": None,
            "database": None,
        },
        {
            "path": "migrations/R__views.sql",
            "kind": "repeatable",
            "version": None,
            "description": "views",
            "checksum": cs(VIEWS),
            "state": "deleted",
            "previous_path": None,
            "rollback": None,
            "database": None,
        },
    ]


def test_info_text_table(cli, git_repo):
    repo = make_merged(git_repo)
    repo.write("migrations/V3__add_payments.sql", "SELECT 1;\n")
    result = cli("info", "--base", "main", cwd=repo.path)
    assert result.code == 0
    sha = repo.git("rev-parse", "main").strip()
    c1, c2, c3, cv = cs(V1), cs(V2), cs("SELECT 1;\n"), cs(VIEWS)
    rows = [
        ["Version", "Description", "Kind", "Checksum", "State", "Rollback"],
        ["1", "create users", "versioned", str(c1), "merged", "migrations/rollback/V1__rollback.sql"],
        ["2", "create orders", "versioned", str(c2), "merged", "migrations/rollback/V2__rollback.sql"],
        ["3", "add payments", "versioned", str(c3), "new", ""],
        ["", "views", "repeatable", str(cv), "merged", ""],
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    table = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    assert (
        result.out == "\n".join([f"Base: {sha[:12]} (--base main)", "", line, table[0], line, *table[1:], line]) + "\n"
    )


def test_info_without_a_base_has_no_state_and_says_why(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__a.sql").write_text("SELECT 1;\n")
    doc = cli("info", "--format", "json", cwd=tmp_path).json()
    assert doc["base"] is None
    assert [m["state"] for m in doc["migrations"]] == [None]
    assert doc["notes"] == [f"note: history checks skipped: {tmp_path.resolve()} is not a git repository"]


def test_info_missing_base_is_exit_2(cli, git_repo):
    repo = make_merged(git_repo)
    result = cli("info", "--base", "nope", cwd=repo.path)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("migration-gate: error: --base nope: not a commit in ")


def test_readme_shows_the_real_info_output_for_the_guide(cli):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- info-json:start -->\n```json\n(.*?)\n```\n<!-- info-json:end -->", readme, re.S)
    assert match, "README has no `migration-gate info --format json` block"
    shown = json.loads(match.group(1))
    actual = cli("info", "--format", "json", "--base", "HEAD", cwd=FIXTURES / "guide").json()
    assert shown["migrations"] == actual["migrations"]
    assert shown["base"]["source"] == actual["base"]["source"] == "--base HEAD"


# --------------------------------------------------------------------------- new


def _flyway_project(tmp_path: Path, names: list[str], config: str = "") -> Path:
    folder = tmp_path / "migrations"
    (folder / "rollback").mkdir(parents=True)
    for name in names:
        (folder / name).write_text("SELECT 1;\n")
    if config:
        (tmp_path / ".migration-gate.yml").write_text(config)
    return tmp_path


def test_new_continues_the_padded_style_and_writes_the_guide_template(cli, git_repo):
    git_repo.write("migrations/V013__a.sql", "SELECT 1;\n")
    git_repo.write("migrations/V014__b.sql", "SELECT 1;\n")
    git_repo.write("migrations/rollback/V014__rollback.sql", "SELECT 1;\n")
    result = cli("new", "add_user_preferences", cwd=git_repo.path)
    assert result.code == 0, result.err
    assert result.out == (
        "created migrations/V015__add_user_preferences.sql\ncreated migrations/rollback/V015__rollback.sql\n"
    )
    today = date.today().isoformat()
    migration = (git_repo.path / "migrations/V015__add_user_preferences.sql").read_text()
    assert migration == (
        "-- V015__add_user_preferences.sql\n"
        "-- Author: Dev\n"
        f"-- Date: {today}\n"
        "-- Description: add user preferences\n"
        "-- Rollback: migrations/rollback/V015__rollback.sql\n"
        "\n"
        "-- ============================================\n"
        "-- Migration Start\n"
        "-- ============================================\n"
        "\n"
        "-- Write the migration here. Keep it safe on a live database: CREATE INDEX\n"
        "-- CONCURRENTLY, constraints added NOT VALID then validated, batched backfills.\n"
        "\n"
        "-- ============================================\n"
        "-- Migration End\n"
        "-- ============================================\n"
    )
    rollback = (git_repo.path / "migrations/rollback/V015__rollback.sql").read_text()
    assert rollback == (
        "-- rollback/V015__rollback.sql\n"
        "-- Rollback for: V015__add_user_preferences.sql\n"
        "-- Author: Dev\n"
        f"-- Date: {today}\n"
        "\n"
        "-- Reverse the operations of V015__add_user_preferences.sql, in opposite order.\n"
    )
    assert "BEGIN" not in migration  # the runner (Flyway) wraps the file in a transaction


def test_new_writes_begin_commit_only_in_explicit_mode(cli, tmp_path):
    project = _flyway_project(tmp_path, ["V1__a.sql"], "transaction: explicit\n")
    assert cli("new", "add_index", cwd=project).code == 0
    migration = (project / "migrations/V2__add_index.sql").read_text()
    rollback = (project / "migrations/rollback/V2__rollback.sql").read_text()
    assert "\nBEGIN;\n" in migration and "\nCOMMIT;\n" in migration
    assert migration.index("BEGIN;") < migration.index("Write the migration here") < migration.index("COMMIT;")
    assert "\nBEGIN;\n" in rollback and "\nCOMMIT;\n" in rollback


def test_new_files_pass_the_gate_even_in_strict_mode(cli, tmp_path):
    project = _flyway_project(tmp_path, [], "preset: strict\ntransaction: explicit\nignore_rollback_collision: true\n")
    assert cli("new", "create_users", cwd=project).code == 0
    result = cli("check", "--format", "json", cwd=project)
    assert result.json()["violations"] == [], result.out
    assert (project / "migrations/V001__create_users.sql").exists()  # an empty project starts at the guide's V001


@pytest.mark.parametrize(
    "existing,expected",
    [
        (["V1__a.sql", "V2__b.sql"], "V3__next.sql"),
        (["V1.8__a.sql", "V1.9__b.sql"], "V1.10__next.sql"),
        (["V2_3__a.sql"], "V2_4__next.sql"),
        (["V099__a.sql"], "V100__next.sql"),
        (["V1__a.sql", "V1.0.1__b.sql"], "V1.0.2__next.sql"),
    ],
)
def test_new_continues_the_version_style(cli, tmp_path, existing, expected):
    project = _flyway_project(tmp_path, existing)
    result = cli("new", "next", cwd=project)
    assert result.code == 0, result.err
    assert (project / "migrations" / expected).exists()


def test_next_version_for_timestamps():
    from migration_gate.scaffold import next_version

    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert next_version("20240305120032", "flyway", now) == "20250102030405"
    assert next_version("202403051200", "flyway", now) == "202501020304"
    assert next_version("20990101000000", "flyway", now) == "20990101000001"  # clock behind: next number
    assert next_version("2024-03-05-120032", "up-down", now) == "2025-01-02-030405"
    assert next_version("000041", "up-down", now) == "000042"
    assert next_version(None, "up-down", now) == "20250102030405"
    assert next_version(None, "flyway", now) == "001"


def test_new_in_up_down_layouts(cli, tmp_path):
    flat = tmp_path / "flat"
    (flat / "migrations").mkdir(parents=True)
    (flat / "migrations" / "000001_init.up.sql").write_text("SELECT 1;\n")
    (flat / "migrations" / "000001_init.down.sql").write_text("SELECT 1;\n")
    (flat / ".migration-gate.yml").write_text("migrations:\n  layout: up-down\n")
    assert cli("new", "add_users", cwd=flat).out == (
        "created migrations/000002_add_users.up.sql\ncreated migrations/000002_add_users.down.sql\n"
    )
    diesel = tmp_path / "diesel"
    (diesel / "migrations" / "2024-03-05-120032_init").mkdir(parents=True)
    (diesel / "migrations" / "2024-03-05-120032_init" / "up.sql").write_text("SELECT 1;\n")
    (diesel / ".migration-gate.yml").write_text("migrations:\n  layout: up-down\n")
    out = cli("new", "add_users", cwd=diesel).out
    assert re.fullmatch(
        r"created migrations/(\d{4}-\d{2}-\d{2}-\d{6})_add_users/up\.sql\n"
        r"created migrations/\1_add_users/down\.sql\n",
        out,
    ), out


def test_new_refuses_to_overwrite_anything(cli, tmp_path):
    project = _flyway_project(tmp_path, ["V1__a.sql"])
    (project / "migrations/rollback/V2__rollback.sql").write_text("-- someone's work\n")
    result = cli("new", "add_index", cwd=project)
    assert result.code == 2
    assert result.err == (
        "migration-gate: error: migrations/rollback/V2__rollback.sql already exists; "
        "nothing written (migration-gate new never overwrites)\n"
    )
    assert not (project / "migrations/V2__add_index.sql").exists()
    assert (project / "migrations/rollback/V2__rollback.sql").read_text() == "-- someone's work\n"


@pytest.mark.parametrize(
    "name,message",
    [
        (
            "Add Users",
            "NAME 'Add Users' would give V2__Add Users.sql: description 'Add Users' is not lower-case "
            "snake_case (migrations.description_style: snake_case) (e.g. add_users)",
        ),
        (
            "add__users",
            "NAME 'add__users' would give V2__add__users.sql: description 'add__users' is not lower-case "
            "snake_case (migrations.description_style: snake_case) (e.g. add_users)",
        ),
        (
            "add-users",
            "NAME 'add-users' would give V2__add-users.sql: description 'add-users' is not lower-case "
            "snake_case (migrations.description_style: snake_case) (e.g. add_users)",
        ),
        ("db/add_users", "NAME 'db/add_users' is not a file name: no folders, no leading dot"),
        ("", "NAME is empty: give the migration's description, e.g. add_user_preferences"),
    ],
)
def test_new_rejects_names_that_make_invalid_files(cli, tmp_path, name, message):
    project = _flyway_project(tmp_path, ["V1__a.sql"])
    result = cli("new", name, cwd=project)
    assert result.code == 2
    assert result.err == f"migration-gate: error: {message}\n"
    assert sorted(p.name for p in (project / "migrations").rglob("*.sql")) == ["V1__a.sql"]


def test_new_follows_the_configured_description_style(cli, tmp_path):
    project = _flyway_project(tmp_path, ["V1__a.sql"], "migrations:\n  description_style: words\n")
    assert cli("new", "Add-Users", cwd=project).code == 0
    assert (project / "migrations/V2__Add-Users.sql").exists()


# --------------------------------------------------------------------------- new, per layout


@pytest.mark.parametrize(
    ("layout", "existing", "created", "first_lines"),
    [
        (
            "goose",
            {"00001_init.sql": "-- +goose Up\nSELECT 1;\n"},
            ["00002_add_users.sql"],
            ["-- +goose Up", "-- +goose Down"],
        ),
        (
            "dbmate",
            {"20240101000000_init.sql": "-- migrate:up\n-- migrate:down\n"},
            None,
            ["-- migrate:up", "-- migrate:down"],
        ),
        (
            "sql-migrate",
            {"001_init.sql": "-- +migrate Up\nSELECT 1;\n"},
            ["002_add_users.sql"],
            ["-- +migrate Up", "-- +migrate Down"],
        ),
        (
            "golang-migrate",
            {"000001_init.up.sql": "SELECT 1;\n"},
            ["000002_add_users.up.sql", "000002_add_users.down.sql"],
            [],
        ),
        ("sqlx", {"1_init.sql": "SELECT 1;\n"}, ["2_add_users.sql"], []),
        (
            "sqlx",
            {"1_init.up.sql": "SELECT 1;\n", "1_init.down.sql": "SELECT 1;\n"},
            ["2_add_users.up.sql", "2_add_users.down.sql"],
            [],
        ),
    ],
)
def test_new_writes_the_runners_file_shape(cli, tmp_path, layout, existing, created, first_lines):
    (tmp_path / ".migration-gate.yml").write_text(f"migrations:\n  layout: {layout}\n")
    for name, text in existing.items():
        (tmp_path / "migrations").mkdir(exist_ok=True)
        (tmp_path / "migrations" / name).write_text(text)
    result = cli("new", "add_users", cwd=tmp_path)
    assert result.code == 0, result.err
    paths = [line.split(" ", 1)[1] for line in result.out.splitlines()]
    if created is not None:
        assert paths == [f"migrations/{name}" for name in created]
    text = (tmp_path / paths[0]).read_text()
    for marker in first_lines:
        assert marker in text.splitlines()
    check = cli("check", "--no-cache", "--format", "json", "--rule", "syntax-error", cwd=tmp_path)
    assert check.json()["violations"] == []


def test_new_liquibase_changeset_and_sqitch_change(cli, tmp_path):
    lb = tmp_path / "lb"
    (lb / "migrations").mkdir(parents=True)
    (lb / ".migration-gate.yml").write_text("migrations:\n  layout: liquibase\n")
    (lb / "migrations" / "001_init.sql").write_text("--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n")
    result = cli("new", "add_users", cwd=lb)
    text = (lb / "migrations" / "002_add_users.sql").read_text()
    assert text.startswith("--liquibase formatted sql\n\n-- 002_add_users.sql\n")
    assert re.search(r"^--changeset .+:002-add_users$", text, re.M)
    sq = tmp_path / "sq"
    (sq / "schema").mkdir(parents=True)
    (sq / ".migration-gate.yml").write_text("migrations:\n  path: schema\n  layout: sqitch\n")
    (sq / "schema" / "sqitch.plan").write_text("%project=demo\n\nt 2026-01-01T00:00:00Z me <me@x> # t\n")
    result = cli("new", "add_users", cwd=sq)
    assert result.out.splitlines() == [
        "created schema/deploy/add_users.sql",
        "created schema/revert/add_users.sql",
        "created schema/verify/add_users.sql",
        "updated schema/sqitch.plan",
    ]
    plan = (sq / "schema" / "sqitch.plan").read_text().splitlines()
    assert re.fullmatch(r"add_users \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ .+ <.+> # add users", plan[-1])
    assert cli("new", "add_users", cwd=sq).code == 2  # already in the plan


def test_new_refuses_where_the_runner_writes_its_own_files(cli, tmp_path):
    (tmp_path / "drizzle" / "meta").mkdir(parents=True)
    (tmp_path / "drizzle" / "meta" / "_journal.json").write_text('{"entries": []}')
    (tmp_path / ".migration-gate.yml").write_text("migrations:\n  path: drizzle\n  layout: drizzle\n")
    result = cli("new", "add_users", cwd=tmp_path)
    assert result.code == 2
    assert "drizzle-kit generate" in result.err
