"""What ``verify`` observes around each new migration besides the round trip: its wall time
(``slow-migration``), the locks each statement took (``observed-locks``, ``lock-prediction-mismatch``) and the
application's query plans before and after it (``query-broken``, ``query-plan-regression``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.config import Config
from ..core.migration import MigrationFile
from ..core.names import display_name
from ..core.results import LockReport, StatementReport
from ..core.rules.lock_prediction_mismatch import LockPredictionMismatch
from ..core.rules.observed_locks import ObservedLocks
from ..core.rules.query_broken import QueryBroken
from ..core.rules.query_plan_regression import QueryPlanRegression
from ..core.rules.slow_migration import SlowMigration
from ..core.sizing import duration_text
from .catalog import Snapshot
from .differences import diff, summarize
from .queries import Query, QueryPlan, indexes_gone, plan_query, regression
from .recorder import Recorder
from .runner import FileRun, PreparedFile, Session
from .tracing import StatementTrace, compare_prediction, describe_trace


def record_timing(out: Recorder, migration: MigrationFile, prepared: PreparedFile, run: FileRun) -> None:
    """The migration's wall time (and the estimate from table statistics), and ``slow-migration``."""
    seconds = run.executing
    estimate = _estimate(prepared)
    beside = f" (estimate on the table statistics' sizes: {duration_text(estimate)})" if estimate is not None else ""
    out.notes.append(f"verify: {migration.display}: {_seconds(seconds)} on verify's database{beside}")
    limit = out.config.verify.max_duration
    if seconds <= limit:
        return
    stmt = None
    slowest = ""
    if run.statement_seconds:
        index = max(range(len(run.statement_seconds)), key=run.statement_seconds.__getitem__)
        stmt = prepared.statements[index]
        slowest = f"; its slowest statement took {_seconds(run.statement_seconds[index])}"
    out.report(
        SlowMigration,
        f"the migration took {_seconds(seconds)} on verify's database (the merged migrations and the seed "
        f"data), more than verify.max_duration ({_seconds(limit)}){slowest}{beside}",
        prepared,
        migration,
        start=stmt.start if stmt is not None else None,
        end=stmt.end if stmt is not None else None,
        statement=stmt,
    )


def plan_queries(
    session: Session, queries: list[Query], config: Config, notes: list[str], first: bool = False
) -> list[QueryPlan]:
    """Every query's plan now (after ANALYZE, so that the planner sees the data)."""
    conn = session.conn
    session.reset()
    conn.execute("ANALYZE")
    plans = [plan_query(conn, q, config.verify.explain_analyze) for q in queries]
    if first:
        for query, plan in zip(queries, plans):
            if not plan.ok:
                notes.append(
                    f"note: query {query.label} does not plan before the new migrations ({plan.error}); "
                    "it is compared from the first migration after which it plans"
                )
    return plans


def check_queries(
    out: Recorder,
    session: Session,
    queries: list[Query],
    before_plans: list[QueryPlan],
    migration: MigrationFile,
    prepared: PreparedFile,
    run: FileRun,
) -> list[QueryPlan]:
    after_plans = plan_queries(session, queries, out.config, out.notes)
    ratio = out.config.verify.cost_ratio
    for query, before, after in zip(queries, before_plans, after_plans):
        if not before.ok:
            continue
        stmt = _statement_touching(prepared, run, before.tables())
        where = {"start": stmt.start, "end": stmt.end, "statement": stmt} if stmt is not None else {}
        if not after.ok:
            at = f" (at {query.path}:{after.error_line})" if after.error_line not in (None, query.line) else ""
            out.report(
                QueryBroken,
                f"query {query.label} planned before this migration and fails after it: {after.error}{at}",
                prepared,
                migration,
                **where,
            )
            continue
        reasons = regression(before, after, ratio, indexes_gone(session.conn, before))
        if reasons:
            out.report(
                QueryPlanRegression,
                f"query {query.label}: {'; '.join(reasons)} — before: {before.summary()}; after: {after.summary()}",
                prepared,
                migration,
                **where,
            )
    return after_plans


