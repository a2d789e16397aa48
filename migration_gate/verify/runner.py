"""Running a migration file against a database the way its runner would.

The file is read and parsed as ``check`` reads it (placeholders substituted,
one parse), then sent statement by statement, so that a failure points at its
statement and each statement can be traced (:mod:`migration_gate.tracing`).
Transactions follow the configured mode (:mod:`migration_gate.analysis`): the
runner's transaction around the whole file (``per-file``, ``flyway`` unless a
statement cannot run in one, minus per-file opt-outs), and the file's own
``BEGIN`` / ``COMMIT``.  The connection's transaction status is the truth: a
``COMMIT`` inside a runner-wrapped file ends the runner's transaction, as it
does with the real runner.

A statement outside any transaction runs in autocommit; to trace it, it is
wrapped in ``BEGIN`` … ``COMMIT`` (the same thing to PostgreSQL), unless it
cannot run in a transaction at all: those are watched from a second
connection.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field

from ..core.analysis import FileFacts, StatementFacts, nontransactional_reason
from ..core.analyze import analyze_file
from ..core.config import Config
from ..core.context import SchemaLookup
from ..core.load import LoadedFile, load_file
from ..core.migration import MigrationFile
from ..core.parse import Statement
from ..core.results import LockReport
from ..core.ruleset import NO_RULES
from ..core.runners.base import ONE_QUERY, query_index
from ..core.sizing import Sizing
from ..core.source import Source
from ..core.sqlnodes import name_list, unwrap
from .tracing import StatementTrace, Watcher, compare_states, not_traced, read_state


@dataclass(slots=True)
class PreparedFile:
    """A file ready to run: its statements, the SQL to send, the predicted locks."""

    migration: MigrationFile
    source: Source | None = None
    statements: list[Statement] = field(default_factory=list)  # top-level, in order
    sql: list[str] = field(default_factory=list)
    facts: FileFacts | None = None
    predicted: list[list[LockReport]] = field(default_factory=list)
    problem: str | None = None  # why it cannot run at all
    problem_offset: int = 0
    #: Who refuses it when ``problem`` is the runner's refusal (not PostgreSQL's): "Flyway", "goose", …
    refused_by: str | None = None
    #: Where the runner itself ends a query string (``Shape.cuts``): goose's and sql-migrate's
    #: ``StatementBegin … StatementEnd`` blocks are one query string of several statements.
    cuts: tuple[int, ...] | None = None


def prepare(
    migration: MigrationFile,
    config: Config,
    *,
    predict: bool = False,
    created_earlier: frozenset[str] = frozenset(),
    schema_lookup: SchemaLookup | None = None,
    sizing: Sizing | None = None,
) -> PreparedFile:
    """Load a file (:func:`~migration_gate.core.load.load_file`, as ``check`` does); ``predict`` also asks
    the lock model, with the context ``check`` gives it (``created_earlier``, ``schema_lookup``), and
    sizes the predicted locks with table statistics (``sizing``)."""
    prepared = PreparedFile(migration)
    loaded = load_file(migration, config)
    source = loaded.source
    if source is None or loaded.parse is None or loaded.facts is None:
        prepared.problem = f"cannot read the file: {loaded.unreadable}"
        return prepared
    prepared.source = source
    prepared.cuts = loaded.shape.cuts
    if source.substitution and source.substitution.undefined:
        first = source.substitution.undefined[0]
        prepared.problem = f"placeholder ${{{first.name}}} has no value (set it under `placeholders`)"
        prepared.problem_offset = first.start
        return prepared
    if loaded.parse.error is not None:
        prepared.problem = f"does not parse: {loaded.parse.error.message}"
        prepared.problem_offset = loaded.parse.error.offset
        return prepared
    if loaded.shape.problems:
        start, _, message = loaded.shape.problems[0]
        prepared.problem, prepared.problem_offset = message, start
        prepared.refused_by = "the runner"
        return prepared
    statements = loaded.parse.statements
    prepared.facts = loaded.facts
    refusal = _flyway_refusal(loaded, config)
    if refusal is not None:
        prepared.problem, prepared.problem_offset = refusal
        prepared.refused_by = "Flyway"
        return prepared
    if migration.section == "down" and migration.layout == "liquibase":
        statements = _reverse_changesets(statements, loaded)
    prepared.statements = statements
    text = source.parsed_text
    prepared.sql = [text[_parsed_offset(source, s.start) : _parsed_offset(source, s.end)] for s in statements]
    prepared.predicted = [[] for _ in statements]
    if predict:
        reports = analyze_file(
            migration, config, NO_RULES, created_earlier, schema_lookup=schema_lookup, loaded=loaded, sizing=sizing
        ).statements
        lines = [source.position(s.start)[0] for s in statements]
        if [r.line for r in reports] == lines:
            prepared.predicted = [list(r.locks) for r in reports]
    return prepared


def _flyway_refusal(loaded: LoadedFile, config: Config) -> tuple[str, int] | None:
    """Flyway refuses a migration that mixes transactional and non-transactional statements (``mixed=false``)."""
    facts = loaded.facts
    mixed = config.settings_for(loaded.migration.location).mixed
    if facts is None or loaded.parse is None or facts.mode != "flyway" or mixed:
        return None
    if not facts.flyway_nontransactional or len(loaded.parse.statements) <= len(facts.flyway_nontransactional):
        return None
    first = facts.flyway_nontransactional[0]
    line = first.source.position(first.start)[0]
    return (
        "Detected both transactional and non-transactional statements within the same migration (even though "
        f"mixed is false). Offending statement found at line {line}: {first.text} [non-transactional]",
        first.start,
    )


def _reverse_changesets(statements: list[Statement], loaded: LoadedFile) -> list[Statement]:
    """Liquibase rolls changesets back newest first: the file's rollbacks in reverse changeset order."""
    shape = loaded.shape
    keyed = []
    for position, stmt in enumerate(statements):
        section = shape.section_at(stmt.start)
        pair = section.pair if section is not None and section.pair is not None else 0
        keyed.append((-pair, position, stmt))
    return [stmt for _, _, stmt in sorted(keyed, key=lambda item: (item[0], item[1]))]


