"""``migration-gate verify`` against a real PostgreSQL.

Most tests use the session's server through ``--database-url`` (verify
creates and drops its own database there); the lifecycle tests let verify
start and stop a throwaway server of its own, and assert nothing is left.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, run_subprocess

FLYWAY = "migrations:\n  path: migrations\n  layout: flyway\n"
DIESEL = "migrations:\n  path: migrations\n  layout: up-down\n"


def write_project(root: Path, files: dict[str, str], config: str = FLYWAY) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".migration-gate.yml").write_text(config, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def url(pg_server) -> str:
    return pg_server.connection.url()


@pytest.fixture
def verify(cli, url):
    """``verify(folder, *args)`` → the parsed JSON report (and ``.code``, ``.err``)."""

    def run(folder: Path, *args: str, fmt: str = "json"):
        result = cli("verify", "--database-url", url, "--format", fmt, *args, cwd=folder)
        assert result.code in (0, 1), result.err
        return result

    return run


def by_rule(doc: dict, rule: str) -> list[tuple[str, int, str]]:
    return [(v["path"], v["line"], v["message"]) for v in doc["violations"] if v["rule"] == rule]


USERS = (
    "CREATE TABLE users (\n"
    "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
    "    email text NOT NULL,\n"
    "    preferences jsonb NOT NULL DEFAULT '{}'\n"
    ");\n"
)
ORDERS = (
    "CREATE TABLE orders (\n"
    "    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
    "    user_id bigint NOT NULL,\n"
    "    status text NOT NULL DEFAULT 'pending',\n"
    "    created_at timestamptz NOT NULL DEFAULT now()\n"
    ");\n"
)


def base_files() -> dict[str, str]:
    return {
        "migrations/V1__create_users.sql": USERS,
        "migrations/rollback/V1__rollback.sql": "DROP TABLE users;\n",
        "migrations/V2__create_orders.sql": ORDERS,
        "migrations/rollback/V2__rollback.sql": "DROP TABLE orders;\n",
    }


# --------------------------------------------------------------------------- round trips


def test_correct_pair_passes(verify, tmp_path):
    files = base_files()
    files["migrations/V3__orders_user_fk.sql"] = (
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user;\n"
        "CREATE INDEX idx_orders_pending ON orders (created_at) WHERE status = 'pending';\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = (
        "DROP INDEX idx_orders_pending;\nALTER TABLE orders DROP CONSTRAINT fk_orders_user;\n"
    )
    folder = write_project(tmp_path / "p", files)
    result = verify(folder)
    doc = result.json()
    assert result.code == 0
    assert doc["summary"]["errors"] == 0
    assert [f["path"] for f in doc["files"]] == [
        "migrations/V1__create_users.sql",
        "migrations/V2__create_orders.sql",
        "migrations/V3__orders_user_fk.sql",
        "migrations/rollback/V1__rollback.sql",
        "migrations/rollback/V2__rollback.sql",
        "migrations/rollback/V3__rollback.sql",
    ]
    # Observed locks, per statement, as pg_locks spells them.
    v3 = {s["line"]: s["locks"] for s in doc["statements"] if s["path"].endswith("V3__orders_user_fk.sql")}
    assert {(l["table"], l["mode"]) for l in v3[1]} == {
        ("public.orders", "ShareRowExclusiveLock"),
        ("public.users", "ShareRowExclusiveLock"),
    }
    # VALIDATE scans orders (whether it scans users too is the planner's choice).
    assert {(l["table"], l["mode"]) for l in v3[2]} == {
        ("public.orders", "ShareUpdateExclusiveLock"),
        ("public.users", "RowShareLock"),
    }
    assert [l["scan"] for l in v3[2] if l["table"] == "public.orders"] == [True]
    assert [(l["table"], l["mode"], l["rewrite"]) for l in v3[3]] == [("public.orders", "ShareLock", False)]
    infos = by_rule(doc, "observed-locks")
    assert (
        "migrations/V3__orders_user_fk.sql",
        3,
        "PostgreSQL took ShareLock on orders (ShareRowExclusiveLock already held, scanned)",
    ) in infos


def test_text_report(verify, tmp_path):
    files = base_files()
    files["migrations/V3__add_index.sql"] = "CREATE INDEX idx_orders_status ON orders (status);\n"
    files["migrations/rollback/V3__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    result = verify(folder, fmt="text")
    assert result.code == 1
    assert (
        "migrations/rollback/V3__rollback.sql:1:1: error[rollback-incomplete] after the rollback of "
        "migrations/V3__add_index.sql: index idx_orders_status still exists\n"
    ) in result.out
    assert (
        "migrations/V3__add_index.sql:1:1: error[reapply-fails] applying the migration again after its "
        "rollback fails: relation \"idx_orders_status\" already exists\n"
    ) in result.out
    assert result.out.rstrip().endswith("gate failed")


FORGETFUL = {
    "index": (
        "CREATE INDEX idx_orders_pending ON orders (created_at) WHERE status = 'pending';\n",
        "SELECT 1;\n",
        ["index idx_orders_pending still exists"],
    ),
    "constraint": (
        "ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid'));\n",
        "SELECT 1;\n",
        ["constraint orders.orders_status_check still exists"],
    ),
    "default": (
        "ALTER TABLE users ALTER COLUMN preferences DROP DEFAULT;\n",
        "SELECT 1;\n",
        ["column users.preferences: DEFAULT '{}'::jsonb not restored"],
    ),
    "not null": (
        "ALTER TABLE users ALTER COLUMN preferences DROP NOT NULL;\n",
        "SELECT 1;\n",
        ["column users.preferences: NOT NULL not restored"],
    ),
    "all at once": (
        "ALTER TABLE users ADD COLUMN nickname text;\n"
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n"
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
        "CREATE UNIQUE INDEX idx_users_email ON users (lower(email));\n",
        "ALTER TABLE users DROP COLUMN nickname;\n",
        [
            "column orders.status: DEFAULT is 'new'::text, was 'pending'::text before the migration",
            "column users.email: NOT NULL not restored",
            "constraint orders.orders_user_fk still exists",
            "index idx_users_email still exists",
        ],
    ),
    "type": (
        "ALTER TABLE users ALTER COLUMN email TYPE varchar(320);\n",
        "SELECT 1;\n",
        ["column users.email: type is character varying(320), was text before the migration"],
    ),
    "dropped column": (
        "ALTER TABLE users DROP COLUMN preferences;\n",
        "ALTER TABLE users ADD COLUMN preferences jsonb;\n",
        [
            "column users.preferences: DEFAULT '{}'::jsonb not restored",
            "column users.preferences: NOT NULL not restored",
        ],
    ),
}


@pytest.mark.parametrize("case", FORGETFUL, ids=list(FORGETFUL))
def test_rollback_incomplete_says_exactly_what_differs(verify, tmp_path, case):
    migration, rollback, expected = FORGETFUL[case]
    files = base_files()
    files["migrations/V3__change.sql"] = migration
    files["migrations/rollback/V3__rollback.sql"] = rollback
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    incomplete = by_rule(doc, "rollback-incomplete")
    assert incomplete == [
        ("migrations/rollback/V3__rollback.sql", 1, f"after the rollback of migrations/V3__change.sql: {words}")
        for words in expected
    ]
    assert all(v["severity"] == "error" for v in doc["violations"] if v["rule"] == "rollback-incomplete")


def test_validity_is_compared(verify, tmp_path):
    files = base_files()
    files["migrations/V3__not_valid.sql"] = (
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = "ALTER TABLE orders DROP CONSTRAINT orders_user_fk;\n"
    files["migrations/V4__validate.sql"] = "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n"
    files["migrations/rollback/V4__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    doc = verify(folder).json()
    assert by_rule(doc, "rollback-incomplete") == [
        (
            "migrations/rollback/V4__rollback.sql",
            1,
            "after the rollback of migrations/V4__validate.sql: constraint orders.orders_user_fk: "
            "validated now, was NOT VALID",
        )
    ]
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before  # nothing written


def test_schema_objects_of_every_kind_are_compared(verify, tmp_path):
    files = base_files()
    files["migrations/V3__objects.sql"] = (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        "CREATE SCHEMA reporting;\n"
        "CREATE TYPE mood AS ENUM ('happy', 'sad');\n"
        "CREATE SEQUENCE invoice_numbers START 1000;\n"
        "CREATE VIEW reporting.pending_orders AS SELECT id FROM orders WHERE status = 'pending';\n"
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
        "CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = "SELECT 1;\n"
    files["migrations/V4__enum_value.sql"] = "ALTER TYPE mood ADD VALUE 'meh';\n"
    files["migrations/rollback/V4__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    messages = [m for _, _, m in by_rule(doc, "rollback-incomplete")]
    assert messages == [  # at the same position, reports sort by message
        "after the rollback of migrations/V3__objects.sql: enum type mood still exists",
        "after the rollback of migrations/V3__objects.sql: extension pg_trgm still exists",
        "after the rollback of migrations/V3__objects.sql: function touch() still exists",
        "after the rollback of migrations/V3__objects.sql: schema reporting still exists",
        "after the rollback of migrations/V3__objects.sql: sequence invoice_numbers still exists",
        "after the rollback of migrations/V3__objects.sql: trigger orders.orders_touch still exists",
        "after the rollback of migrations/V3__objects.sql: view reporting.pending_orders still exists",
        "after the rollback of migrations/V4__enum_value.sql: type mood: value 'meh' still exists",
    ]
    # The re-apply of V3 fails on what the rollback left behind; verification goes on with V4.
    assert by_rule(doc, "reapply-fails")[0][:2] == ("migrations/V3__objects.sql", 2)
    assert "schema \"reporting\" already exists" in by_rule(doc, "reapply-fails")[0][2]


def test_reapply_fails_after_incomplete_rollback(verify, tmp_path):
    files = base_files()
    files["migrations/V3__status_type.sql"] = "-- order states\nCREATE TYPE order_status AS ENUM ('pending', 'paid');\n"
    files["migrations/rollback/V3__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    fails = [v for v in doc["violations"] if v["rule"] == "reapply-fails"]
    assert [(v["path"], v["line"], v["column"], v["message"]) for v in fails] == [
        (
            "migrations/V3__status_type.sql",
            2,
            1,
            'applying the migration again after its rollback fails: type "order_status" already exists',
        )
    ]


def test_reapply_with_another_schema(verify, tmp_path):
    files = base_files()
    files["migrations/V3__defaults.sql"] = (
        "CREATE TABLE IF NOT EXISTS audit (id int);\n"
        "ALTER TABLE audit ADD COLUMN IF NOT EXISTS at timestamptz;\n"
        "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';\n"
    )
    # The rollback drops the column but not the table, and restores a different default.
    files["migrations/rollback/V3__rollback.sql"] = (
        "ALTER TABLE audit DROP COLUMN at;\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';\n"
    )
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    assert [m for _, _, m in by_rule(doc, "rollback-incomplete")] == [
        "after the rollback of migrations/V3__defaults.sql: table audit still exists"
    ]
    assert by_rule(doc, "reapply-fails") == []  # same schema after the re-apply


def test_missing_rollback_is_applied_and_said_unchecked(verify, tmp_path):
    files = base_files()
    files["migrations/V3__add_index.sql"] = "CREATE INDEX idx_orders_status ON orders (status);\n"
    folder = write_project(tmp_path / "p", files)
    result = verify(folder)
    doc = result.json()
    assert result.code == 0
    assert [v for v in doc["violations"] if v["rule"] == "reapply-fails"] == []  # nothing failed
    unchecked = [v for v in doc["violations"] if v["rule"] == "rollback-not-verified"]
    assert [(v["path"], v["code"], v["severity"], v["message"]) for v in unchecked] == [
        (
            "migrations/V3__add_index.sql",
            "MG407",
            "info",
            "no rollback: the migration applies, but its round trip (rollback, apply again) could not be checked",
        )
    ]


# --------------------------------------------------------------------------- failures


def test_migration_fails_midway_in_a_runner_transaction(verify, tmp_path):
    files = {
        "migrations/2024-01-01-000000_users/up.sql": USERS,
        "migrations/2024-01-01-000000_users/down.sql": "DROP TABLE users;\n",
        "migrations/2024-02-01-000000_orders/up.sql": (
            "CREATE TABLE orders (id int);\n"
            "ALTER TABLE users ADD COLUMN nickname text;\n"
            "UPDATE users SET nickname = lower(mail);\n"
            "ALTER TABLE users ADD COLUMN age int;\n"
        ),
        "migrations/2024-02-01-000000_orders/down.sql": "DROP TABLE orders;\n",
        "migrations/2024-03-01-000000_later/up.sql": "CREATE TABLE later (id int);\n",
        "migrations/2024-03-01-000000_later/down.sql": "DROP TABLE later;\n",
    }
    folder = write_project(tmp_path / "p", files, DIESEL)
    result = verify(folder)
    doc = result.json()
    assert result.code == 1
    fails = [v for v in doc["violations"] if v["rule"] == "migration-fails"]
    assert [(v["path"], v["line"], v["column"], v["message"]) for v in fails] == [
        (
            "migrations/2024-02-01-000000_orders/up.sql",
            3,
            35,
            'PostgreSQL refuses the migration: column "mail" does not exist; the schema is as before the '
            "migration (the runner's transaction was rolled back)",
        )
    ]
    # Nothing after the failure is run.
    assert "migrations/2024-03-01-000000_later/up.sql" not in [f["path"] for f in doc["files"]]


def test_migration_fails_midway_without_a_transaction(verify, tmp_path):
    files = base_files()
    files["migrations/V3__no_transaction.sql"] = (
        "CREATE TABLE audit (id int);\n"
        "ALTER TABLE users ADD COLUMN nickname text;\n"
        "ALTER TABLE users ADD COLUMN age int CHECK (age > 0);\n"
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES nowhere (id);\n"
        "DROP TABLE audit;\n"
    )
    folder = write_project(tmp_path / "p", files, FLYWAY + "transaction: explicit\n")
    doc = verify(folder).json()
    fails = [v for v in doc["violations"] if v["rule"] == "migration-fails"]
    assert [(v["path"], v["line"], v["column"], v["message"]) for v in fails] == [
        (
            "migrations/V3__no_transaction.sql",
            4,
            1,  # PostgreSQL gives no position for this one
            'PostgreSQL refuses the migration: relation "nowhere" does not exist; the statements before it '
            "stayed applied: table audit was created; column users.age was created; "
            "column users.nickname was created; constraint users.users_age_check was created "
            "(it ran outside a transaction)",
        )
    ]


def test_migration_fails_inside_its_own_transaction_block(verify, tmp_path):
    files = base_files()
    files["migrations/V3__explicit.sql"] = (
        "CREATE TABLE before_block (id int);\n"
        "BEGIN;\n"
        "CREATE TABLE in_block (id int);\n"
        "CREATE INDEX CONCURRENTLY idx_orders_status ON orders (status);\n"
        "COMMIT;\n"
    )
    folder = write_project(tmp_path / "p", files, FLYWAY + "transaction: explicit\n")
    doc = verify(folder).json()
    fails = [v for v in doc["violations"] if v["rule"] == "migration-fails"]
    assert [(v["line"], v["message"]) for v in fails] == [
        (
            4,
            "PostgreSQL refuses the migration: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; "
            "the statements before it stayed applied: table before_block was created "
            "(its transaction block was rolled back)",
        )
    ]


def test_unclosed_transaction_is_a_failure(verify, tmp_path):
    files = base_files()
    files["migrations/V3__unclosed.sql"] = "BEGIN;\nCREATE TABLE t (id int);\n"
    folder = write_project(tmp_path / "p", files, FLYWAY + "transaction: explicit\n")
    doc = verify(folder).json()
    assert [(line, m) for _, line, m in by_rule(doc, "migration-fails")] == [
        (
            1,
            "PostgreSQL refuses the migration: the file ends inside a transaction (BEGIN without COMMIT): when "
            "the runner's session ends, PostgreSQL rolls it back; the schema is as before the migration "
            "(its transaction block was rolled back)",
        )
    ]


def test_rollback_fails(verify, tmp_path):
    files = base_files()
    files["migrations/V3__fk.sql"] = (
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = (
        "-- Rollback for V3\nALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;\n"
    )
    files["migrations/V4__later.sql"] = "CREATE TABLE later (id int);\n"
    files["migrations/rollback/V4__rollback.sql"] = "DROP TABLE later;\n"
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    fails = [v for v in doc["violations"] if v["rule"] == "rollback-fails"]
    assert [(v["path"], v["line"], v["column"], v["message"]) for v in fails] == [
        (
            "migrations/rollback/V3__rollback.sql",
            2,
            1,
            'rollback of migrations/V3__fk.sql fails: constraint "orders_user_id_fkey" of relation "orders" '
            "does not exist",
        )
    ]
    # The rollback ran in Flyway's transaction: nothing changed, so verification goes on.
    assert "migrations/rollback/V4__rollback.sql" in [f["path"] for f in doc["files"]]
    assert by_rule(doc, "rollback-incomplete") == []


def test_failed_rollback_outside_a_transaction_rebuilds_the_database(verify, tmp_path):
    files = base_files()
    files["migrations/V3__two_tables.sql"] = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"
    files["migrations/rollback/V3__rollback.sql"] = "DROP TABLE a;\nDROP TABLE bee;\n"
    files["migrations/V4__uses_a.sql"] = "ALTER TABLE a ADD COLUMN x int;\n"
    files["migrations/rollback/V4__rollback.sql"] = "ALTER TABLE a DROP COLUMN x;\n"
    folder = write_project(tmp_path / "p", files, FLYWAY + "transaction: explicit\n")
    doc = verify(folder).json()
    assert [(p, line) for p, line, _ in by_rule(doc, "rollback-fails")] == [("migrations/rollback/V3__rollback.sql", 2)]
    # V4 runs against the schema after V3 (table a exists again), and passes.
    assert by_rule(doc, "migration-fails") == []
    assert doc["summary"]["errors"] == 1


def test_placeholders_are_substituted(verify, tmp_path):
    files = base_files()
    files["migrations/V3__role_table.sql"] = "CREATE TABLE ${prefix}_audit (id int);\n"
    files["migrations/rollback/V3__rollback.sql"] = "DROP TABLE ${prefix}_audit;\n"
    folder = write_project(tmp_path / "p", files, FLYWAY + "placeholders:\n  prefix: app\n")
    result = verify(folder)
    assert result.code == 0, result.out


def test_undefined_placeholder_fails_the_migration(verify, tmp_path):
    files = base_files()
    files["migrations/V3__role_table.sql"] = "-- x\nCREATE TABLE ${prefix}_audit (id int);\n"
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    assert [(line, m) for _, line, m in by_rule(doc, "migration-fails")] == [
        (
            2,
            "PostgreSQL refuses the migration: placeholder ${prefix} has no value (set it under `placeholders`); "
            "the schema is as before the migration",
        )
    ]


# --------------------------------------------------------------------------- tracing


def test_create_index_concurrently_is_traced_from_a_second_connection(verify, tmp_path):
    files = base_files()
    files["migrations/V3__cic.sql"] = (
        "CREATE INDEX CONCURRENTLY idx_orders_created ON orders (created_at);\n"
        "DROP INDEX CONCURRENTLY idx_orders_created;\n"
        "VACUUM;\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    statements = {s["line"]: s["locks"] for s in doc["statements"] if s["path"] == "migrations/V3__cic.sql"}
    assert statements[1] == [
        {
            "table": "public.orders",
            "mode": "ShareUpdateExclusiveLock",
            "rewrite": False,
            "scan": False,
            "rows": None,
            "bytes": None,
            "estimated_seconds": None,
        }
    ]
    assert statements[2] == [
        {
            "table": "public.orders",
            "mode": "ShareUpdateExclusiveLock",
            "rewrite": False,
            "scan": False,
            "rows": None,
            "bytes": None,
            "estimated_seconds": None,
        }
    ]
    assert 3 not in statements  # not traced: never reported as "no locks"
    infos = {line: m for _, line, m in by_rule(doc, "observed-locks") if _ == "migrations/V3__cic.sql"}
    assert infos == {
        1: "first lock requested (seen from a second connection): ShareUpdateExclusiveLock on orders",
        2: "first lock requested (seen from a second connection): ShareUpdateExclusiveLock on orders",
        3: "not traced: VACUUM runs outside a transaction and the table it works on could not be "
        "determined, so its locks were not observed",
    }


def test_statement_that_takes_no_lock_on_a_watched_table(pg_server):
    """The watcher tells "no lock" (it finished while the table was locked) from "not observed"."""
    from migration_gate.core.results import LockReport
    from migration_gate.verify.database import connect
    from migration_gate.verify.runner import Session, _trace_outside

    conn = connect(pg_server.conninfo())
    db = f"mg_test_watch_{os.getpid()}"
    conn.execute(f"CREATE DATABASE {db}")
    try:
        session = Session(lambda: connect(pg_server.conninfo(db)))
        try:
            session.conn.execute("CREATE TABLE a (id int); CREATE TABLE b (id int)")
            stmt = _statement("CREATE INDEX CONCURRENTLY idx_a ON a (id)")
            trace = _trace_outside(
                session,
                stmt,
                stmt.text,
                [LockReport("public.b", "ShareLock", False, False)],
                "CREATE INDEX CONCURRENTLY",
            )
        finally:
            session.close()
    finally:
        conn.execute(f"DROP DATABASE {db} WITH (FORCE)")
        conn.close()
    assert trace.method == "second connection"
    assert trace.watched == ("public.a", "public.b")
    assert [(e.table, e.modes) for e in trace.tables] == [("public.a", ("ShareUpdateExclusiveLock",))]
    from migration_gate.verify.tracing import compare_prediction

    mismatches = compare_prediction(
        [LockReport("public.b", "ShareLock", False, False)], trace, existing={"public.a", "public.b"}
    )
    assert [m.message for m in mismatches] == [
        "PostgreSQL took ShareUpdateExclusiveLock on a; the lock model predicts no lock",
        "the lock model predicts ShareLock on b; PostgreSQL took no lock",
    ]


def _statement(sql: str):
    from migration_gate.core.parse import parse_source
    from migration_gate.core.source import Source

    return parse_source(Source(path="x.sql", text=sql)).statements[0]


def test_rewrites_and_held_locks_are_traced_in_the_transaction(verify, tmp_path):
    files = base_files()
    files["migrations/V3__rewrite.sql"] = (
        "ALTER TABLE users ALTER COLUMN email TYPE varchar(320);\n"
        "ALTER TABLE users ADD COLUMN flags int NOT NULL DEFAULT 0;\n"
        "TRUNCATE orders;\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = (
        "ALTER TABLE users DROP COLUMN flags;\nALTER TABLE users ALTER COLUMN email TYPE text;\n"
    )
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    statements = {s["line"]: s["locks"] for s in doc["statements"] if s["path"] == "migrations/V3__rewrite.sql"}
    assert statements[1] == [
        {
            "table": "public.users",
            "mode": "AccessExclusiveLock",
            "rewrite": True,
            "scan": True,
            "rows": None,
            "bytes": None,
            "estimated_seconds": None,
        }
    ]
    # Already held from line 1: no new lock is visible, and adding a column with a constant default
    # does not rewrite the table.
    assert statements[2] == []
    # TRUNCATE writes a new, empty file (and rebuilds the primary key index by scanning it).
    assert statements[3] == [
        {
            "table": "public.orders",
            "mode": "AccessExclusiveLock",
            "rewrite": True,
            "scan": True,
            "rows": None,
            "bytes": None,
            "estimated_seconds": None,
        }
    ]
    infos = {line: m for p, line, m in by_rule(doc, "observed-locks") if p == "migrations/V3__rewrite.sql"}
    assert infos == {
        1: "PostgreSQL took AccessExclusiveLock on users (rewritten, scanned)",
        3: "PostgreSQL took AccessExclusiveLock on orders (rewritten, scanned)",
    }
    assert by_rule(doc, "rollback-incomplete") == []


def test_lock_prediction_is_compared_per_table(monkeypatch, verify, tmp_path):
    """The static model is another module's job; here a wrong prediction is planted to pin the comparison.

    Planted where verify reads the predictions (the statement reports of ``analyze_file``), not inside the
    core: a compiled core calls its own functions directly, past any patched module attribute."""
    from migration_gate.core.results import LockReport
    from migration_gate.verify import prepare

    planted = {
        1: [LockReport("public.users", "ShareUpdateExclusiveLock", rewrite=True, scan=False)],  # ALTER TABLE
        2: [LockReport("public.orders", "ShareLock", rewrite=False, scan=False)],  # CREATE INDEX
    }
    real = prepare.analyze_file

    def analyze_file(migration, *args, **kwargs):
        result = real(migration, *args, **kwargs)
        if migration.name == "V3__checks.sql":
            for report in result.statements:
                report.locks = planted[report.line]
        return result

    monkeypatch.setattr(prepare, "analyze_file", analyze_file)
    files = base_files()
    files["migrations/V3__checks.sql"] = (
        "ALTER TABLE users ADD CONSTRAINT email_length CHECK (length(email) < 300);\n"
        "CREATE INDEX idx_orders_status ON orders (status);\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = (
        "DROP INDEX idx_orders_status;\nALTER TABLE users DROP CONSTRAINT email_length;\n"
    )
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    mismatches = [
        (v["line"], v["severity"], v["message"]) for v in doc["violations"] if v["rule"] == "lock-prediction-mismatch"
    ]
    assert mismatches == [
        (
            1,
            "warning",
            "PostgreSQL took AccessExclusiveLock on users; the lock model predicts ShareUpdateExclusiveLock",
        ),
        (1, "warning", "the lock model predicts a rewrite of users; PostgreSQL did not rewrite it"),
    ]


def test_compare_prediction_rules():
    from migration_gate.core.results import LockReport
    from migration_gate.verify.tracing import StatementTrace, TableEffect, compare_prediction

    def lock(table, mode, rewrite=False):
        return LockReport(table, mode, rewrite, False)

    trace = StatementTrace(
        "transaction",
        (
            TableEffect("public.a", ("RowExclusiveLock",)),
            TableEffect("public.new", ("AccessExclusiveLock",), created=True),
            TableEffect("public.later", ("AccessExclusiveLock",)),
        ),
        held={"public.b": ("AccessExclusiveLock",)},
        relations=frozenset({"public.a", "public.b", "public.c", "public.new", "public.later"}),
    )
    existing = {"public.a", "public.b", "public.c"}
    # Agreement: equal modes; a mode the transaction already held; a table the statement created;
    # a table created earlier in the migration the model says nothing about; an entry that names an
    # index (not a table the trace sees).
    assert (
        compare_prediction(
            [
                lock("public.a", "RowExclusiveLock"),
                lock("public.b", "AccessExclusiveLock"),
                lock("public.idx_a", "AccessExclusiveLock"),
            ],
            trace,
            existing=existing,
        )
        == []
    )
    messages = [
        m.message
        for m in compare_prediction(
            [
                lock("public.a", "AccessShareLock"),
                lock("public.c", "ShareLock"),
                lock("public.later", "ShareLock"),
                lock("public.a", "Exclusive"),
            ],
            trace,
            existing=existing,
        )
    ]
    assert messages == [
        "the lock model predicts 'Exclusive' on a, which is not a pg_locks mode",
        "PostgreSQL took RowExclusiveLock on a; the lock model predicts AccessShareLock",
        "the lock model predicts ShareLock on c; PostgreSQL took no lock",
        "PostgreSQL took AccessExclusiveLock on later; the lock model predicts ShareLock",
    ]
    untraced = StatementTrace("none", reason="x")
    assert compare_prediction([lock("public.a", "ShareLock")], untraced, existing=existing) == []


# --------------------------------------------------------------------------- base state and seeds


def test_base_state_seeds_and_new_migrations(cli, url, git_repo):
    git_repo.write(".migration-gate.yml", FLYWAY + "verify:\n  seed: migrations/seeds/dev.sql\n")
    for rel, text in base_files().items():
        git_repo.write(rel, text)
    git_repo.write("migrations/R__views.sql", "CREATE OR REPLACE VIEW user_emails AS SELECT email FROM users;\n")
    git_repo.write(
        "migrations/seeds/dev.sql", "INSERT INTO users (email) VALUES ('a@example.com'), ('A@example.com');\n"
    )
    git_repo.commit("merged")
    git_repo.write(
        "migrations/V3__unique_email.sql",
        "ALTER TABLE users ADD COLUMN verified boolean;\n"
        "CREATE UNIQUE INDEX idx_users_email ON users (lower(email));\n",
    )
    git_repo.write("migrations/rollback/V3__rollback.sql", "DROP INDEX idx_users_email;\n")
    result = cli("verify", "--database-url", url, "--base", "main", "--format", "json", cwd=git_repo.path)
    doc = result.json()
    assert result.code == 1
    assert [(v["path"], v["line"], v["message"]) for v in doc["violations"] if v["severity"] == "error"] == [
        (
            "migrations/V3__unique_email.sql",
            2,
            'PostgreSQL refuses the migration: could not create unique index "idx_users_email" '
            "(Key (lower(email))=(a@example.com) is duplicated.); the schema is as before the migration "
            "(the runner's transaction was rolled back)",
        )
    ]
    # The merged migrations were applied (not reported on); only the new one was traced.
    assert {s["path"] for s in doc["statements"]} == {"migrations/V3__unique_email.sql"}
    text = cli("verify", "--database-url", url, "--base", "main", cwd=git_repo.path, env={"NO_COLOR": "1"})
    assert "base: 3 merged migration(s) and 1 seed file(s) applied" in text.err.splitlines()  # diagnostics


def test_seed_that_fails_is_a_usage_error(cli, url, git_repo):
    git_repo.write(".migration-gate.yml", FLYWAY + "verify:\n  seed: [seeds/broken.sql]\n")
    for rel, text in base_files().items():
        git_repo.write(rel, text)
    git_repo.write("seeds/broken.sql", "INSERT INTO users (email) VALUES (NULL);\n")
    git_repo.commit("merged")
    result = cli("verify", "--database-url", url, "--base", "main", cwd=git_repo.path)
    assert result.code == 2
    assert result.err.strip() == (
        'migration-gate: error: verify.seed seeds/broken.sql:1: does not apply on top of the merged '
        'migrations: null value in column "email" of relation "users" violates not-null constraint '
        "(Failing row contains (1, null, {}).)"
    )


def test_every_report_format_renders(verify, tmp_path):
    from migration_gate.reporters import FORMATS

    files = base_files()
    files["migrations/V3__add_index.sql"] = "CREATE INDEX idx_orders_status ON orders (status);\n"
    files["migrations/rollback/V3__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    for fmt in FORMATS:
        result = verify(folder, fmt=fmt)
        assert result.code == 1 and result.out, fmt


def test_output_is_deterministic(url, tmp_path):
    files = base_files()
    files["migrations/V3__add_index.sql"] = "CREATE INDEX idx_orders_status ON orders (status);\n"
    files["migrations/rollback/V3__rollback.sql"] = "SELECT 1;\n"
    folder = write_project(tmp_path / "p", files)
    first = run_subprocess("verify", "--database-url", url, "--format", "json", cwd=folder)
    second = run_subprocess("verify", "--database-url", url, "--format", "json", cwd=folder)
    assert first.code == 1 and first.out == second.out


# --------------------------------------------------------------------------- the databases it owns


def _databases(pg_server) -> set[str]:
    from migration_gate.verify.database import connect

    with connect(pg_server.conninfo()) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_database_url_works_only_in_its_own_temporary_database(verify, pg_server, tmp_path):
    from migration_gate.verify.database import connect

    with connect(pg_server.conninfo()) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bystander (id int)")
    before = _databases(pg_server)
    folder = write_project(tmp_path / "p", base_files())
    verify(folder)
    assert _databases(pg_server) == before
    with connect(pg_server.conninfo()) as conn:  # the URL's own database is untouched
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"bystander"}


def test_bad_database_url_is_one_line_without_the_password(cli, tmp_path):
    folder = write_project(tmp_path / "p", base_files())
    result = cli("verify", "--database-url", "postgresql://me:s3cret@127.0.0.1:1/db", cwd=folder)
    assert result.code == 2
    line = result.err.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith("migration-gate: error: cannot connect to --database-url: ")
    assert "s3cret" not in line


def test_verify_takes_folders_not_files(cli, tmp_path):
    folder = write_project(tmp_path / "p", base_files())
    result = cli("verify", "migrations/V1__create_users.sql", cwd=folder)
    assert result.code == 2
    assert result.err.strip() == (
        "migration-gate: error: migrations/V1__create_users.sql: verify takes migrations "
        "folders, not files (use --base to verify only the migrations added since a branch)"
    )


# --------------------------------------------------------------------------- a throwaway server of its own


def _postgres_processes(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line and "postgres" in line]


@pytest.fixture
def isolated_tmp(pg_server):
    """A TMPDIR for verify subprocesses that the server's user (``postgres`` when we are root) can reach."""
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="mgtest-", dir="/tmp"))
    tmp.chmod(0o755)
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_verify(folder: Path, tmp: Path, *args: str) -> tuple[int, str, str, int]:
    """``migration-gate verify`` as a process: (exit code, stdout, stderr, pid)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "migration_gate", "verify", *args],
        cwd=folder,
        env={**os.environ, "TMPDIR": str(tmp), "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err, process.pid


def assert_nothing_left(tmp: Path, pid: int) -> None:
    assert list(tmp.iterdir()) == [], "verify left its data folder behind"
    assert _postgres_processes(str(tmp)) == [], "verify left a server running"
    assert list(Path("/tmp").glob(f"mgs{pid}-*")) == [], "verify left its socket folder behind"


def test_throwaway_server_is_removed_after_a_failure(isolated_tmp, tmp_path):
    files = base_files()
    files["migrations/V3__broken.sql"] = "ALTER TABLE nowhere ADD COLUMN x int;\n"
    folder = write_project(tmp_path / "p", files)
    code, out, err, pid = run_verify(folder, isolated_tmp, "--format", "json")
    assert code == 1, err
    assert [v["rule"] for v in json.loads(out)["violations"]] == ["migration-fails"]
    assert_nothing_left(isolated_tmp, pid)


def test_throwaway_server_passes_a_correct_history(isolated_tmp, tmp_path):
    folder = write_project(tmp_path / "p", base_files())
    code, out, err, pid = run_verify(folder, isolated_tmp)
    assert code == 0, err
    assert out.endswith("gate passed\n")
    # No progress when stderr is not a terminal; the note that there was no base and each migration's
    # wall time (diagnostics: stderr).
    lines = err.splitlines()
    assert lines[0] == (
        f"note: no base ({folder / 'migrations'} is not a git repository); "
        "every migration verified from an empty database"
    )
    assert [re.sub(r"\d+\.\d\d s", "N s", line) for line in lines[1:]] == [
        "verify: migrations/V1__create_users.sql: N s on verify's database",
        "verify: migrations/V2__create_orders.sql: N s on verify's database",
    ]
    assert_nothing_left(isolated_tmp, pid)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_cleans_up(isolated_tmp, tmp_path, sig):
    files = base_files()
    files["migrations/V3__slow.sql"] = "SELECT pg_sleep(60);\n"
    folder = write_project(tmp_path / "p", files)
    process = subprocess.Popen(
        [sys.executable, "-m", "migration_gate", "verify"],
        cwd=folder,
        env={**os.environ, "TMPDIR": str(isolated_tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_query(isolated_tmp, "pg_sleep")
        process.send_signal(sig)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert err.strip() == "migration-gate: interrupted"
    assert_nothing_left(isolated_tmp, process.pid)


def _wait_for_query(tmp: Path, text: str, timeout: float = 60) -> None:
    """Wait until the verify server under ``tmp`` runs a query containing ``text``."""
    from migration_gate.verify.database import connect

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid_file in tmp.glob("mg-pg-*/data/postmaster.pid"):
            try:
                lines = pid_file.read_text().splitlines()
                port, socket_dir = lines[3], lines[4]
                with connect(f"host={socket_dir} port={port} user=postgres dbname=postgres") as conn:
                    rows = conn.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()", [f"%{text}%"]
                    ).fetchall()
                if rows:
                    return
            except Exception:  # noqa: BLE001 - the server is still starting
                pass
        time.sleep(0.05)
    raise AssertionError(f"no query with {text!r} seen")


def test_keep_leaves_the_server_and_says_how_to_connect(isolated_tmp, tmp_path):
    import shlex

    from migration_gate.verify.database import connect

    folder = write_project(tmp_path / "p", base_files())
    code, out, err, pid = run_verify(folder, isolated_tmp, "--keep")
    lines = err.strip().splitlines()
    assert code == 0 and lines[0] == "migration-gate: kept for debugging", err
    database = lines[1].removeprefix("database: ")
    connect_line = next(l for l in lines if l.startswith("connect: psql "))
    stop_line = next(l for l in lines if l.strip().startswith("stop: "))
    conninfo = shlex.split(connect_line.removeprefix("connect: psql "))[0]
    assert f"dbname={database}" in conninfo
    with connect(conninfo) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"users", "orders"}
    subprocess.run(stop_line.strip().removeprefix("stop: "), shell=True, check=True, capture_output=True)
    assert_nothing_left(isolated_tmp, pid)


def test_progress_on_a_terminal(tmp_path, url):
    import pty

    folder = write_project(tmp_path / "p", base_files())
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "migration_gate", "verify", "--database-url", url],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=secondary,
            timeout=120,
        )
        os.close(secondary)
        secondary = None
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if secondary is not None:
            os.close(secondary)
        os.close(primary)
    err = b"".join(chunks).decode()
    assert done.returncode == 0
    assert "verify: 1/2 migrations/V1__create_users.sql: apply (" in err
    assert "verify: 2/2 migrations/V2__create_orders.sql: rollback (" in err
    assert "\r\x1b[Knote: no base (" in err  # the status line is cleared at the end, then the note follows


def test_tcp_server(pg_server):
    from migration_gate.verify.database import connect
    from migration_gate.verify.pgserver import TemporaryServer

    with TemporaryServer(tcp=True) as server:
        assert server.connection.host == "127.0.0.1"
        with connect(server.conninfo()) as conn:
            assert conn.execute("SELECT inet_server_addr()::text").fetchone()[0] == "127.0.0.1/32"
        base = server.base
    assert not base.exists()


def test_guide_demo_catches_the_guides_unsafe_example(verify, tmp_path):
    # A copy outside any git repository: in a clone with an origin, the guide's own
    # repository would give a base (every migration merged) and change what is verified.
    import shutil

    guide = shutil.copytree(REPO / "fixtures" / "guide", tmp_path / "guide")
    doc = verify(guide).json()
    fails = by_rule(doc, "migration-fails")
    # Flyway refuses V005 before PostgreSQL sees it: a CONCURRENTLY index next to other statements, mixed=false
    # (issue 11 §3: verify refuses what the runner refuses, as check's mixed-transactional-statements says)
    assert fails == [
        (
            "migrations/V005__add_indexes.sql",
            8,
            "Flyway refuses the migration: Detected both transactional and non-transactional statements within "
            "the same migration (even though mixed is false). Offending statement found at line 8: CREATE INDEX "
            "CONCURRENTLY IF NOT EXISTS idx_orders_created_at ON orders (created_at) [non-transactional]; "
            "the schema is as before the migration",
        )
    ]
    # with Flyway's mixed = true, V005 runs without a transaction, and V008 is where PostgreSQL says no
    config = guide / ".migration-gate.yml"
    config.write_text(config.read_text(encoding="utf-8") + "mixed: true\n", encoding="utf-8")
    doc = verify(guide).json()
    assert by_rule(doc, "migration-fails") == [
        (
            "migrations/V008__rename_product_title.sql",
            23,
            "PostgreSQL refuses the migration: CREATE INDEX CONCURRENTLY cannot run inside a transaction "
            "block; the schema is as before the migration (its transaction block was rolled back)",
        )
    ]


def test_base_is_found_as_check_finds_it(cli, url, git_repo):
    """Without --base (and without PATH), the merge-base with origin/main is the base."""
    git_repo.write(".migration-gate.yml", FLYWAY)
    for rel, text in base_files().items():
        git_repo.write(rel, text)
    merged = git_repo.commit("merged")
    git_repo.git("update-ref", "refs/remotes/origin/main", merged)
    git_repo.write("migrations/V3__add_index.sql", "CREATE INDEX idx_orders_status ON orders (status);\n")
    git_repo.write("migrations/rollback/V3__rollback.sql", "DROP INDEX idx_orders_status;\n")
    result = cli("verify", "--database-url", url, cwd=git_repo.path, env={"NO_COLOR": "1"})
    assert result.code == 0, result.out
    assert f"base: {merged[:12]} (merge-base with origin/main)" in result.err.splitlines()
    assert "base: 2 merged migration(s) applied" in result.err.splitlines()
    doc = cli("verify", "--database-url", url, "--format", "json", cwd=git_repo.path).json()
    assert {s["path"] for s in doc["statements"]} == {"migrations/V3__add_index.sql"}


def test_predictions_know_foreign_keys_of_earlier_migrations(verify, tmp_path):
    """verify's lock predictions get the same earlier-schema facts as check's: dropping a foreign key (or a
    table holding one) created two migrations earlier locks the referenced table, and the prediction says so."""
    files = base_files()
    files["migrations/V3__orders_user_fk.sql"] = (
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);\n"
    )
    files["migrations/rollback/V3__rollback.sql"] = "ALTER TABLE orders DROP CONSTRAINT fk_orders_user;\n"
    files["migrations/V4__note.sql"] = "ALTER TABLE users ADD COLUMN note text;\n"
    files["migrations/rollback/V4__rollback.sql"] = "ALTER TABLE users DROP COLUMN note;\n"
    files["migrations/V5__drop_fk.sql"] = "ALTER TABLE orders DROP CONSTRAINT fk_orders_user;\n"
    files["migrations/rollback/V5__rollback.sql"] = (
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);\n"
    )
    folder = write_project(tmp_path / "p", files)
    doc = verify(folder).json()
    assert by_rule(doc, "lock-prediction-mismatch") == []
    v5 = [s for s in doc["statements"] if s["path"].endswith("V5__drop_fk.sql")]
    assert [(lock["table"], lock["mode"]) for s in v5 for lock in s["locks"]] == [
        ("public.orders", "AccessExclusiveLock"),
        ("public.users", "AccessExclusiveLock"),
    ]
