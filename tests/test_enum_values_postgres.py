"""enum-value-used-before-commit, proven on a real PostgreSQL.

Each statement of the rule's fixture that follows an ``ALTER TYPE … ADD VALUE`` runs on the server in the
transaction of that ADD VALUE (after the fixture's V1): the statements the rule reports as errors are
exactly the ones PostgreSQL refuses with "unsafe use of new value" (SQLSTATE 55P04); the others run.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from migration_gate.core.parse import parse_source
from migration_gate.core.source import Source

FOLDER = FIXTURES / "rules" / "enum-value-used-before-commit"
SETUP = "CREATE TABLE order_events (kind order_status);\n"  # the table the migrations never define


@pytest.fixture(scope="module")
def conninfo(pg_server):
    import psycopg

    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS enum_values")
        admin.execute("CREATE DATABASE enum_values")
    info = pg_server.conninfo("enum_values")
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute((FOLDER / "V1__orders.sql").read_text(encoding="utf-8"))
        conn.execute(SETUP)
    return info


def _statements(name: str) -> list[tuple[int, str]]:
    source = Source(name, (FOLDER / name).read_text(encoding="utf-8"))
    return [(source.position(s.start)[0], s.text) for s in parse_source(source).statements]


def _reported(cli, name: str) -> dict[int, str]:
    result = cli("check", name, "--format", "json", "--rule", "enum-value-used-before-commit", cwd=FOLDER)
    return {v["line"]: v["severity"] for v in result.json()["violations"]}


# Lines the gate warns about because it cannot tell the literal's type (order_events is not in the migrations).
UNKNOWN_TYPE = {"V2__add_value_and_use.sql": {11}, "V4__enum_created_here.sql": set()}


@pytest.mark.parametrize("name", sorted(UNKNOWN_TYPE))
def test_errors_are_what_postgresql_refuses(cli, conninfo, name):
    import psycopg

    statements = _statements(name)
    reported = _reported(cli, name)
    assert reported  # the fixture has findings: the comparison below is not between two empty sets
    setup = [text for _, text in statements if text.lstrip().upper().startswith(("CREATE TYPE", "ALTER TYPE"))]
    refused, ran = set(), set()
    for line, text in statements:
        if text in setup:
            continue
        with psycopg.connect(conninfo) as conn:  # a transaction, rolled back at the end
            for earlier in setup:
                conn.execute(earlier)
            try:
                conn.execute(text)
            except psycopg.errors.UnsafeNewEnumValueUsage:
                refused.add(line)
            else:
                ran.add(line)
            conn.rollback()
    unknown = UNKNOWN_TYPE[name]
    assert {line for line, severity in reported.items() if severity == "error"} == refused - unknown
    assert {line for line, severity in reported.items() if severity == "warning"} == unknown
    assert unknown <= refused  # order_events.kind is an order_status on this server
    assert not (set(reported) & ran)


def test_a_commit_in_between_makes_the_value_usable(cli, conninfo):
    import psycopg

    assert _reported(cli, "V3__committed_first.sql") == {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for _, text in _statements("V3__committed_first.sql"):
            if text.strip().upper().startswith("COMMIT"):
                continue  # autocommit: each statement is committed on its own
            conn.execute(text)