def _parsed_offset(source: Source, offset: int) -> int:
    """A character offset into the original text → into the text that was parsed."""
    sub = source.substitution
    if sub is None:
        return offset
    k = bisect.bisect_right(sub.original_starts, offset) - 1
    if k < 0:
        return offset
    if offset < sub.original_ends[k]:
        return sub.parsed_starts[k]
    return sub.parsed_ends[k] + (offset - sub.original_ends[k])


# --------------------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class ExecError:
    """PostgreSQL refused a statement (or the file could not be run)."""

    statement: int | None  # index of the failing statement; None: the file as a whole
    message: str
    offset: int  # character offset into the original text
    end_offset: int


@dataclass(slots=True)
class FileRun:
    error: ExecError | None
    traces: list[StatementTrace | None]  # per statement; None: not asked to trace
    seconds: float = 0.0
    #: Wall time PostgreSQL took per statement (the runner's BEGIN/COMMIT in ``executing`` only),
    #: without the tracing queries; a statement watched from a second connection includes the watch.
    statement_seconds: list[float] = field(default_factory=list)
    executing: float = 0.0


class Session:
    """The connection migrations run on, plus the watcher for non-transactional statements."""

    def __init__(self, connect):
        self._connect = connect
        self.conn = connect()
        self.watcher = Watcher(connect)

    def close(self) -> None:
        self.watcher.close()
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001 - closing after a failure
            pass

    def reset(self) -> None:
        """A clean session for the next file, as a runner's fresh connection would be."""
        from psycopg import pq

        if self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
            self.conn.execute("ROLLBACK")
        self.conn.execute("DISCARD ALL")
        self.conn.execute("SET client_min_messages TO warning")


