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
from migration_gate.core.lockmodes import STRENGTH
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


# --------------------------------------------------------------------------- rule claims

CLAIMS_TEXT = (LOCKS / "claims.sql").read_text(encoding="utf-8")


def _claims() -> tuple[str, list[dict]]:
    """(setup SQL, claims) of fixtures/locks/claims.sql."""
    setup, *blocks = CLAIMS_TEXT.split("\n-- claim: ")
    claims = []
    for block in blocks:
        title, *lines = block.strip().splitlines()
        claim: dict = {"title": title, "sql": []}
        for line in lines:
            key, _, value = line.removeprefix("-- ").partition(": ")
            if line.startswith("-- ") and key in ("locks", "rewrites", "keeps", "scans", "no-scan", "error", "notice"):
                claim[key] = value
            else:
                claim["sql"].append(line)
        claim["sql"] = "\n".join(claim["sql"])
        claims.append(claim)
    return setup, claims


CLAIMS_SETUP, CLAIMS = _claims()

_STATE = """
SELECT n.nspname || '.' || c.relname, c.oid::bigint, pg_relation_filenode(c.oid), pg_stat_get_xact_numscans(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
"""


@pytest.fixture(scope="module")
def claims_db(pg_server):
    import psycopg

    with psycopg.connect(pg_server.conninfo(), autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS lock_claims")
        admin.execute("CREATE DATABASE lock_claims")
    conn = psycopg.connect(pg_server.conninfo("lock_claims"), autocommit=True)
    conn.execute(CLAIMS_SETUP)
    yield conn
    conn.close()


def test_claims_file_is_read_whole():
    assert len(CLAIMS) == 21
    assert all(c["sql"].strip() and len(c) > 2 for c in CLAIMS)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c["title"][:70] for c in CLAIMS])
def test_rule_claims(claims_db, claim):
    import psycopg

    notices: list[str] = []

    def notice(diagnostic) -> None:
        notices.append(diagnostic.message_primary or "")

    claims_db.add_notice_handler(notice)
    try:
        with claims_db.transaction(force_rollback=True), claims_db.cursor() as cur:
            cur.execute(_STATE)
            before = {name: (oid, node, scans) for name, oid, node, scans in cur.fetchall()}
            try:
                cur.execute(claim["sql"])
            except psycopg.Error as exc:
                assert "error" in claim, f"unexpected error: {exc}"
                assert claim["error"] in str(exc)
                return
            assert "error" not in claim, "the statement succeeded"
            cur.execute("SELECT relation::bigint, mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted")
            held: dict[int, str] = {}
            for oid, mode in cur.fetchall():
                if oid is not None and STRENGTH.get(mode, 0) > STRENGTH.get(held.get(oid, ""), 0):
                    held[oid] = mode
            cur.execute(_STATE)
            after = {name: (oid, node, scans) for name, oid, node, scans in cur.fetchall()}
    finally:
        claims_db.remove_notice_handler(notice)
    for item in claim.get("locks", "").split():
        name, mode = item.split("=")
        got = held.get(before[name][0])
        assert got == (None if mode == "none" else mode), f"{name}: PostgreSQL took {got}"
    for name in claim.get("rewrites", "").split():
        assert after[name][1] != before[name][1], f"{name} was not rewritten"
    for name in claim.get("keeps", "").split():
        assert after[name][1] == before[name][1], f"{name} was rewritten"
    for name in claim.get("scans", "").split():
        assert after[name][2] > before[name][2], f"{name} was not scanned"
    for name in claim.get("no-scan", "").split():
        assert after[name][2] == before[name][2], f"{name} was scanned"
    if "notice" in claim:
        assert any(claim["notice"] in n for n in notices), notices
