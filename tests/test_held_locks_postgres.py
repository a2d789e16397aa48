"""long-operation-under-held-lock, proven on a real PostgreSQL: a lock taken by an earlier statement of a
transaction is still held while a later statement scans, rewrites or backfills the table.

For each pair (the lock-taker, then the long step), the long step alone takes a weaker lock than the
pair holds together; the pair's strongest lock on the table is the one the first statement took, and the
gate reports exactly the pairs where that is so.
"""

from __future__ import annotations

import pytest

from migration_gate.core.lockmodes import STRENGTH

SETUP = """
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric);
CREATE TABLE users (id bigint PRIMARY KEY, name text);
INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, 1 + g % 100, g FROM generate_series(1, 1000) g;
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g;
"""
_MODE = """
SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.granted AND c.relname = %s
"""

# (first statement, long step, table, the mode the first statement holds during the long step)
PAIRS = [
    (
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT fk",
        "orders",
        "ShareRowExclusiveLock",
    ),
    (
        "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0) NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT positive",
        "orders",
        "AccessExclusiveLock",
    ),
    ("ALTER TABLE users ADD COLUMN nickname text", "UPDATE users SET nickname = name", "users", "AccessExclusiveLock"),
]


@pytest.fixture(scope="module")
def conninfo(pg_server):
    import psycopg

    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS held_locks")
        admin.execute("CREATE DATABASE held_locks")
    info = pg_server.conninfo("held_locks")
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(SETUP)
    return info


def _strongest(cur, table: str) -> str:
    cur.execute(_MODE, (table,))
    return max((mode for (mode,) in cur.fetchall()), key=STRENGTH.__getitem__)


@pytest.mark.parametrize("first,step,table,held", PAIRS, ids=["fk", "check", "backfill"])
def test_the_first_statements_lock_is_held_during_the_long_step(conninfo, first, step, table, held):
    import psycopg

    with psycopg.connect(conninfo) as conn:
        with conn.transaction(force_rollback=True), conn.cursor() as cur:
            cur.execute(first)
            cur.execute(step)
            together = _strongest(cur, table)
        # The long step alone, with the first statement's effect committed beforehand.
        conn.autocommit = True
        conn.execute(first)
        conn.autocommit = False
        try:
            with conn.transaction(force_rollback=True), conn.cursor() as cur:
                cur.execute(step)
                alone = _strongest(cur, table)
        finally:
            conn.autocommit = True
            undo = (
                f"ALTER TABLE {table} DROP COLUMN nickname"
                if "ADD COLUMN" in first
                else f"ALTER TABLE {table} DROP CONSTRAINT {first.split('CONSTRAINT ')[1].split()[0]}"
            )
            conn.execute(undo)
    assert together == held
    assert STRENGTH[alone] < STRENGTH[together]


def test_the_gate_reports_these_pairs(cli, tmp_path):
    body = "".join(f"{first};\n{step};\n" for first, step, _, _ in PAIRS)
    (tmp_path / "V1__pairs.sql").write_text("BEGIN;\n" + body + "COMMIT;\n")
    result = cli("check", "V1__pairs.sql", "--rule", "long-operation-under-held-lock", "--format", "json", cwd=tmp_path)
    assert [(v["line"], v["rule"]) for v in result.json()["violations"]] == [
        (3, "long-operation-under-held-lock"),
        (5, "long-operation-under-held-lock"),
        (7, "long-operation-under-held-lock"),
    ]