def run_file(session: Session, prepared: PreparedFile, *, trace: bool = False, pg_version: int = 15) -> FileRun:
    """Run a prepared file; stops at the first error, leaving what the runner would leave."""
    import psycopg
    from psycopg import pq

    started = time.monotonic()
    traces: list[StatementTrace | None] = [None] * len(prepared.statements)
    if prepared.problem is not None:
        offset = prepared.problem_offset
        return FileRun(ExecError(None, prepared.problem, offset, offset), traces)
    session.reset()
    conn = session.conn
    facts = prepared.facts
    assert facts is not None
    clock = time.perf_counter
    timings: list[float] = []
    runner = 0.0  # the runner's own BEGIN and COMMIT

    def status():
        return conn.info.transaction_status

    units = {id(u.statement): u for u in facts.units}
    run_sizes: dict[int, int] = {}
    for stmt in prepared.statements:
        unit = units.get(id(stmt))
        if unit is not None:
            run_sizes[unit.run] = run_sizes.get(unit.run, 0) + 1
    current_run: int | None = None
    opened = False  # this run's transaction was opened here (the runner's, or the implicit one of a query string)
    groups = _query_groups(prepared, units)
    group_sizes: dict[tuple[int, int], int] = {}
    for key in groups:
        if key is not None:
            group_sizes[key] = group_sizes.get(key, 0) + 1
    current_group: tuple[int, int] | None = None
    group_open = False  # the implicit transaction of a group of statements the runner sends as one query string

    def by_runner(sql: str) -> None:  # the runner's own BEGIN and COMMIT, timed apart from the statements
        nonlocal runner
        t0 = clock()
        conn.execute(sql)
        runner += clock() - t0

    state = None  # the state after the last traced statement, valid inside the current transaction
    for index, (stmt, sql) in enumerate(zip(prepared.statements, prepared.sql)):
        unit = units.get(id(stmt))
        group = groups[index]
        try:
            if group != current_group:
                if group_open and status() == pq.TransactionStatus.INTRANS:
                    by_runner("COMMIT")  # PostgreSQL commits a query string's implicit transaction at its end
                current_group, group_open = group, False
            if unit is not None and unit.run != current_run:
                if opened and status() == pq.TransactionStatus.INTRANS:
                    by_runner("COMMIT")  # the runner commits a section (changeset) before the next
                current_run, opened = unit.run, False
                if _wraps(facts, unit.run, run_sizes):
                    by_runner("BEGIN")
                    opened = True
            elif (
                unit is not None
                and stmt.kind != "TransactionStmt"
                and status() == pq.TransactionStatus.IDLE
                and (_reopened(unit) if group is not None else _in_runners_transaction(unit))
            ):
                # after a COMMIT inside the runner's transaction: a JDBC driver opens a new one, and the
                # rest of a query string stays in PostgreSQL's implicit transaction
                by_runner("BEGIN")
                opened = True
            if (
                group is not None
                and group_sizes[group] > 1
                and stmt.kind != "TransactionStmt"
                and status() == pq.TransactionStatus.IDLE
            ):
                # a group of statements sent as one query string (goose's StatementBegin … StatementEnd): its
                # statements run in one implicit transaction, also in a file without the runner's transaction
                by_runner("BEGIN")
                group_open = True
            elif group_open and stmt.kind == "TransactionStmt" and _begins(stmt):
                group_open = False  # a BEGIN in the query string turns its implicit transaction into the file's own
            if not trace or stmt.kind == "TransactionStmt":
                t0 = clock()
                conn.execute(sql)
                timings.append(clock() - t0)
                state = None
            elif status() == pq.TransactionStatus.INTRANS:
                before = state or read_state(conn)
                t0 = clock()
                conn.execute(sql)
                timings.append(clock() - t0)
                state = read_state(conn)
                traces[index] = compare_states(before, state)
            elif (reason := nontransactional_reason(stmt, pg_version)) is not None:
                t0 = clock()
                traces[index] = _trace_outside(session, stmt, sql, prepared.predicted[index], reason)
                timings.append(clock() - t0)
                state = None
            else:
                conn.execute("BEGIN")
                before = read_state(conn)
                t0 = clock()
                conn.execute(sql)
                t1 = clock()
                after = read_state(conn)
                t2 = clock()
                conn.execute("COMMIT")
                timings.append(t1 - t0 + clock() - t2)
                traces[index] = compare_states(before, after)
                state = None
        except _StatementFailed as failed:
            return _failed(conn, prepared, index, failed.error, traces, started)
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and conn.closed:
                raise
            return _failed(conn, prepared, index, exc, traces, started)
    if status() == pq.TransactionStatus.INTRANS:
        if opened or group_open:
            by_runner("COMMIT")
        else:
            conn.execute("ROLLBACK")
            begin = _last_begin(prepared)
            stmt = prepared.statements[begin]
            return FileRun(
                ExecError(
                    begin,
                    "the file ends inside a transaction (BEGIN without COMMIT): "
                    "when the runner's session ends, PostgreSQL rolls it back",
                    stmt.start,
                    stmt.end,
                ),
                traces,
                time.monotonic() - started,
            )
    return FileRun(None, traces, time.monotonic() - started, timings, sum(timings) + runner)


def _query_groups(prepared: PreparedFile, units: dict[int, StatementFacts]) -> list[tuple[int, int] | None]:
    """Per statement: the query string it is in when the runner cuts its own query strings and sends the rest
    one at a time (``(run, index)``), else ``None`` (one query per run is the run's own transaction model)."""
    found: list[tuple[int, int] | None] = []
    for stmt in prepared.statements:
        unit = units.get(id(stmt))
        if unit is None or prepared.cuts is None or unit.execution.delivery == ONE_QUERY:
            found.append(None)
            continue
        found.append((unit.run, query_index(stmt.start, stmt.index, unit.execution.delivery, prepared.cuts)))
    return found


def _begins(stmt: Statement) -> bool:
    return stmt.node.get("kind") in ("TRANS_STMT_BEGIN", "TRANS_STMT_START")


def _wraps(facts: FileFacts, run: int, sizes: dict[int, int]) -> bool:
    """The runner runs this stretch in a transaction: its own, or one query string of several statements."""
    wraps = facts.run_wraps[run] if run < len(facts.run_wraps) else facts.runner_wraps
    one_string = run < len(facts.runs) and facts.runs[run].execution.delivery == ONE_QUERY
    return wraps or (one_string and sizes.get(run, 0) > 1)


