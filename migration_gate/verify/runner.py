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

import time
from dataclasses import dataclass, field

from ..core.analysis import nontransactional_reason
from ..core.parse import Statement
from ..core.results import LockReport
from .prepare import PreparedFile as PreparedFile
from .prepare import parsed_offset
from .prepare import prepare as prepare
from .runner_transactions import RunnerTransactions
from .targets import resolve_targets, split_tables, target_names
from .tracing import State, StatementTrace, Watcher, compare_states, not_traced, read_state

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

    started = time.monotonic()
    traces: list[StatementTrace | None] = [None] * len(prepared.statements)
    if prepared.problem is not None:
        offset = prepared.problem_offset
        return FileRun(ExecError(None, prepared.problem, offset, offset), traces)
    session.reset()
    conn = session.conn
    transactions = RunnerTransactions(conn, prepared)
    execution = _Execution(session, prepared, traces, trace, pg_version)
    for index, (stmt, sql) in enumerate(zip(prepared.statements, prepared.sql)):
        try:
            transactions.before(index, stmt)
            execution.statement(index, stmt, sql)
        except _StatementFailed as failed:
            return _failed(conn, prepared, index, failed.error, traces, started)
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and conn.closed:
                raise
            return _failed(conn, prepared, index, exc, traces, started)
    if not transactions.end():
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
    timings = execution.timings
    return FileRun(None, traces, time.monotonic() - started, timings, sum(timings) + transactions.seconds)


class _Execution:
    """Sending the statements, each traced the way its transaction allows (``trace``), and timed."""

    def __init__(
        self,
        session: Session,
        prepared: PreparedFile,
        traces: list[StatementTrace | None],
        trace: bool,
        pg_version: int,
    ):
        from psycopg import pq

        self.session = session
        self.conn = session.conn
        self.prepared = prepared
        self.traces = traces
        self.trace = trace
        self.pg_version = pg_version
        self.pq = pq
        self.timings: list[float] = []
        self.state: State | None = (
            None  # the state after the last traced statement, valid inside the current transaction
        )

    def statement(self, index: int, stmt: Statement, sql: str) -> None:
        conn, clock, timings = self.conn, time.perf_counter, self.timings
        if not self.trace or stmt.kind == "TransactionStmt":
            t0 = clock()
            conn.execute(sql)
            timings.append(clock() - t0)
            self.state = None
        elif conn.info.transaction_status == self.pq.TransactionStatus.INTRANS:
            before = self.state or read_state(conn)
            t0 = clock()
            conn.execute(sql)
            timings.append(clock() - t0)
            self.state = read_state(conn)
            self.traces[index] = compare_states(before, self.state)
        elif (reason := nontransactional_reason(stmt, self.pg_version)) is not None:
            t0 = clock()
            self.traces[index] = _trace_outside(self.session, stmt, sql, self.prepared.predicted[index], reason)
            timings.append(clock() - t0)
            self.state = None
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
            self.traces[index] = compare_states(before, after)
            self.state = None


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
        sql_start = parsed_offset(prepared.source, stmt.start)
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
    targets = resolve_targets(conn, [*target_names(stmt), *split_tables(l.table for l in predicted)])
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
