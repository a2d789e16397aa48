"""Runs one statement on a real PostgreSQL and reports the locks and rewrites it caused."""

from __future__ import annotations

from dataclasses import dataclass, field

from migration_gate.core.lockmodes import ACCESS_SHARE, STRENGTH

_LOCKS = """
SELECT l.relation::bigint, l.mode FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
"""
# Every relation of the public schema: name, kind, file node, and an index's table.
_RELATIONS = """
SELECT c.oid::bigint, n.nspname || '.' || c.relname, c.relkind, pg_relation_filenode(c.oid),
       (SELECT tn.nspname || '.' || t.relname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace tn ON tn.oid = t.relnamespace WHERE i.indexrelid = c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
"""


@dataclass
class Relation:
    name: str
    kind: str
    filenode: int | None
    table: str | None  # for an index: its table


@dataclass
class Observation:
    modes: dict[str, str] = field(default_factory=dict)  # relation (name before the statement) → strongest mode
    kinds: dict[str, str] = field(default_factory=dict)
    rewritten: set[str] = field(default_factory=set)
    index_tables: dict[str, str] = field(default_factory=dict)  # index → its table


def _relations(cur) -> dict[int, Relation]:
    cur.execute(_RELATIONS)
    return {oid: Relation(name, kind, node, table) for oid, name, kind, node, table in cur.fetchall()}


def observe(conn, sql: str) -> Observation:
    """Run ``sql`` inside a transaction, read pg_locks and relfilenodes, roll back."""
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        cur.execute("SET LOCAL TimeZone = 'America/New_York'")  # so timestamp→timestamptz rewrites
        before = _relations(cur)
        cur.execute(sql)
        cur.execute(_LOCKS)
        locks = cur.fetchall()
        after = _relations(cur)
    observation = Observation()
    for oid, mode in locks:
        relation = before.get(oid) or after.get(oid)
        if relation is None:  # catalogs and other schemas
            continue
        name = relation.name
        observation.kinds[name] = relation.kind
        if name not in observation.modes or STRENGTH[mode] > STRENGTH[observation.modes[name]]:
            observation.modes[name] = mode
    for oid, relation in before.items():
        if oid in after and after[oid].filenode != relation.filenode:
            observation.rewritten.add(relation.name)
        if relation.table:
            observation.index_tables[relation.name] = relation.table
    return observation


def compare(predicted, observation: Observation) -> list[str]:
    """Differences between predicted LockEffects and what PostgreSQL did; empty when they agree.

    Tolerated, because the statement alone cannot name them: the table of an
    index the statement names (DROP INDEX, REINDEX INDEX, ALTER INDEX), and
    ACCESS SHARE reads made indirectly (a view's or materialized view's query).
    """
    problems = []
    predicted_names = {e.table for e in predicted}
    for effect in predicted:
        mode = observation.modes.get(effect.table)
        if mode != effect.mode:
            problems.append(f"{effect.table}: predicted {effect.mode}, PostgreSQL took {mode}")
        rewritten = effect.table in observation.rewritten
        if rewritten != effect.rewrite:
            problems.append(f"{effect.table}: predicted rewrite={effect.rewrite}, PostgreSQL rewrite={rewritten}")
    index_tables = {observation.index_tables.get(e.table) for e in predicted if e.index}
    for name, mode in observation.modes.items():
        if name in predicted_names or observation.kinds.get(name) not in ("r", "p", "m", "v", "f"):
            continue
        if name in index_tables or mode == ACCESS_SHARE:
            continue
        problems.append(f"{name}: PostgreSQL took {mode}, not predicted")
    return problems
