"""``--database-url``: Flyway's flyway_schema_history in a real, throwaway PostgreSQL.

The table is created with Flyway's own DDL for PostgreSQL (flyway-core
``createMetaDataTable.sql``) and filled with rows shaped like the ones Flyway
writes (``type`` SQL / BASELINE, ``description`` with spaces for ``_``,
``script`` relative to the location, ``checksum`` the file's Flyway checksum).
"""

from __future__ import annotations

import itertools

import pytest

from migration_gate.core.checksum import checksum_of_bytes

FLYWAY_DDL = """
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
"""

FILES = {
    "V1__create_users.sql": "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    "V2__create_orders.sql": "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    "V3__add_email.sql": "ALTER TABLE users ADD COLUMN email text;\n",
    "V5__add_total.sql": "ALTER TABLE orders ADD COLUMN total numeric;\n",
    "V6__add_status.sql": "ALTER TABLE orders ADD COLUMN status text;\n",
    "R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n",
}
_databases = itertools.count()


def checksum(name: str) -> int:
    return checksum_of_bytes(FILES[name].encode())


@pytest.fixture
def database(pg_server):
    """A fresh database; returns (url, run-SQL function)."""
    import psycopg

    name = f"mg_history_{next(_databases)}"
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")

    def sql(statement: str, params=None):
        with psycopg.connect(pg_server.conninfo(name), autocommit=True) as conn:
            conn.execute(statement, params)

    return pg_server.connection.url(name), sql


def applied(
    sql,
    rank: int,
    version: str | None,
    description: str,
    script: str,
    checksum_value: int | None,
    success: bool = True,
    kind: str = "SQL",
) -> None:
    sql(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
        "installed_by, installed_on, execution_time, success) "
        "VALUES (%s, %s, %s, %s, %s, %s, 'flyway', TIMESTAMP '2024-05-01 10:00:00' + %s * INTERVAL '1 minute', "
        "12, %s)",
        (rank, version, description, kind, script, checksum_value, rank, success),
    )


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text)
    # These files are about the database's history, not their locks.
    (tmp_path / ".migration-gate.yml").write_text("rules:\n  missing-rollback: off\n  missing-lock-timeout: off\n")
    return tmp_path


def test_database_findings_and_notes(cli, database, project):
    url, sql = database
    sql(FLYWAY_DDL)
    applied(sql, 1, "1", "create users", "V1__create_users.sql", checksum("V1__create_users.sql"))
    applied(sql, 2, "2", "create orders", "V2__create_orders.sql", 12345)  # the file changed since
    applied(sql, 3, "4", "drop legacy", "V4__drop_legacy.sql", 777)  # its file is gone
    applied(sql, 4, None, "views", "R__views.sql", 1)  # repeatable: outdated, re-runs
    applied(sql, 5, "5", "add total", "V5__add_total.sql", checksum("V5__add_total.sql"), success=False)
    # V3 is not applied although V4 is: ignored (out of order). V6 is pending.
    result = cli("check", "migrations", "--database-url", url, "--format", "json", cwd=project)
    assert result.code == 1, result.err
    found = sorted((v["code"], v["severity"], v["path"], v["line"]) for v in result.json()["violations"])
    assert found == [
        ("MG306", "error", "migrations/V2__create_orders.sql", 1),
        ("MG306", "error", "migrations/V4__drop_legacy.sql", 1),
        ("MG308", "error", "migrations/V3__add_email.sql", 1),
    ]
    messages = {v["path"]: v["message"] for v in result.json()["violations"]}
    assert messages["migrations/V2__create_orders.sql"] == (
        f"version 2 was applied to the database with checksum 12345 (on 2024-05-01 10:02:00); the file's checksum "
        f"is {checksum('V2__create_orders.sql')}: Flyway's validate fails"
    )
    assert messages["migrations/V4__drop_legacy.sql"].startswith(
        "version 4 (V4__drop_legacy.sql) is applied in the database (on 2024-05-01 10:03:00) but its file is missing"
    )
    text = cli("check", "migrations", "--database-url", url, cwd=project, env={"NO_COLOR": "1"})
    notes = [line for line in text.err.splitlines() if line.startswith("database:")]  # diagnostics: stderr
    assert notes == [
        "database: migrations/V5__add_total.sql failed (success = false, installed on 2024-05-01 10:05:00); "
        "Flyway refuses to migrate until it is repaired",
        "database: 1 pending migration: migrations/V6__add_status.sql",
    ]


