"""`layout: auto`: the migration folders and their runner, found from what the repository holds."""

from __future__ import annotations

import pytest
from conftest import RUNNER_CORPUS

#: What `check` with no configuration prints about each shared runner project (stderr), in order.
EXPECTED = {
    "atlas/openmeterio__openmeter": [
        'tools/migrate/migrations: golang-migrate (from atlas.hcl format = "golang-migrate" (golang-migrate applies them))'
    ],
    "atlas/speakeasy-api__gram": ["server/migrations: atlas (from atlas.sum)"],
    "dbmate/fluidity-money__fluidity-app": [
        'database/100-up-sql-shared: dbmate (from "-- migrate:up" markers)',
        'database/101-up-postgres: dbmate (from "-- migrate:up" markers)',
        'database/102-up-timescale: dbmate (from "-- migrate:up" markers)',
    ],
    "dbmate/supabase__postgres": [
        'migrations/db/init-scripts: dbmate (from "-- migrate:up" markers)',
        'migrations/db/migrations: dbmate (from "-- migrate:up" markers)',
    ],
    "drizzle/Dokploy__dokploy": [
        "apps/dokploy/drizzle: drizzle (from meta/_journal.json; drizzle-orm version not found: assumed 0.x (journal))"
    ],
    "drizzle/homarr-labs__homarr": [
        "packages/db/migrations/postgresql: drizzle (from meta/_journal.json; "
        "drizzle-orm version not found: assumed 0.x (journal))"
    ],
    # No go.mod was copied: nothing tells golang-migrate's pairs from sqlx's or pop's (the fallback).
    "golang-migrate/pocket-id__pocket-id": [
        "backend/resources/migrations/postgres: up-down (nothing tells golang-migrate, sqlx, pop and Diesel apart: "
        ".up.sql/.down.sql pairs without a go.mod, Cargo.toml or diesel.toml hint; set migrations.layout to the runner)"
    ],
    "golang-migrate/rudderlabs__rudder-server": [
        f"sql/migrations/{name}: golang-migrate ({reason})"
        for name, reason in [
            ("activation_records", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("config_cache", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("drain_config", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("error_detail_reports", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("jobsdb", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)"),
            ("jobsdb_always", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)"),
            ("node", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("pg_notifier_queue", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("pg_notifier_queue_always", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)"),
            ("reports", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("reports_always", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)"),
            ("tracked_users", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("warehouse", "its .up.sql pairs, and golang-migrate's markers elsewhere in the project"),
            ("warehouse_always", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)"),
        ]
    ],
    "goose/Permify__permify": ['internal/storage/postgres/migrations: goose (from "-- +goose Up" annotations)'],
    "goose/bitmagnet-io__bitmagnet": ['migrations: goose (from "-- +goose Up" annotations)'],
    "liquibase/City-of-Helsinki__haitaton-backend": [
        "services/hanke-service/src/main/resources/db/changelog: liquibase "
        "(from the Liquibase changelog db.changelog-master.yaml; Liquibase version not found: assumed 4.22 or later "
        "(checksums 9:))"
    ],
    "liquibase/epam__edp-ddm-citus": [
        "platform-db/changesets: liquibase (from the Liquibase changelog audit-changelog.xml; "
        "Liquibase version not found: assumed 4.22 or later (checksums 9:))"
    ],
    "prisma/documenso__documenso": [
        "packages/prisma/migrations: prisma (from migration_lock.toml; "
        "Prisma version not found: assumed 7.3 or older, one query string per file)"
    ],
    "prisma/umami-software__umami": [
        "prisma/migrations: prisma (from migration_lock.toml; "
        "Prisma version not found: assumed 7.3 or older, one query string per file)"
    ],
    "sqitch/MullinsLab__viroverse": ["schema: sqitch (from sqitch.plan)"],
    "sqitch/chef__chef-server": [
        "src/oc_bifrost/schema: sqitch (from sqitch.plan)",
        "src/oc_erchef/schema: sqitch (from sqitch.plan)",
        "src/oc_erchef/schema/baseline: sqitch (from sqitch.plan)",
    ],
    "sql-migrate/heroiclabs__nakama": ['migrate/sql: sql-migrate (from "-- +migrate Up" annotations)'],
    "sql-migrate/ovh__cds": [
        'engine/sql/api: sql-migrate (from "-- +migrate Up" annotations)',
        'engine/sql/cdn: sql-migrate (from "-- +migrate Up" annotations)',
    ],
    "sqlx/AppFlowy-IO__AppFlowy-Cloud": [
        "migrations: sqlx (from <version>_<name>.sql names without runner markers (of the runners the gate knows, "
        "only sqlx runs such files); sqlx version not found: assumed 0.8)"
    ],
    "sqlx/quickwit-oss__quickwit": [
        "quickwit/quickwit-metastore/migrations/postgresql: sqlx (its .up.sql pairs, and sqlx's markers elsewhere "
        "in the project; sqlx version not found: assumed 0.8)",
        'quickwit/quickwit-metastore/migrations/postgresql_deferred: sqlx (from a "-- no-transaction" first line; '
        "sqlx version not found: assumed 0.8)",
    ],
}

corpus = pytest.mark.skipif(not RUNNER_CORPUS.is_dir(), reason=f"runner corpus not present at {RUNNER_CORPUS}")


def test_every_shared_project_is_expected():
    if not RUNNER_CORPUS.is_dir():
        pytest.skip(f"runner corpus not present at {RUNNER_CORPUS}")
    projects = sorted(f"{p.parent.name}/{p.name}" for p in RUNNER_CORPUS.glob("*/*") if p.is_dir())
    assert projects == sorted(EXPECTED)


@corpus
@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_check_without_configuration_finds_the_runner(project, cli):
    result = cli("check", "--no-cache", "--format", "json", cwd=RUNNER_CORPUS / project)
    assert result.code in (0, 1), result.err
    lines = [line for line in result.err.splitlines() if not line.startswith("note: history checks skipped")]
    assert lines == [f"migration-gate: {line}" for line in EXPECTED[project]]
    doc = result.json()
    assert doc["files"], "no migration found"
    layouts = {line.split(": ", 2)[2].split(" (")[0] for line in lines}
    kinds = {f["kind"] for f in doc["files"]}
    assert "versioned" in kinds, (layouts, kinds)


@corpus
def test_check_path_of_a_project_finds_its_folders(cli):
    root = RUNNER_CORPUS / "sqitch" / "chef__chef-server"
    result = cli("check", str(root), "--no-cache", "--format", "json")
    assert result.err.splitlines() == [
        f"migration-gate: {root}/{line}" for line in EXPECTED["sqitch/chef__chef-server"]
    ]
    files = result.json()["files"]
    # deploy scripts are versioned (plan order), revert scripts rollbacks, verify scripts not migrations
    assert {f["kind"] for f in files if "/deploy/" in f["path"]} <= {"versioned", "other"}
    assert {f["kind"] for f in files if "/revert/" in f["path"]} <= {"rollback", "other"}
    assert {f["kind"] for f in files if "/verify/" in f["path"]} == {"other"}


# --------------------------------------------------------------------------- small repositories


def write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


GOOSE = "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n"
DBMATE = "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n"


def test_two_runners_in_one_folder_is_exit_2(cli, tmp_path):
    write(tmp_path, {"db/migrations/1_a.sql": GOOSE, "db/migrations/2_b.sql": DBMATE})
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.code == 2
    assert result.err == (
        f"migration-gate: error: {tmp_path / 'db' / 'migrations'}: markers of two runners claim this folder: "
        'dbmate (from "-- migrate:up" markers) and goose (from "-- +goose Up" annotations); '
        "set migrations.layout for it\n"
    )


def test_markers_are_read_file_by_file_even_when_the_heads_are_searched_together(cli, tmp_path):
    """A folder's heads are searched as one text: a marker split between the end of one file and the start of
    the next is no marker, and one in the last file still counts."""
    write(
        tmp_path,
        {
            "migrations/1_a.sql": "CREATE TABLE a (id int);\n--",  # ends in "--", no newline
            "migrations/2_b.sql": "+goose Up\nCREATE TABLE b (id int); -- migrate:up\n",  # mid-line: no marker
            "migrations/3_c.sql": "-- x\n--liquibase formatted sql\n",  # a header only counts at the top
        },
    )
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.err.splitlines()[0].startswith("migration-gate: migrations: sqlx (from <version>_<name>.sql names")
    write(tmp_path, {"migrations/4_d.sql": "\ufeff--  +goose up\nSELECT 1;\n"})
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.err.splitlines()[0] == 'migration-gate: migrations: goose (from "-- +goose Up" annotations)'


@pytest.mark.parametrize(
    ("heads", "layouts"),
    [
        (["-- +goose Up\n"], ["goose"]),
        (["SELECT 1;\n", "--\t+GOOSE   up\n"], ["goose"]),
        (["-- +gooſe Up\n"], ["goose"]),  # re.I: `s` also matches the long s, and the literal is searched so
        (["-- +goose Upgrade\n"], []),
        (["-- +migrate Up\n"], ["sql-migrate"]),
        (["-- +migrate Down\n"], ["sql-migrate"]),
        (["-- +migrate up\n", "--  +migrate Up\n"], []),  # sql-migrate's annotations are case- and space-exact
        (["--migrate:up\n"], ["dbmate"]),
        (["-- migrate:up create\n", "-- migrate:upgrade\n"], ["dbmate"]),
        (["-- migrate:upgrade\n", "x -- migrate:up\n"], []),
        (["-- +goose Up\n", "-- migrate:up\n", "-- +migrate Up\n"], ["goose", "sql-migrate", "dbmate"]),
        ([" --liquibase formatted sql\n"], ["liquibase"]),
    ],
)
def test_marker_votes_are_the_patterns_answers(heads, layouts):
    """The literals searched before each marker pattern only ever rule a pattern out when it cannot match."""
    from migration_gate.detection_votes import _marker_votes

    assert [vote.layout for vote in _marker_votes(heads)] == layouts


def test_a_monorepo_gets_one_line_per_folder_and_each_folder_its_runner(cli, tmp_path):
    write(
        tmp_path,
        {
            "services/a/migrations/1_a.sql": GOOSE,
            "services/b/db/migrations/20240101000000_b.sql": DBMATE,
            "services/c/prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
            "services/c/prisma/migrations/20240101_init/migration.sql": "CREATE TABLE c (id int);\n",
            "services/c/package.json": '{"dependencies": {"prisma": "^7.6.0"}}',
            "scripts/seed.sql": "INSERT INTO a VALUES (1);\n",  # not a migration folder: not checked
        },
    )
    result = cli("check", "--no-cache", "--format", "json", cwd=tmp_path)
    assert result.err.splitlines()[:3] == [
        "migration-gate: services/a/migrations: goose (from \"-- +goose Up\" annotations)",
        'migration-gate: services/b/db/migrations: dbmate (from "-- migrate:up" markers)',
        "migration-gate: services/c/prisma/migrations: prisma (from migration_lock.toml; "
        "Prisma ^7.6.0 from package.json: statements one at a time)",
    ]
    paths = [f["path"] for f in result.json()["files"]]
    assert paths == [
        "services/a/migrations/1_a.sql",
        "services/b/db/migrations/20240101000000_b.sql",
        "services/c/prisma/migrations/20240101_init/migration.sql",
    ]


def test_pairs_fall_back_to_up_down_and_a_go_mod_names_golang_migrate(cli, tmp_path):
    write(
        tmp_path, {"migrations/1_a.up.sql": "CREATE TABLE a (id int);\n", "migrations/1_a.down.sql": "DROP TABLE a;\n"}
    )
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.err.splitlines()[0].startswith("migration-gate: migrations: up-down (nothing tells golang-migrate")
    write(tmp_path, {"go.mod": "module x\n\nrequire github.com/golang-migrate/migrate/v4 v4.19.1\n"})
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.err.splitlines()[0] == (
        "migration-gate: migrations: golang-migrate (from github.com/golang-migrate/migrate in go.mod; "
        "golang-migrate v4.19.1 from go.mod)"
    )


def test_a_flyway_folder_is_one_location_as_before(cli, tmp_path):
    write(
        tmp_path,
        {
            "migrations/V1__a.sql": "CREATE TABLE a (id int);\n",
            "migrations/rollback/V1__rollback.sql": "DROP TABLE a;\n",
            "migrations/seeds/data.sql": "INSERT INTO a VALUES (1);\n",
        },
    )
    result = cli("check", "--no-cache", "--format", "json", cwd=tmp_path)
    assert result.err.splitlines()[0] == "migration-gate: migrations: flyway (from V<version>__<description>.sql names)"
    kinds = {f["path"]: f["kind"] for f in result.json()["files"]}
    assert kinds == {
        "migrations/V1__a.sql": "versioned",
        "migrations/rollback/V1__rollback.sql": "rollback",
        "migrations/seeds/data.sql": "other",
    }


def test_an_explicit_layout_prints_nothing_and_a_list_gives_each_folder_its_own(cli, tmp_path):
    write(
        tmp_path,
        {
            "a/1_a.sql": GOOSE,
            "b/20240101000000_b.sql": DBMATE,
            ".migration-gate.yml": "migrations:\n  - path: a\n    layout: goose\n  - path: b\n    layout: dbmate\n",
        },
    )
    result = cli("check", "--no-cache", "--format", "json", cwd=tmp_path)
    assert not [line for line in result.err.splitlines() if not line.startswith("note: history checks skipped")]
    assert [f["kind"] for f in result.json()["files"]] == ["versioned", "versioned"]
    write(tmp_path, {".migration-gate.yml": "migrations:\n  - path: a\n  - path: b\n    layout: dbmate\n"})
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.err.splitlines()[0] == 'migration-gate: a: goose (from "-- +goose Up" annotations)'


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("migrations:\n  layout: nope\n", "migrations.layout: 'nope' is not one of flyway, up-down, golang-migrate"),
        ("migrations:\n  - layout: goose\n", "migrations[0].path: required: the folder"),
        ("migrations:\n  layout: pattern\n", "migrations.pattern: layout: pattern needs a regular expression"),
        ("migrations:\n  pattern: '(?P<v>1)'\n", "migrations.pattern: needs a named group (?P<version>…)"),
        ("statement_delivery: fast\n", "statement_delivery: 'fast' is not one of one-query, per-statement"),
        ("migrations:\n  runner_options: {x: [1]}\n", "migrations.runner_options.x: expected a text value"),
    ],
)
def test_bad_layout_settings_are_exit_2(cli, tmp_path, config, message):
    write(tmp_path, {".migration-gate.yml": config, "migrations/V1__a.sql": "SELECT 1;\n"})
    result = cli("check", "--no-cache", cwd=tmp_path)
    assert result.code == 2
    assert message in result.err and result.err.count("\n") == 1


# --------------------------------------------------------------------------- versions, order, duplicates


def _run_order(tmp_path, layout: str, files: dict[str, str]) -> list[str]:
    from migration_gate.config import load_config
    from migration_gate.discovery import scope_from_config

    write(tmp_path, {**files, ".migration-gate.yml": f"migrations:\n  path: m\n  layout: {layout}\n"})
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        scope = scope_from_config(load_config(None))
    finally:
        os.chdir(cwd)
    return [f.relpath for f in scope.files if f.kind == "versioned"]


def test_run_order_is_the_runners(tmp_path):
    journal = '{"entries":[{"tag":"0002_b","when":1},{"tag":"0001_a","when":2}]}'
    drizzle = {"m/meta/_journal.json": journal, "m/0001_a.sql": "SELECT 1;\n", "m/0002_b.sql": "SELECT 2;\n"}
    assert _run_order(tmp_path / "d", "drizzle", drizzle) == ["0002_b.sql", "0001_a.sql"]  # journal order
    plan = "%project=x\n\nzeta 2026-01-01T00:00:00Z a <a@b>\nalpha 2026-01-01T00:00:01Z a <a@b>\n"
    sqitch = {"m/sqitch.plan": plan, "m/deploy/zeta.sql": "SELECT 1;\n", "m/deploy/alpha.sql": "SELECT 2;\n"}
    assert _run_order(tmp_path / "s", "sqitch", sqitch) == ["deploy/zeta.sql", "deploy/alpha.sql"]
    prisma = {f"m/{n}/migration.sql": "SELECT 1;\n" for n in ("10_x", "9_x", "B_x", "a_x", "1_init")}
    assert _run_order(tmp_path / "p", "prisma", prisma) == [
        "1_init/migration.sql",
        "10_x/migration.sql",
        "9_x/migration.sql",
        "a_x/migration.sql",
        "B_x/migration.sql",
    ]
    goose = {f"m/{n}": "-- +goose Up\nSELECT 1;\n" for n in ("10_b.sql", "9_a.sql")}
    assert _run_order(tmp_path / "g", "goose", goose) == ["9_a.sql", "10_b.sql"]  # numbers
    dbmate = {f"m/{n}": "-- migrate:up\n-- migrate:down\n" for n in ("10_b.sql", "9_a.sql")}
    assert _run_order(tmp_path / "db", "dbmate", dbmate) == ["10_b.sql", "9_a.sql"]  # text


@pytest.mark.parametrize(
    ("layout", "names", "duplicates"),
    [
        ("goose", ["1_a.sql", "001_b.sql"], True),  # the same number
        ("dbmate", ["1_a.sql", "001_b.sql"], False),  # versions are text
        ("sql-migrate", ["1_a.sql", "1_b.sql"], False),  # the identity is the file name
        ("sqlx", ["1_a.sql", "01_b.sql"], True),
    ],
)
def test_duplicates_as_the_runner_sees_them(cli, tmp_path, layout, names, duplicates):
    body = {"goose": "-- +goose Up\nSELECT 1;\n", "dbmate": "-- migrate:up\n-- migrate:down\n"}.get(
        layout, "-- +migrate Up\nSELECT 1;\n" if layout == "sql-migrate" else "SELECT 1;\n"
    )
    write(tmp_path, {f"m/{n}": body for n in names})
    write(tmp_path, {".migration-gate.yml": f"migrations:\n  path: m\n  layout: {layout}\n"})
    result = cli("check", "--no-cache", "--format", "json", "--rule", "duplicate-migration-version", cwd=tmp_path)
    assert bool(result.json()["violations"]) == duplicates


def test_versions_are_per_folder_for_runners_that_read_one_folder(cli, tmp_path):
    write(
        tmp_path,
        {
            "a/1_x.sql": "-- +goose Up\nSELECT 1;\n",
            "b/1_y.sql": "-- +goose Up\nSELECT 1;\n",
            ".migration-gate.yml": "migrations:\n  path: [a, b]\n  layout: goose\n",
        },
    )
    result = cli("check", "--no-cache", "--format", "json", "--rule", "duplicate-migration-version", cwd=tmp_path)
    assert result.json()["violations"] == []


def test_every_layout_in_one_run(cli):
    """A monorepo of every runner: one line per folder, versions of different runners never compared."""
    from conftest import FIXTURES

    result = cli("check", str(FIXTURES / "layouts"), "--no-cache", "--format", "json")
    assert result.code == 1, result.err
    found = {
        line.split(": ", 2)[2].split(" (")[0] for line in result.err.splitlines() if line.startswith("migration-gate:")
    }
    # up-down and pattern fixtures name their layout in a config this run does not read: found as what they are
    assert found >= {"atlas", "dbmate", "diesel", "drizzle", "flyway", "golang-migrate", "goose", "liquibase"}
    assert found >= {"pop", "prisma", "sqitch", "sql-migrate", "sqlx"}
