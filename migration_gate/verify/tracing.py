"""What PostgreSQL did while a statement ran: the locks it took, the tables it rewrote.

Inside a transaction a statement's locks stay held until the end of the
transaction, so :func:`read_state` right after the statement (before
``COMMIT``) lists them in ``pg_locks`` for our own backend.  Comparing with the
state read before the statement gives what *this* statement took:

* ``modes`` — lock modes newly granted on a table.  A mode the transaction
  already held from an earlier statement cannot be seen a second time; it is
  kept in ``held`` so a prediction of it is not called wrong.
* ``rewrite`` — the table's ``pg_class.relfilenode`` changed (a rewrite, or a
  ``TRUNCATE``): a new data file was written.
* ``scan`` — the table's sequential-scan counter for the transaction grew.

A statement that cannot run in a transaction (``CREATE INDEX CONCURRENTLY``)
has released its locks when it returns.  :class:`Watcher` observes it from
other connections instead: one connection per target table takes ``ACCESS
EXCLUSIVE`` on it first, so the statement has to wait for its first lock on
that table; a monitoring connection reads the waiting request from
``pg_locks`` and releases the table.  A table the statement finished without
waiting for was not locked at all.  Tables that could not be watched are
reported as not observed, never as "no lock".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..core.lockmodes import STRENGTH, strength
from ..core.names import display_name
from .watcher import Watcher as Watcher


def strongest(modes) -> str | None:
    modes = [m for m in modes if m]
    return max(modes, key=strength) if modes else None


_TABLES = (
    "c.relkind IN ('r', 'p', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
)

STATE_SQL = f"""
SELECT
 (SELECT coalesce(json_agg(json_build_array(c.oid::bigint, n.nspname || '.' || c.relname, c.relfilenode::bigint,
                                            pg_stat_get_xact_numscans(c.oid))), '[]')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_TABLES})::text,
 (SELECT coalesce(json_agg(json_build_array(l.relation::bigint, l.mode)), '[]')
    FROM pg_locks l
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))::text
"""


@dataclass(frozen=True, slots=True)
class Relation:
    name: str  # schema-qualified
    filenode: int
    scans: int


@dataclass(frozen=True, slots=True)
class State:
    """User tables (by oid) and the relation locks our backend holds."""

    relations: dict[int, Relation]
    locks: dict[int, frozenset[str]]


def read_state(conn) -> State:
    rels_json, locks_json = conn.execute(STATE_SQL).fetchone()
    relations = {oid: Relation(name, filenode, scans or 0) for oid, name, filenode, scans in json.loads(rels_json)}
    locks: dict[int, set[str]] = {}
    for oid, mode in json.loads(locks_json):
        locks.setdefault(oid, set()).add(mode)
    return State(relations, {oid: frozenset(modes) for oid, modes in locks.items()})


@dataclass(frozen=True, slots=True)
class TableEffect:
    """What one statement did to one table."""

    table: str
    modes: tuple[str, ...] = ()  # newly granted, weakest first
    rewrite: bool = False
    scan: bool | None = False  # None: not observable (outside a transaction)
    created: bool = False  # the statement created the table
    dropped: bool = False

    @property
    def mode(self) -> str | None:
        return strongest(self.modes)


@dataclass(frozen=True, slots=True)
class StatementTrace:
    """The observation of one statement.

    ``method``: ``transaction`` (pg_locks of our own backend before commit),
    ``second connection`` (watched while it ran), or ``none`` (not traced;
    ``reason`` says why).  ``watched`` is ``None`` when every table was
    observed, else the tables that were (the others are unknown).
    """

    method: str
    tables: tuple[TableEffect, ...] = ()
    held: dict[str, tuple[str, ...]] = field(default_factory=dict)  # modes held before the statement
    watched: tuple[str, ...] | None = None
    unobserved: tuple[str, ...] = ()
    reason: str = ""
    relations: frozenset[str] = frozenset()  # every table known before or after the statement

    @property
    def traced(self) -> bool:
        return self.method != "none"

    def effect(self, table: str) -> TableEffect | None:
        return next((t for t in self.tables if t.table == table), None)

    def observed(self, table: str) -> bool:
        """Whether this trace knows the locks the statement took on ``table``."""
        return self.traced and (self.watched is None or table in self.watched)


def compare_states(
    before: State,
    after: State,
    *,
    method: str = "transaction",
    first_modes: dict[str, str | None] | None = None,
    unobserved: tuple[str, ...] = (),
) -> StatementTrace:
    """The trace of a statement from the states read around it.

    ``first_modes`` (second-connection tracing) replaces the lock delta: the
    first mode requested per watched table, ``None`` when none was.
    """
    effects: list[TableEffect] = []
    held: dict[str, tuple[str, ...]] = {}
    for oid in sorted(set(before.relations) | set(after.relations)):
        old, new = before.relations.get(oid), after.relations.get(oid)
        known = old or new
        assert known is not None  # the oid came from one of the two
        name = known.name
        if first_modes is None:
            had = before.locks.get(oid, frozenset())
            modes = tuple(sorted(after.locks.get(oid, frozenset()) - had, key=strength))
            if had:
                held[name] = tuple(sorted(had, key=strength))
            scan = (new.scans - (old.scans if old else 0)) > 0 if new else False
        else:
            mode = first_modes.get(name)
            modes = (mode,) if mode else ()
            scan = None
        rewrite = bool(old and new and old.filenode and new.filenode and old.filenode != new.filenode)
        if modes or rewrite or scan:
            effects.append(TableEffect(name, modes, rewrite, scan, created=old is None, dropped=new is None))
    watched = None if first_modes is None else tuple(sorted(first_modes))
    relations = frozenset(r.name for r in (*before.relations.values(), *after.relations.values()))
    return StatementTrace(
        method,
        tuple(sorted(effects, key=lambda e: e.table)),
        held,
        watched,
        tuple(sorted(unobserved)),
        relations=relations,
    )


def not_traced(reason: str) -> StatementTrace:
    return StatementTrace("none", reason=reason)


# --------------------------------------------------------------------------- prediction vs. observation


@dataclass(frozen=True, slots=True)
class Mismatch:
    table: str
    message: str


def compare_prediction(predicted, trace: StatementTrace, *, existing: frozenset[str] | set[str]) -> list[Mismatch]:
    """Where the static lock prediction (``LockReport``s) and PostgreSQL disagree.

    Per table: the strongest predicted mode against the strongest mode the
    statement took, and the rewrite flag against a relfilenode change.
    Only tables are compared: a predicted entry naming an index, a view or
    a relation that exists neither before nor after the statement is outside
    what the trace sees.  Tables the statement created are skipped; for tables created earlier in
    the same migration (not in ``existing``) the model may stay silent, but
    what it does predict must be right.  A predicted mode that the
    transaction already held cannot be seen again and counts as taken.  From a
    second connection only the first mode requested per watched table is
    seen, so a weaker first request proves nothing.
    """
    if not trace.traced:
        return []
    by_table: dict[str, list] = {}
    for lock in predicted:
        by_table.setdefault(lock.table, []).append(lock)
    out: list[Mismatch] = []
    for table in sorted(set(by_table) | {e.table for e in trace.tables}):
        effect = trace.effect(table)
        if effect is not None and effect.created:
            continue
        if trace.relations and table not in trace.relations:
            continue
        locks = by_table.get(table, [])
        if not locks and table not in existing:
            continue
        shown = display_name(table)
        predicted_mode = strongest(l.mode for l in locks)
        for lock in locks:
            if lock.mode not in STRENGTH:
                out.append(
                    Mismatch(table, f"the lock model predicts {lock.mode!r} on {shown}, which is not a pg_locks mode")
                )
        if trace.observed(table):
            taken = effect.mode if effect else None
            held = trace.held.get(table, ())
            if taken and strength(taken) > strength(predicted_mode):
                expected = predicted_mode or "no lock"
                out.append(Mismatch(table, f"PostgreSQL took {taken} on {shown}; the lock model predicts {expected}"))
            elif predicted_mode and strength(taken) < strength(predicted_mode) and predicted_mode not in held:
                if taken is None or trace.method == "transaction":
                    what = taken or "no lock"
                    out.append(
                        Mismatch(table, f"the lock model predicts {predicted_mode} on {shown}; PostgreSQL took {what}")
                    )
        rewrite_predicted = any(l.rewrite for l in locks)
        rewritten = bool(effect and effect.rewrite)
        if rewritten and not rewrite_predicted:
            out.append(Mismatch(table, f"PostgreSQL rewrote {shown}; the lock model predicts no rewrite"))
        elif rewrite_predicted and not rewritten and not (effect and effect.dropped):
            out.append(Mismatch(table, f"the lock model predicts a rewrite of {shown}; PostgreSQL did not rewrite it"))
    return out


def describe_trace(trace: StatementTrace, *, existing: frozenset[str] | set[str]) -> str | None:
    """The observed locks on tables that existed before the migration, in words (None: nothing to say)."""
    parts = []
    for effect in trace.tables:
        if effect.table not in existing or effect.created:
            continue
        notes = [
            n for n, on in (("rewritten", effect.rewrite), ("scanned", effect.scan), ("dropped", effect.dropped)) if on
        ]
        held = strongest(trace.held.get(effect.table, ()))
        if held and strength(held) > strength(effect.mode):
            notes.insert(0, f"{held} already held")
        mode = effect.mode or "no new lock"
        parts.append(f"{mode} on {display_name(effect.table)}" + (f" ({', '.join(notes)})" if notes else ""))
    if not parts:
        return None
    if trace.method == "second connection":
        return "first lock requested (seen from a second connection): " + ", ".join(parts)
    return "PostgreSQL took " + ", ".join(parts)
