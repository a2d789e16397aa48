"""The lock model, proven on a real PostgreSQL.

Every statement shape in fixtures/locks/shapes.sql that can run in a
transaction is run on a throwaway server (schema and rows from setup.sql),
inside a transaction that is rolled back; the strongest lock per table read
from ``pg_locks`` and the ``relfilenode`` changes must equal what
:func:`migration_gate.locks.predict_locks` says.  Where PostgreSQL and the
documentation disagree, PostgreSQL wins: this test is how we find out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from lockprobe import compare, observe

from migration_gate.core.analysis import analyze, nontransactional_reason
from migration_gate.core.config import Config
from migration_gate.core.context import FileContext, StatementContext
from migration_gate.core.locks import predict_locks
from migration_gate.core.migration import MigrationFile
from migration_gate.core.parse import parse_source
from migration_gate.core.source import Source

LOCKS = FIXTURES / "locks"
SETUP = (LOCKS / "setup.sql").read_text(encoding="utf-8")


def _shapes():
    """(statement text, StatementContext) for each shape, analysed after the setup schema alone: each
    shape runs on its own against the setup on the server, so the model must not see the others."""
    setup_count = len(parse_source(Source("setup.sql", SETUP)).statements)
    shapes_text = (LOCKS / "shapes.sql").read_text(encoding="utf-8")
    found = []
    for shape in parse_source(Source("shapes.sql", shapes_text)).statements:
        source = Source("shapes.sql", SETUP + "\n" + shape.text)
        parsed = parse_source(source)
        facts = analyze(parsed.statements, mode="explicit", pg_version=15)
        migration = MigrationFile(Path("shapes.sql"), "shapes.sql", LOCKS, "shapes.sql", "other")
        file_ctx = FileContext(migration, Config(), source, parsed, None, facts)
        units = facts.units[setup_count:]
        found.append((shape.text, StatementContext(units[0].statement, file_ctx, units[0])))
    return found


SHAPES = _shapes()
TRANSACTIONAL = [(text, ctx) for text, ctx in SHAPES if nontransactional_reason(ctx.statement, 15) is None]


def test_enough_distinct_shapes():
    kinds = {
        (
            ctx.statement.kind,
            tuple(
                sorted(
                    c["AlterTableCmd"]["subtype"] for c in ctx.statement.node.get("cmds", ()) if "AlterTableCmd" in c
                )
            ),
        )
        for _, ctx in TRANSACTIONAL
    }
    assert len(TRANSACTIONAL) >= 80
    assert len(kinds) >= 40, f"only {len(kinds)} distinct statement kinds"


@pytest.fixture(scope="module")
def lock_db(pg_server):
    import psycopg

    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS lock_shapes")
        admin.execute("CREATE DATABASE lock_shapes")
    conn = psycopg.connect(pg_server.conninfo("lock_shapes"), autocommit=True)
    conn.execute(SETUP)
    yield conn
    conn.close()


@pytest.mark.parametrize("text,ctx", TRANSACTIONAL, ids=[t.splitlines()[0][:70] for t, _ in TRANSACTIONAL])
def test_prediction_matches_postgresql(lock_db, text, ctx):
    predicted = predict_locks(ctx.statement, ctx)
    assert predicted, "every shape locks something"
    problems = compare(predicted, observe(lock_db, text))
    assert not problems, "; ".join(problems)