def record_traces(
    out: Recorder, migration: MigrationFile, prepared: PreparedFile, run: FileRun, before: Snapshot
) -> None:
    existing = frozenset(
        name
        for (kind, name), attrs in before.objects.items()
        if kind == "table" or (kind == "view" and attrs.get("kind") == "materialized view")
    )
    for index, trace in enumerate(run.traces):
        if trace is None:
            continue
        stmt = prepared.statements[index]
        line, _ = stmt.source.position(stmt.start)
        end_line, _ = stmt.source.position(max(stmt.start, stmt.end - 1))
        if not trace.traced:
            out.report(
                ObservedLocks,
                f"not traced: {trace.reason}",
                prepared,
                migration,
                start=stmt.start,
                end=stmt.end,
                statement=stmt,
            )
            continue
        out.statements.append(
            StatementReport(migration.display, line, end_line, _lock_reports(trace, prepared.predicted[index]))
        )
        words = describe_trace(trace, existing=existing)
        extra = _watch_notes(trace)
        if words or extra:
            out.report(
                ObservedLocks,
                "; ".join(w for w in (words, extra) if w),
                prepared,
                migration,
                start=stmt.start,
                end=stmt.end,
                statement=stmt,
            )
        for mismatch in compare_prediction(prepared.predicted[index], trace, existing=existing):
            out.report(
                LockPredictionMismatch,
                mismatch.message,
                prepared,
                migration,
                start=stmt.start,
                end=stmt.end,
                statement=stmt,
            )


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


def _estimate(prepared: PreparedFile) -> float | None:
    """The throughput model's duration of the migration: its predicted locks' estimates, summed."""
    found = [lock.estimated_seconds for locks in prepared.predicted for lock in locks]
    known = [s for s in found if s is not None]
    return round(sum(known), 3) if known else None


def _statement_touching(prepared: PreparedFile, run: FileRun, tables: set[str]):
    """The first statement that locked (as observed, or as predicted) one of ``tables``."""
    for index, stmt in enumerate(prepared.statements):
        trace = run.traces[index] if index < len(run.traces) else None
        observed = {effect.table for effect in trace.tables} if trace is not None and trace.traced else set()
        predicted = {lock.table for lock in prepared.predicted[index]} if index < len(prepared.predicted) else set()
        if (observed | predicted) & tables:
            return stmt
    return None


def _lock_reports(trace: StatementTrace, predicted: Sequence[LockReport] = ()) -> list[LockReport]:
    """The observed locks; a table's size and the estimate come from the prediction (table statistics)."""
    sized = {lock.table: lock for lock in predicted if lock.rows is not None or lock.bytes is not None}
    out = []
    for effect in trace.tables:
        mode = effect.mode or (trace.held.get(effect.table) or (None,))[-1]
        if mode is None:
            continue
        known = sized.get(effect.table)
        sizes = (known.rows, known.bytes, known.estimated_seconds) if known is not None else (None, None, None)
        out.append(LockReport(effect.table, mode, effect.rewrite, bool(effect.scan), *sizes))
    return out


def _watch_notes(trace: StatementTrace) -> str:
    if trace.method != "second connection":
        return ""
    parts = []
    untouched = [t for t in trace.watched or () if not (effect := trace.effect(t)) or not effect.modes]
    if untouched:
        parts.append(
            "it took no lock on "
            + ", ".join(display_name(t) for t in untouched)
            + " (it finished while another session held ACCESS EXCLUSIVE on it)"
        )
    if trace.unobserved:
        parts.append("locks on " + ", ".join(display_name(t) for t in trace.unobserved) + " not observed")
    return "; ".join(parts)


def failure_state(prepared: PreparedFile, run: FileRun, before: Snapshot, after: Snapshot) -> str:
    """What a failed migration left behind: the schema changes that stayed, and the transaction rolled back."""
    differences = diff(before, after)
    if differences:
        state = "; the statements before it stayed applied: " + summarize(differences, "change")
    else:
        state = "; the schema is as before the migration"
    if run.error is not None and run.error.statement is not None:
        state += _transaction_note(prepared, run.error.statement)
    return state


def _transaction_note(prepared: PreparedFile, index: int) -> str:
    facts = prepared.facts
    if facts is None:
        return ""
    unit = next((u for u in facts.units if u.statement is prepared.statements[index]), None)
    if unit is None:
        return ""
    if unit.in_explicit_block:
        return " (its transaction block was rolled back)"
    if unit.runner_transaction:
        return " (the runner's transaction was rolled back)"
    if unit.implicit:
        return " (the implicit transaction of the query string the runner sends was rolled back)"
    return " (it ran outside a transaction)"