def _in_runners_transaction(unit: StatementFacts) -> bool:
    """After a COMMIT of the file, the statement is still in a transaction the runner's delivery makes."""
    if unit.in_explicit_block:
        return False
    return bool(unit.implicit or (unit.runner_transaction and unit.execution.reopens))


def _reopened(unit: StatementFacts) -> bool:
    """After a COMMIT inside the runner's transaction, the driver opened a new one (JDBC)."""
    return not unit.in_explicit_block and unit.runner_transaction and unit.execution.reopens


class _StatementFailed(Exception):
    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def _failed(conn, prepared: PreparedFile, index: int, exc: BaseException, traces, started) -> FileRun:
    from psycopg import pq

    if conn.info.transaction_status in (pq.TransactionStatus.INERROR, pq.TransactionStatus.INTRANS):
        conn.execute("ROLLBACK")
    stmt = prepared.statements[index]
    offset = stmt.start
    diag = getattr(exc, "diag", None)
    position = getattr(diag, "statement_position", None) if diag is not None else None
    if position and str(position).isdigit() and prepared.source is not None:
        sql_start = _parsed_offset(prepared.source, stmt.start)
        offset = prepared.source.original_offset(sql_start + int(position) - 1)
        offset = max(stmt.start, min(offset, stmt.end))
    return FileRun(ExecError(index, _message(exc), offset, stmt.end), traces, time.monotonic() - started)


def _message(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    lines = str(exc).strip().splitlines()
    text = primary or (lines[0] if lines else type(exc).__name__)
    detail = getattr(diag, "message_detail", None) if diag is not None else None
    if detail:
        text = f"{text} ({detail})"
    return " ".join(text.split())


def _last_begin(prepared: PreparedFile) -> int:
    for index in range(len(prepared.statements) - 1, -1, -1):
        stmt = prepared.statements[index]
        if stmt.kind == "TransactionStmt" and stmt.node.get("kind") in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
            return index
    return 0


# --------------------------------------------------------------------------- outside a transaction


def _trace_outside(
    session: Session, stmt: Statement, sql: str, predicted: list[LockReport], reason: str
) -> StatementTrace:
    """Run a statement that cannot run in a transaction, watched from other connections."""
    conn = session.conn
    before = read_state(conn)
    targets = _resolve_targets(conn, [*_target_names(stmt), *_split(l.table for l in predicted)])
    if not targets:
        conn.execute(sql)
        return not_traced(
            f"{reason} runs outside a transaction and the table it works on "
            "could not be determined, so its locks were not observed"
        )
    first, unobserved, error = session.watcher.run(conn, sql, targets)
    if error is not None:
        raise _StatementFailed(error)
    after = read_state(conn)
    return compare_states(before, after, method="second connection", first_modes=first, unobserved=unobserved)


def _split(tables) -> list[list[str]]:
    return [t.split(".", 1) for t in tables]


def _target_names(stmt: Statement) -> list[list[str]]:
    """Names (as written) of the relations a non-transactional statement works on."""
    node, kind = stmt.node, stmt.kind
    names: list[list[str]] = []

    def rangevar(rv) -> None:
        inner = (rv or {}).get("RangeVar", rv or {})
        if inner.get("relname"):
            names.append([p for p in (inner.get("schemaname"), inner["relname"]) if p])

    if kind == "IndexStmt":
        rangevar(node.get("relation"))
    elif kind == "DropStmt":
        for obj in node.get("objects", ()):
            parts = name_list(obj.get("List", {}).get("items")) if "List" in obj else name_list([obj])
            if parts:
                names.append(parts)
    elif kind == "ReindexStmt":
        rangevar(node.get("relation"))
    elif kind == "VacuumStmt":
        for rel in node.get("rels", ()):
            rangevar(rel.get("VacuumRelation", {}).get("relation"))
    elif kind == "AlterTableStmt":
        rangevar(node.get("relation"))
        for cmd in node.get("cmds", ()):
            _, partition = unwrap(cmd.get("AlterTableCmd", {}).get("def"))
            rangevar(partition.get("name"))
    return names


def _quote(parts: list[str]) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _resolve_targets(conn, names: list[list[str]]) -> dict[str, str]:
    """Tables to watch, as {schema.table: quoted name}; an index stands for its table."""
    out: dict[str, str] = {}
    for parts in names:
        row = conn.execute(
            "SELECT n.nspname, c.relname, c.relkind, tn.nspname, t.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid "
            "LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace "
            "WHERE c.oid = to_regclass(%s)",
            [_quote(parts)],
        ).fetchone()
        if row is None:
            continue
        schema, rel, relkind, table_schema, table = row
        if relkind in ("i", "I") and table:
            schema, rel = table_schema, table
        elif relkind not in ("r", "p", "m"):
            continue
        out[f"{schema}.{rel}"] = _quote([schema, rel])
    return out
