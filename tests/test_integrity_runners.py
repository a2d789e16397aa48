"""The gate's integrity facts against the real runners, on a throwaway PostgreSQL.

Each test lets the runner apply migrations and compares what the runner stored
(``_sqlx_migrations.checksum``, ``DATABASECHANGELOG.MD5SUM``, Sqitch's
``change_id`` and ``script_hash``, drizzle's ``__drizzle_migrations.hash``) with
the gate's computation, then changes the files the way a pull request would
and checks that the runner does what the gate's finding says, in the words
the finding quotes.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import GitRepo
from runner_repos import history_findings
from runner_tools import Database, database_fixture, node_modules, run, tcp_server_fixture, tool  # noqa: F401

from migration_gate.core.integrity import drizzle, liquibase, sqitch, sqlx


def quoted(message: str) -> str:
    """The runner's own words a finding quotes: the text between the first pair of double quotes."""
    start = message.index('"') + 1
    return message[start : message.index('"', start)]


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for relpath, text in files.items():
        path = folder / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())


# --------------------------------------------------------------------------- sqlx-cli 0.8.6


def test_sqlx_stores_our_checksum_and_refuses_the_edit_we_report(git_repo: GitRepo, monkeypatch, database: Database):
    sqlx_cli = tool("sqlx")
    files = {
        "migrations/1_init.sql": "create table t (id int, v int);\ncreate table u (id int);\n",
        "migrations/2_idx.sql": "-- no-transaction\ncreate index concurrently t_v on t (v);\n",
        "migrations/3_crlf.sql": b"create table w (id int);\r\n",
    }
    write(git_repo.path, files)
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    migrate = [sqlx_cli, "migrate", "run", "--source", "migrations", "--database-url", database.url]
    applied = run(migrate, git_repo.path)
    assert applied.code == 0, applied
    stored = database.query("SELECT version, encode(checksum, 'hex') FROM _sqlx_migrations ORDER BY version")
    ours = [
        (int(p.split("/")[1].split("_")[0]), sqlx.checksum(t if isinstance(t, bytes) else t.encode()))
        for p, t in files.items()
    ]
    assert stored == ours

    git_repo.write("migrations/1_init.sql", files["migrations/1_init.sql"] + "\n")
    finding = history_findings(monkeypatch, git_repo.path, "sqlx", "migrations")[0]
    refused = run(migrate, git_repo.path)
    assert refused.code != 0 and quoted(finding[5]) in refused.out, refused
    assert quoted(finding[5]) == "migration 1 was previously applied but has been modified"

    # Out of order: the gate says sqlx applies it anyway; sqlx does, with no message.
    git_repo.write("migrations/1_init.sql", files["migrations/1_init.sql"])
    git_repo.write("migrations/0_early.sql", "create table early (id int);\n")
    finding = history_findings(monkeypatch, git_repo.path, "sqlx", "migrations")[0]
    assert finding[:2] == ("MG308", "warning") and finding[5].endswith(
        "sqlx applies it there anyway, after migrations written later"
    )
    assert run(migrate, git_repo.path).code == 0
    assert database.query("SELECT to_regclass('early') IS NOT NULL") == [(True,)]


# --------------------------------------------------------------------------- Liquibase 4.28.0

MASTER = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.liquibase.org/xml/ns/dbchangelog
        http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-latest.xsd">
  <includeAll path="changes/"/>
</databaseChangeLog>
"""
USERS_LOG = """\
--liquibase formatted sql

--changeset alice:1
CREATE TABLE t1 (id int primary key, name text);
--rollback DROP TABLE t1;

--changeset bob:2 runInTransaction:false
--comment: built without blocking writes
CREATE INDEX CONCURRENTLY t1_name_idx ON t1 (name);
--rollback DROP INDEX t1_name_idx;