def test_info_shows_the_database_state(cli, database, project):
    url, sql = database
    sql(FLYWAY_DDL)
    applied(sql, 1, None, "<< Flyway Baseline >>", "<< Flyway Baseline >>", None, kind="BASELINE")
    sql("UPDATE flyway_schema_history SET version = '1' WHERE installed_rank = 1")
    applied(sql, 2, "2", "create orders", "V2__create_orders.sql", checksum("V2__create_orders.sql"))
    applied(sql, 3, None, "views", "R__views.sql", checksum("R__views.sql"))
    doc = cli("info", "migrations", "--database-url", url, "--format", "json", cwd=project).json()
    states = {m["path"]: m["database"]["state"] for m in doc["migrations"]}
    assert states == {
        "migrations/V1__create_users.sql": "baseline",
        "migrations/V2__create_orders.sql": "applied",
        "migrations/V3__add_email.sql": "pending",
        "migrations/V5__add_total.sql": "pending",
        "migrations/V6__add_status.sql": "pending",
        "migrations/R__views.sql": "applied",
    }
    v2 = next(m for m in doc["migrations"] if m["version"] == "2")
    assert v2["database"] == {
        "state": "applied",
        "checksum": checksum("V2__create_orders.sql"),
        "installed_rank": 2,
        "installed_on": "2024-05-01 10:02:00",
    }
    text = cli("info", "migrations", "--database-url", url, cwd=project).out
    assert "| Database " in text.splitlines()[1]


def test_the_database_is_only_read(cli, database, project):
    url, sql = database
    sql(FLYWAY_DDL)
    applied(sql, 1, "1", "create users", "V1__create_users.sql", 1)
    before = _rows(url)
    cli("check", "migrations", "--database-url", url, cwd=project)
    cli("info", "migrations", "--database-url", url, cwd=project)
    assert _rows(url) == before


def _rows(url) -> list:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT * FROM flyway_schema_history ORDER BY installed_rank").fetchall()


def test_no_history_table_means_nothing_applied(cli, database, project):
    url, _ = database
    result = cli("check", "migrations", "--database-url", url, cwd=project, env={"NO_COLOR": "1"})
    assert result.code == 0, result.out
    assert (
        "note: database: no flyway_schema_history table on the search path: no migration is applied yet "
        "(or Flyway uses another schema or table)"
    ) in result.err  # diagnostics: stderr
    assert (
        "database: 6 pending migrations: migrations/V1__create_users.sql, migrations/V2__create_orders.sql, "
        "migrations/V3__add_email.sql, migrations/V5__add_total.sql, migrations/V6__add_status.sql, "
        "migrations/R__views.sql"
    ) in result.err.splitlines()
    import psycopg

    with psycopg.connect(url) as conn:  # nothing was created
        assert conn.execute("SELECT to_regclass('flyway_schema_history')").fetchone() == (None,)


def test_connection_failure_is_one_line_and_exit_2(cli, project, pg_server):
    url = pg_server.connection.url("no_such_database")
    result = cli("check", "migrations", "--database-url", url, cwd=project)
    assert result.code == 2
    assert result.out == ""
    line = result.err.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith("migration-gate: error: --database-url: cannot connect: ")
    assert 'database "no_such_database" does not exist' in line


def test_password_is_never_printed(cli, project):
    url = "postgresql://app:s3cr3t-pw@127.0.0.1:1/app?connect_timeout=1&sslmode=disable"
    result = cli("info", "migrations", "--database-url", url, cwd=project)
    assert result.code == 2
    assert "s3cr3t-pw" not in result.err and "s3cr3t-pw" not in result.out
    malformed = cli("check", "migrations", "--database-url", "password=s3cr3t-pw host", cwd=project)
    assert malformed.code == 2
    assert "s3cr3t-pw" not in malformed.err


def test_database_url_needs_the_flyway_layout(cli, tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / ".migration-gate.yml").write_text("migrations:\n  layout: up-down\n")
    result = cli("check", "--database-url", "postgresql:///x", cwd=tmp_path)
    assert result.code == 2
    assert result.err == (
        "migration-gate: error: --database-url reads Flyway's flyway_schema_history: "
        "it needs migrations.layout: flyway\n"
    )
