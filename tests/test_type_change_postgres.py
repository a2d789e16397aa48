"""ALTER COLUMN … TYPE that keeps the rows, proven on a real PostgreSQL: which indexes it rebuilds
(their relfilenode changes) and which CHECK constraints it verifies again (a CHECK that counts its calls),
against what the gate predicts for the same statements (column-type-change-rewrites-table and the lock
model's scan flag)."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

FOLDER = FIXTURES / "rules" / "column-type-change-rewrites-table"
SETUP = (
    (FOLDER / "V3__accounts.sql")
    .read_text(encoding="utf-8")
    .replace("CHECK (code <> '')", "CHECK (code <> '' AND counted())")
)
COUNTER = """
CREATE SEQUENCE calls;
CREATE FUNCTION counted() RETURNS boolean LANGUAGE sql AS 'SELECT nextval(''calls'') > 0';
"""
ROWS = "INSERT INTO accounts SELECT g, 'u' || g || '@x', 'c' || g, 'n' || g FROM generate_series(1, 200) g;"
INDEXES = """
SELECT c.relname, pg_relation_filenode(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'accounts'::regclass AND c.relname <> 'accounts_pkey'
"""
STATEMENTS = [
    line.split(";")[0] + ";"
    for line in (FOLDER / "V4__keep_rows.sql").read_text().splitlines()
    if line.startswith("ALTER")
]


@pytest.fixture
def conn(pg_server):
    import psycopg

    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS type_change")
        admin.execute("CREATE DATABASE type_change")
    with psycopg.connect(pg_server.conninfo("type_change"), autocommit=True) as conn:
        conn.execute(COUNTER)
        conn.execute(SETUP)
        conn.execute(ROWS)
        yield conn


def _observe(conn, sql: str) -> tuple[set[str], int]:
    """(indexes whose storage was rebuilt, CHECK evaluations) of one statement."""
    before = dict(conn.execute(INDEXES).fetchall())
    calls = conn.execute("SELECT nextval('calls')").fetchone()[0]
    conn.execute(sql)
    after = dict(conn.execute(INDEXES).fetchall())
    checked = conn.execute("SELECT nextval('calls')").fetchone()[0] - calls - 1
    return {name for name, node in after.items() if before.get(name) != node}, checked


def _predicted(cli, tmp_path) -> dict[int, str]:
    """Line → the gate's message, for the fixture's V3 + V4 with rows in them."""
    (tmp_path / "V3__accounts.sql").write_text(SETUP)
    (tmp_path / "V4__keep_rows.sql").write_text("\n".join(STATEMENTS) + "\n")
    result = cli("check", ".", "--rule", "column-type-change-rewrites-table", "--format", "json", cwd=tmp_path)
    return {v["line"]: v["message"] for v in result.json()["violations"] if v["path"].endswith("V4__keep_rows.sql")}


def test_index_rebuilds_and_check_scans_are_what_postgresql_does(conn, cli, tmp_path):
    predicted = _predicted(cli, tmp_path)
    observed = {}
    for line, sql in enumerate(STATEMENTS, start=1):
        observed[line] = _observe(conn, sql)
    # Only the rows' storage stays; these are PostgreSQL's answers for the fixture's statements.
    assert observed == {
        1: ({"accounts_email", "accounts_email_lower"}, 0),  # collation: every index on the column
        2: ({"accounts_active_nick"}, 0),  # widening: the partial index only
        3: ({"accounts_active_nick"}, 200),  # the predicate reads code; the CHECK on code runs for every row
        4: (set(), 0),  # same type, plain primary key: nothing
    }
    for line, (rebuilt, checked) in observed.items():
        message = predicted.get(line, "")
        for index in rebuilt:
            assert index in message, (line, message)
        assert ("CHECK constraint" in message) == bool(checked), (line, message)
        assert (line in predicted) == bool(rebuilt or checked)