--changeset "Topias Heinonen":014-fn splitStatements:false
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END;
$$;
--rollback DROP FUNCTION f();
"""


def liquibase_run(folder: Path, database: Database, *command: str):
    return run(
        [tool("liquibase"), f"--url={database.jdbc}", "--username=postgres", "--changelog-file=master.xml", *command],
        folder,
        env={"LIQUIBASE_ANALYTICS_ENABLED": "false", "LIQUIBASE_SHOW_BANNER": "false"},
    )


def test_liquibase_stores_our_md5sums_and_validates_as_we_say(git_repo: GitRepo, monkeypatch, database: Database):
    files = {
        "db/changelog/master.xml": MASTER,
        "db/changelog/changes/001-users.sql": USERS_LOG,
        "db/changelog/changes/002-crlf.sql": b"--liquibase formatted sql\r\n\r\n--changeset carol:5\r\nCREATE TABLE t5 (id int);\r\n",
        "db/changelog/changes/003-raw.sql": "CREATE TABLE r1 (id int);\n\nCREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n",
    }
    write(git_repo.path, files)
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    folder = git_repo.path / "db/changelog"
    done = liquibase_run(folder, database, "update")
    assert done.code == 0, done
    stored = database.query(
        "SELECT filename || '::' || id || '::' || author, md5sum FROM databasechangelog ORDER BY orderexecuted"
    )
    ours = []
    for name in ("001-users.sql", "002-crlf.sql", "003-raw.sql"):
        text = (folder / "changes" / name).read_bytes().decode()
        ours += [(c.key(f"changes/{name}"), c.checksum()) for c in liquibase.parse(text).changesets]
    assert stored == ours

    # Whitespace only: Liquibase's v9 checksum ignores it, and so does the gate (info).
    path = "db/changelog/changes/001-users.sql"
    git_repo.write(path, USERS_LOG.replace("CREATE TABLE t1 (id int", "CREATE TABLE t1(id  int"))
    assert [f[1] for f in history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog")] == ["info"]
    validated = liquibase_run(folder, database, "validate")
    assert validated.code == 0 and "No validation errors found" in validated.out, validated

    # A real edit: Liquibase's validation fails with the words the gate quotes.
    git_repo.write(path, USERS_LOG.replace("name text", "name varchar"))
    finding = history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog")[0]
    assert finding[:4] == ("MG306", "error", path, 3)
    validated = liquibase_run(folder, database, "validate")
    assert validated.code != 0, validated
    assert " ".join(quoted(finding[5]).split()) in " ".join(validated.out.split()), validated

    # A moved changelog: Liquibase runs its changesets again (and fails on the existing table), as reported.
    git_repo.write(path, USERS_LOG)
    (folder / "changes/archive").mkdir()
    git_repo.git("mv", path, "db/changelog/changes/archive/001-users.sql")
    finding = history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog")[0]
    assert finding[1] == "error" and "run again" in finding[5]
    rerun = liquibase_run(folder, database, "update")
    assert rerun.code != 0 and 'relation "t1" already exists' in rerun.out, rerun


# --------------------------------------------------------------------------- Sqitch 1.3.1

SQITCH_PLAN = """\
%syntax-version=1.0.0
%project=demo

users 2024-01-01T00:00:00Z Dev <dev@example.com> # users
orders [users] 2024-01-02T00:00:00Z Dev <dev@example.com> # orders
@v1 2024-01-02T00:00:01Z Dev <dev@example.com> # tag v1
"""
SQITCH_FILES = {
    "db/sqitch.conf": "[core]\n\tengine = pg\n",
    "db/sqitch.plan": SQITCH_PLAN,
    "db/deploy/users.sql": "BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT;\n",
    "db/revert/users.sql": "BEGIN;\nDROP TABLE users;\nCOMMIT;\n",
    "db/deploy/orders.sql": "CREATE INDEX CONCURRENTLY users_id ON users (id);\n",
    "db/revert/orders.sql": "DROP INDEX users_id;\n",
}


def sqitch_run(folder: Path, database: Database, *command: str):
    target = f"db:pg://postgres@127.0.0.1:{database.port}/{database.name}"
    env = {"SQITCH_USER_NAME": "Dev", "SQITCH_USER_EMAIL": "dev@example.com", "SQITCH_CONFIG": str(folder / "x.conf")}
    return run([tool("sqitch"), *command, target], folder, env=env)


def test_sqitch_stores_our_ids_and_hashes_and_reacts_as_we_say(git_repo: GitRepo, monkeypatch, database: Database):
    write(git_repo.path, SQITCH_FILES)
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    folder = git_repo.path / "db"
    deployed = sqitch_run(folder, database, "deploy")
    assert deployed.code == 0, deployed
    stored = database.query("SELECT change, change_id, script_hash FROM sqitch.changes ORDER BY committed_at")
    plan = sqitch.parse_plan(SQITCH_PLAN)
    ours = [
        (c.name, c.id, sqitch.script_hash((folder / "deploy" / c.script_names()[0]).read_bytes())) for c in plan.changes
    ]
    assert stored == ours

    # An edited deploy script: deploy says nothing, `sqitch check` reports what the gate quotes.
    git_repo.write("db/deploy/users.sql", "BEGIN;\nCREATE TABLE users (id bigint, email text);\nCOMMIT;\n")
    finding = history_findings(monkeypatch, git_repo.path, "sqitch", "db")[0]
    assert finding[:4] == ("MG306", "error", "db/deploy/users.sql", 2)
    again = sqitch_run(folder, database, "deploy")
    assert again.code == 0 and "Nothing to deploy (up-to-date)" in again.out, again
    checked = sqitch_run(folder, database, "check")
    assert checked.code != 0 and quoted(finding[5]) in checked.out, checked  # "Script signatures diverge at …"

    # An edited plan line: deploy stops with the error the gate quotes.
    git_repo.write("db/deploy/users.sql", SQITCH_FILES["db/deploy/users.sql"])
    git_repo.write("db/sqitch.plan", SQITCH_PLAN.replace("# users", "# the users"))
    finding = history_findings(monkeypatch, git_repo.path, "sqitch", "db")[0]
    assert finding[:4] == ("MG306", "error", "db/sqitch.plan", 4)
    stopped = sqitch_run(folder, database, "deploy")
    assert stopped.code != 0, stopped
    assert quoted(finding[5]) in stopped.out, stopped  # "Cannot find change <id> (orders @v1) in sqitch.plan"


# --------------------------------------------------------------------------- drizzle-orm 0.45.4 (node-postgres)

DRIZZLE_MIGRATE = """
const pg = require("pg");
const { drizzle } = require("drizzle-orm/node-postgres");
const { migrate } = require("drizzle-orm/node-postgres/migrator");
(async () => {
  const client = new pg.Client({ connectionString: process.argv[1] });
  await client.connect();
  try { await migrate(drizzle(client), { migrationsFolder: process.argv[2] }); console.log("migrated"); }
  finally { await client.end(); }
})().catch((e) => { console.error(e.message); process.exit(1); });
"""


def drizzle_journal(*entries: tuple[str, int]) -> str:
    rows = [{"idx": i, "version": "7", "when": w, "tag": t, "breakpoints": True} for i, (t, w) in enumerate(entries)]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": rows}, indent=2) + "\n"


def test_drizzle_stores_our_hash_never_compares_it_and_skips_an_older_when(
    git_repo: GitRepo, monkeypatch, database: Database
):
    modules = node_modules("drizzle-orm", "pg")
    files = {
        "drizzle/0000_init.sql": 'CREATE TABLE "t1" ("id" integer);\n--> statement-breakpoint\nCREATE TABLE "t2" ("id" integer);\n',
        "drizzle/0001_second.sql": 'CREATE TABLE "t3" ("id" integer);\n',
        "drizzle/meta/_journal.json": drizzle_journal(("0000_init", 1700000000000), ("0001_second", 1700000001000)),
    }
    write(git_repo.path, files)
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    migrate = ["node", "-e", DRIZZLE_MIGRATE, database.url, str(git_repo.path / "drizzle")]
    env = {"NODE_PATH": str(modules)}
    done = run(migrate, git_repo.path, env=env)
    assert done.code == 0, done
    stored = database.query('SELECT hash, created_at FROM drizzle."__drizzle_migrations" ORDER BY id')
    assert stored == [
        (drizzle.migration_hash(files["drizzle/0000_init.sql"].encode()), 1700000000000),
        (drizzle.migration_hash(files["drizzle/0001_second.sql"].encode()), 1700000001000),
    ]

    # An edit of an applied migration: the gate says drizzle never compares the hash; drizzle runs nothing.
    git_repo.write("drizzle/0000_init.sql", files["drizzle/0000_init.sql"] + 'CREATE TABLE "t9" ("id" integer);\n')
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle")[0][:2] == ("MG306", "error")
    assert run(migrate, git_repo.path, env=env).code == 0
    assert database.query("SELECT to_regclass('t9') IS NULL, count(*) FROM drizzle.__drizzle_migrations") == [(True, 2)]

    # A new entry whose `when` is older than the newest applied one: the gate says never applied; it is not.
    git_repo.write("drizzle/0000_init.sql", files["drizzle/0000_init.sql"])
    git_repo.write("drizzle/0002_late.sql", 'CREATE TABLE "late" ("id" integer);\n')
    entries = (("0000_init", 1700000000000), ("0001_second", 1700000001000), ("0002_late", 1699999999999))
    git_repo.write("drizzle/meta/_journal.json", drizzle_journal(*entries))
    finding = history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle")[0]
    assert finding[:3] == ("MG308", "error", "drizzle/meta/_journal.json")
    assert run(migrate, git_repo.path, env=env).code == 0
    assert database.query("SELECT to_regclass('late') IS NULL") == [(True,)]


# --------------------------------------------------------------------------- dbmate 2.37.0 and sql-migrate


def test_dbmate_applies_an_older_migration_unless_strict_as_we_say(git_repo: GitRepo, monkeypatch, database: Database):
    dbmate = tool("dbmate")
    files = {
        "db/migrations/20240101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id bigint);\n\n-- migrate:down\n",
        "db/migrations/20240102000000_orders.sql": "-- migrate:up\nCREATE TABLE orders (id bigint);\n\n-- migrate:down\n",
    }
    write(git_repo.path, files)
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    base = [dbmate, "--url", database.url, "--migrations-dir", "db/migrations", "--no-dump-schema", "migrate"]
    assert run(base, git_repo.path).code == 0
    git_repo.write(
        "db/migrations/20240101120000_late.sql", "-- migrate:up\nCREATE TABLE late (id bigint);\n\n-- migrate:down\n"
    )

    git_repo.write(".env", "DBMATE_STRICT=true\n")  # what the gate reads as --strict
    finding = history_findings(monkeypatch, git_repo.path, "dbmate", "db/migrations")[0]
    assert finding[:2] == ("MG308", "error")
    refused = run(base, git_repo.path)  # dbmate loads .env itself
    assert refused.code != 0 and quoted(finding[5]) in refused.out, refused

    (git_repo.path / ".env").unlink()
    finding = history_findings(monkeypatch, git_repo.path, "dbmate", "db/migrations")[0]
    assert finding[:2] == ("MG308", "warning")
    assert run(base, git_repo.path).code == 0
    assert database.query("SELECT to_regclass('late') IS NOT NULL") == [(True,)]


def test_sql_migrate_renamed_file_is_unknown_to_the_database_as_we_say(
    git_repo: GitRepo, monkeypatch, database: Database
):
    sql_migrate = tool("sql-migrate")
    files = {
        "migrations/1_users.sql": "-- +migrate Up\nCREATE TABLE users (id bigint);\n\n-- +migrate Down\nDROP TABLE users;\n",
        "dbconfig.yml": (
            "development:\n  dialect: postgres\n"
            f"  datasource: host=127.0.0.1 port={database.port} user=postgres dbname={database.name} sslmode=disable\n"
            "  dir: migrations\n"
        ),
    }
    write(git_repo.path, files)
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    assert run([sql_migrate, "up"], git_repo.path).code == 0
    git_repo.git("mv", "migrations/1_users.sql", "migrations/1_create_users.sql")
    finding = history_findings(monkeypatch, git_repo.path, "sql-migrate", "migrations")[0]
    assert finding[:2] == ("MG306", "error")
    refused = run([sql_migrate, "up"], git_repo.path)
    assert refused.code != 0 and quoted(finding[5]) in refused.out, refused
