"""``migration-gate verify``: prove migrations and their rollbacks on a real PostgreSQL.

1. **Base state**: every merged migration (relative to ``--base``; none
   without one) in runner order — versioned by version, then repeatables —
   with placeholders substituted and the configured transaction mode, then the
   ``verify.seed`` files.
2. **Each new migration, in order**: read the schema (:mod:`catalog`), apply
   the migration tracing every statement (:mod:`tracing`), run its rollback,
   compare the schema with the one before the migration, apply the migration
   again and compare with the first apply.
3. New (or changed) repeatable migrations, after the versioned ones.

Around each new migration it also measures the migration's wall time
(``slow-migration`` over ``verify.max_duration``) and, with ``verify.queries``,
plans the application's queries before and after it (:mod:`queries`:
``query-broken``, ``query-plan-regression``).

Findings become violations of the ``verify`` rules (MG401–MG406) and the
result is a :class:`~migration_gate.engine.RunResult`, so every ``check``
report format renders it.

When a rollback leaves the database in another state than "migration
applied" (it failed half-way, was incomplete and the re-apply failed, …), the
next migration would run against a schema nobody has: the working database
is rebuilt from the latest checkpoint (a ``CREATE DATABASE … TEMPLATE`` copy)
by re-applying the migrations since, and verification goes on.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import Config
from ..core.findings import Finding, Violation
from ..core.load import as_rollback
from ..core.migration import MigrationFile, Project
from ..core.names import display_name
from ..core.results import FileReport, LockReport, RunResult, StatementReport
from ..core.rules.lock_prediction_mismatch import LockPredictionMismatch
from ..core.rules.migration_fails import MigrationFails
from ..core.rules.observed_locks import ObservedLocks
from ..core.rules.query_broken import QueryBroken
from ..core.rules.query_plan_regression import QueryPlanRegression
from ..core.rules.reapply_fails import ReapplyFails
from ..core.rules.rollback_fails import RollbackFails
from ..core.rules.rollback_incomplete import RollbackIncomplete
from ..core.rules.rollback_not_verified import RollbackNotVerified
from ..core.rules.slow_migration import SlowMigration
from ..core.ruleset import build_ruleset
from ..core.runners import LAYOUTS
from ..core.schema import SchemaView
from ..core.severity import Severity
from ..core.sizing import Sizing, duration_text
from ..core.version import Version
from ..core.violations import make_violation
from ..discovery import classify
from ..errors import UsageError
from .catalog import Snapshot, describe, diff, summarize, take_snapshot
from .queries import Query, QueryPlan, indexes_gone, load_queries, plan_query, regression
from .runner import FileRun, PreparedFile, Session, prepare, run_file
from .tracing import StatementTrace, compare_prediction, describe_trace

# --------------------------------------------------------------------------- the plan


@dataclass(slots=True)
class Plan:
    """What to run, in which order."""

    base: list[MigrationFile]  # merged: versioned by version, then repeatables
    new: list[MigrationFile]  # new versioned migrations, by version
    new_repeatables: list[MigrationFile]
    rollbacks: dict[tuple[object, Version], MigrationFile]  # by rollback_key()
    seeds: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    project: Project | None = None  # the discovery Project, for the lock model's column history
    queries: list[Query] = field(default_factory=list)  # verify.queries


def _keeps_rollback_inside(migration: MigrationFile) -> bool:
    layout = LAYOUTS.get(migration.layout) or LAYOUTS["flyway"]
    return layout.rollback_in_file


def rollback_key(migration: MigrationFile) -> tuple[object, Version]:
    """Which rollback undoes which migration: the same version (in the same folder, for runners that read
    one folder at a time)."""
    assert migration.version is not None
    scope = None if migration.layout in ("flyway", "up-down", "") else migration.location
    return scope, migration.version


def _versioned_order(files: list[MigrationFile]) -> list[MigrationFile]:
    return sorted(files, key=lambda f: (f.version.key if f.version else (), f.display))


def _repeatable_order(files: list[MigrationFile]) -> list[MigrationFile]:
    # Flyway applies repeatables in the order of their descriptions.
    return sorted(files, key=lambda f: ((f.description or "").lower(), f.display))


def make_plan(
    project, config: Config, *, new_paths: set[Path] | None = None, changed_paths: set[Path] | None = None
) -> Plan:
    """Split the project into base and new migrations.

    ``new_paths``: files added since the base (``None``: no base, every
    migration is new).  ``changed_paths``: files added or modified, for
    repeatables (Flyway re-runs a repeatable whose checksum changed).
    """
    versioned = _versioned_order([f for f in project.files if f.kind == "versioned"])
    repeatables = _repeatable_order([f for f in project.files if f.kind == "repeatable"])
    rollbacks: dict[tuple[object, Version], MigrationFile] = {}
    for f in sorted(project.files, key=lambda f: f.display):
        if f.kind == "rollback" and f.version is not None:
            rollbacks.setdefault(rollback_key(f), f)
        elif (
            f.kind == "versioned"
            and f.version is not None
            and LAYOUTS.get(f.layout, LAYOUTS["flyway"]).rollback_in_file
        ):
            rollbacks.setdefault(rollback_key(f), as_rollback(f))  # its down section (goose, dbmate, …)
    if new_paths is None:
        plan = Plan(base=[], new=versioned, new_repeatables=repeatables, rollbacks=rollbacks)
    else:
        is_new = [f for f in versioned if f.path.resolve() in new_paths]
        changed = changed_paths or set()
        plan = Plan(
            base=[f for f in versioned if f not in is_new]
            + [f for f in repeatables if f.path.resolve() not in new_paths],
            new=is_new,
            new_repeatables=[f for f in repeatables if f.path.resolve() in changed],
            rollbacks=rollbacks,
        )
        modified = [f for f in versioned if f.path.resolve() in changed and f not in is_new]
        if modified:
            plan.notes.append(
                f"note: {len(modified)} merged migration(s) changed since the base "
                f"({', '.join(f.display for f in modified[:3])}{' …' if len(modified) > 3 else ''}); "
                "verify applied them as they are now"
            )
    seeds: list[Path] = []
    for raw in config.verify.seed:
        path = Path(raw) if Path(raw).is_absolute() else config.root / raw
        if path.is_dir():
            seeds.extend(sorted(p for p in path.rglob("*.sql") if p.is_file()))
        elif path.is_file():
            seeds.append(path)
        else:
            where = f"{config.file}: " if config.file else ""
            raise UsageError(f"{where}verify.seed: {raw}: no such file or folder")
    plan.seeds = seeds
    plan.project = project
    if config.verify.queries:
        plan.queries = load_queries(config, plan.notes)
    return plan


# --------------------------------------------------------------------------- progress


class Progress:
    """One status line on stderr while a long run goes on; silent when stderr is not a terminal."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self._shown = False

    def step(self, text: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r\x1b[Kverify: {text} ({elapsed:.1f} s)")
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


# --------------------------------------------------------------------------- the run


class _Stop(Exception):
    """Verification cannot go on (the base state or a migration failed)."""


@dataclass(slots=True)
class _Checkpoint:
    database: str
    applied: int  # how many new migrations it holds


class Verifier:
    #: A rebuild re-applies the migrations since the last checkpoint; past this many, it takes a new one
    #: (a database copy costs about as much as re-applying a handful of migrations).
    REPLAY_BEFORE_CHECKPOINT = 8

    def __init__(
        self,
        plan: Plan,
        config: Config,
        workspace,
        *,
        progress: Progress | None = None,
        sizing: Sizing | None = None,
    ):
        self.plan = plan
        self.sizing = sizing
        self.query_plans: list[QueryPlan] | None = None  # the queries' plans before the next migration
        self.config = config
        self.ws = workspace
        self.progress = progress or Progress(enabled=False)
        self.rules = build_ruleset(config)
        self.violations: list[Violation] = []
        self.statements: list[StatementReport] = []
        self.files: dict[str, FileReport] = {}
        self.notes: list[str] = list(plan.notes)
        self.work: str | None = None
        self.session: Session | None = None
        self.checkpoint: _Checkpoint | None = None
        self.created_earlier: frozenset[str] = frozenset()

    # ----------------------------------------------------------- plumbing

    def _open_session(self) -> None:
        name = self.work
        self.session = Session(lambda: self.ws.connect(name))

    def _close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def _live(self) -> Session:
        """The open session (verification opens one before it runs anything)."""
        assert self.session is not None
        return self.session

    def _snapshot(self) -> Snapshot:
        return take_snapshot(self._live().conn)

    def _file(self, migration: MigrationFile, prepared: PreparedFile) -> None:
        if migration.display not in self.files:
            self.files[migration.display] = FileReport(migration, len(prepared.statements))

    def _report(
        self,
        rule,
        message: str,
        prepared: PreparedFile | None,
        migration: MigrationFile,
        *,
        start: int | None = None,
        end: int | None = None,
        statement=None,
        severity: Severity | None = None,
    ) -> None:
        finding = Finding(rule, message, severity=severity)
        source = prepared.source if prepared is not None and start is not None else None
        violation = make_violation(
            finding,
            migration.display,
            source,
            start or 0,
            end if end is not None else (start or 0),
            self.rules,
            self.config,
            statement,
        )
        if violation is not None:
            self.violations.append(violation)

    def _run(
        self, migration: MigrationFile, prepared: PreparedFile | None = None, *, trace: bool = False
    ) -> tuple[PreparedFile, FileRun]:
        if prepared is None:
            prepared = prepare(migration, self.config)
        self._file(migration, prepared)
        return prepared, run_file(self._live(), prepared, trace=trace, pg_version=self.config.pg_version)

    def _error_at(
        self, rule, what: str, prepared: PreparedFile, migration: MigrationFile, run: FileRun, suffix: str = ""
    ) -> None:
        error = run.error
        assert error is not None  # called for a failed run
        stmt = prepared.statements[error.statement] if error.statement is not None else None
        self._report(
            rule,
            f"{what}: {error.message}{suffix}",
            prepared,
            migration,
            start=error.offset,
            end=error.end_offset,
            statement=stmt,
        )

    # ----------------------------------------------------------- phases

    def run(self) -> RunResult:
        major = getattr(self.ws, "server_version", 0) // 10000
        if major and major != self.config.pg_version:
            self.notes.append(
                f"note: the server is PostgreSQL {major}, the configuration targets "
                f"{self.config.pg_version} (pg_version)"
            )
        self.work = self.ws.create()
        self._open_session()
        try:
            self._base()
            if self.plan.new or self.plan.new_repeatables:
                self._verify_new()
        except _Stop:
            pass
        finally:
            self.progress.done()
            self._close_session()
        return self.result()

    def result(self) -> RunResult:
        violations = sorted(self.violations, key=Violation.sort_key)
        statements = sorted(self.statements, key=lambda s: (s.path, s.line))
        files = sorted(self.files.values(), key=lambda f: f.migration.display)
        return RunResult(
            files, violations, statements, self.config.fail_on, notes=self.notes, docs_url=self.config.docs_url
        )

    def _base(self) -> None:
        total = len(self.plan.base)
        for i, migration in enumerate(self.plan.base, 1):
            self.progress.step(f"base {i}/{total} {migration.display}")
            prepared, run = self._run(migration)
            if run.error is not None:
                self._error_at(
                    MigrationFails, "merged migration fails while building the base state", prepared, migration, run
                )
                self.notes.append(f"verify stopped: the merged migrations do not apply ({migration.display})")
                raise _Stop
        if self.plan.seeds:
            if not self.plan.base:
                self.notes.append(
                    "note: verify.seed not applied: no migration is merged yet "
                    "(with --base, seeds go on top of the merged migrations)"
                )
            else:
                for seed in self.plan.seeds:
                    self._seed(seed)
        if total:
            seeds = f" and {len(self.plan.seeds)} seed file(s)" if self.plan.seeds else ""
            self.notes.append(f"base: {total} merged migration(s){seeds} applied")

    def _seed(self, path: Path) -> None:
        display = str(path)
        try:
            display = str(path.relative_to(Path.cwd()))
        except ValueError:
            pass
        migration = classify(path, display, path.parent, self.config)
        self.progress.step(f"seed {display}")
        prepared = prepare(migration, self.config)
        run = run_file(self._live(), prepared, pg_version=self.config.pg_version)
        if run.error is not None:
            line = prepared.source.position(run.error.offset)[0] if prepared.source else 1
            raise UsageError(
                f"verify.seed {display}:{line}: does not apply on top of the merged migrations: {run.error.message}"
            )

    def _take_checkpoint(self, applied: int) -> None:
        self._close_session()
        copy = self.ws.copy(self.work)
        if self.checkpoint is not None:
            self.ws.drop(self.checkpoint.database)
        self.checkpoint = _Checkpoint(copy, applied)
        self._open_session()

    def _verify_new(self) -> None:
        new = self.plan.new
        if any(m.version is not None and rollback_key(m) in self.plan.rollbacks for m in new):
            self._take_checkpoint(0)
        before = self._snapshot()
        created: set[str] = set()
        columns = None
        if self.plan.project is not None:
            from ..core.earlier_schema import EarlierSchema

            columns = EarlierSchema(self.plan.project, self.config)
        if self.plan.queries:
            self.query_plans = self._plan_queries(first=True)
        for index, migration in enumerate(new):
            label = f"{index + 1}/{len(new)} {migration.display}"
            self.progress.step(f"{label}: apply")
            prepared = prepare(
                migration,
                self.config,
                predict=True,
                created_earlier=frozenset(created),
                schema_lookup=columns.lookup_for(migration) if columns else None,
                sizing=self.sizing,
            )
            _, run = self._run(migration, prepared, trace=True)
            self._traces(migration, prepared, run, before)
            if run.error is None:
                self._timing(migration, prepared, run)
                if self.plan.queries:
                    self.progress.step(f"{label}: queries")
                    self._check_queries(migration, prepared, run)
            if run.error is not None:
                after = self._snapshot()
                self._migration_failed(migration, prepared, run, before, after)
                rest = len(new) - index - 1
                if rest:
                    self.notes.append(f"verify stopped at {migration.display}: {rest} later migration(s) not verified")
                raise _Stop
            if prepared.facts is not None:
                created = set(SchemaView(prepared.facts.schema, None, None, frozenset(created)).new_relations())
            applied = self._snapshot()
            rollback = self.plan.rollbacks.get(rollback_key(migration)) if migration.version is not None else None
            if rollback is None:
                self._report(
                    RollbackNotVerified,
                    "no rollback: the migration applies, but its round trip "
                    "(rollback, apply again) could not be checked",
                    None,
                    migration,
                )
                before = applied
                continue
            self.progress.step(f"{label}: rollback")
            intact = self._round_trip(migration, prepared, rollback, before, applied)
            if not intact:
                self.progress.step(f"{label}: rebuilding the database")
                self._rebuild(index + 1)
            before = applied
        for migration in self.plan.new_repeatables:
            self.progress.step(f"repeatable {migration.display}")
            prepared, run = self._run(migration)
            if run.error is not None:
                self._error_at(MigrationFails, "repeatable migration fails", prepared, migration, run)
                raise _Stop

    def _round_trip(self, migration, prepared, rollback, before: Snapshot, applied: Snapshot) -> bool:
        """Rollback, compare, re-apply, compare; True when the database is left as after the apply."""
        rb_prepared, rb_run = self._run(rollback)
        if rb_run.error is not None:
            self._error_at(RollbackFails, f"rollback of {migration.display} fails", rb_prepared, rollback, rb_run)
            return self._snapshot() == applied
        rolled_back = self._snapshot()
        for difference in diff(before, rolled_back):
            self._report(
                RollbackIncomplete,
                f"after the rollback of {migration.display}: {describe(difference, 'rollback')}",
                None,
                rollback,
            )
        self.progress.step(f"{migration.display}: apply again")
        _, again = self._run(migration, prepared)
        if again.error is not None:
            self._error_at(
                ReapplyFails, "applying the migration again after its rollback fails", prepared, migration, again
            )
            return False
        reapplied = self._snapshot()
        differences = diff(applied, reapplied)
        if differences:
            self._report(
                ReapplyFails,
                "applying the migration again after its rollback gives another schema: "
                + summarize(differences, "reapply"),
                None,
                migration,
            )
            return False
        return True

    def _rebuild(self, applied: int) -> None:
        """Make the working database hold the base plus the first ``applied`` new migrations."""
        assert self.checkpoint is not None  # taken after the base
        self._close_session()
        self.ws.drop(self.work)
        self.work = self.ws.copy(self.checkpoint.database)
        self._open_session()
        replay = self.plan.new[self.checkpoint.applied : applied]
        for migration in replay:
            _prepared, run = self._run(migration)
            if run.error is not None:
                self.notes.append(
                    f"verify stopped: could not rebuild the database after {migration.display} ({run.error.message})"
                )
                raise _Stop
        if len(replay) > self.REPLAY_BEFORE_CHECKPOINT:
            self._take_checkpoint(applied)

    def _migration_failed(self, migration, prepared, run: FileRun, before: Snapshot, after: Snapshot) -> None:
        differences = diff(before, after)
        if differences:
            state = "; the statements before it stayed applied: " + summarize(differences, "change")
        else:
            state = "; the schema is as before the migration"
        if run.error is not None and run.error.statement is not None:
            state += self._transaction_note(prepared, run.error.statement)
        who = prepared.refused_by or "PostgreSQL"
        self._error_at(MigrationFails, f"{who} refuses the migration", prepared, migration, run, state)

    @staticmethod
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

    # ----------------------------------------------------------- duration

    def _timing(self, migration: MigrationFile, prepared: PreparedFile, run: FileRun) -> None:
        """The migration's wall time (and the estimate from table statistics), and ``slow-migration``."""
        seconds = run.executing
        estimate = _estimate(prepared)
        beside = (
            f" (estimate on the table statistics' sizes: {duration_text(estimate)})" if estimate is not None else ""
        )
        self.notes.append(f"verify: {migration.display}: {_seconds(seconds)} on verify's database{beside}")
        limit = self.config.verify.max_duration
        if seconds <= limit:
            return
        stmt = None
        slowest = ""
        if run.statement_seconds:
            index = max(range(len(run.statement_seconds)), key=run.statement_seconds.__getitem__)
            stmt = prepared.statements[index]
            slowest = f"; its slowest statement took {_seconds(run.statement_seconds[index])}"
        self._report(
            SlowMigration,
            f"the migration took {_seconds(seconds)} on verify's database (the merged migrations and the seed "
            f"data), more than verify.max_duration ({_seconds(limit)}){slowest}{beside}",
            prepared,
            migration,
            start=stmt.start if stmt is not None else None,
            end=stmt.end if stmt is not None else None,
            statement=stmt,
        )

    # ----------------------------------------------------------- queries

    def _plan_queries(self, first: bool = False) -> list[QueryPlan]:
        """Every query's plan now (after ANALYZE, so that the planner sees the data)."""
        session = self._live()
        conn = session.conn
        session.reset()
        conn.execute("ANALYZE")
        plans = [plan_query(conn, q, self.config.verify.explain_analyze) for q in self.plan.queries]
        if first:
            for query, plan in zip(self.plan.queries, plans):
                if not plan.ok:
                    self.notes.append(
                        f"note: query {query.label} does not plan before the new migrations ({plan.error}); "
                        "it is compared from the first migration after which it plans"
                    )
        return plans

    def _check_queries(self, migration: MigrationFile, prepared: PreparedFile, run: FileRun) -> None:
        before_plans = self.query_plans or []
        after_plans = self._plan_queries()
        ratio = self.config.verify.cost_ratio
        for query, before, after in zip(self.plan.queries, before_plans, after_plans):
            if not before.ok:
                continue
            stmt = _statement_touching(prepared, run, before.tables())
            where = {"start": stmt.start, "end": stmt.end, "statement": stmt} if stmt is not None else {}
            if not after.ok:
                at = f" (at {query.path}:{after.error_line})" if after.error_line not in (None, query.line) else ""
                self._report(
                    QueryBroken,
                    f"query {query.label} planned before this migration and fails after it: {after.error}{at}",
                    prepared,
                    migration,
                    **where,
                )
                continue
            reasons = regression(before, after, ratio, indexes_gone(self._live().conn, before))
            if reasons:
                self._report(
                    QueryPlanRegression,
                    f"query {query.label}: {'; '.join(reasons)} — before: {before.summary()}; after: {after.summary()}",
                    prepared,
                    migration,
                    **where,
                )
        self.query_plans = after_plans

    # ----------------------------------------------------------- traces

    def _traces(self, migration, prepared: PreparedFile, run: FileRun, before: Snapshot) -> None:
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
                self._report(
                    ObservedLocks,
                    f"not traced: {trace.reason}",
                    prepared,
                    migration,
                    start=stmt.start,
                    end=stmt.end,
                    statement=stmt,
                )
                continue
            self.statements.append(
                StatementReport(migration.display, line, end_line, _lock_reports(trace, prepared.predicted[index]))
            )
            words = describe_trace(trace, existing=existing)
            extra = _watch_notes(trace)
            if words or extra:
                self._report(
                    ObservedLocks,
                    "; ".join(w for w in (words, extra) if w),
                    prepared,
                    migration,
                    start=stmt.start,
                    end=stmt.end,
                    statement=stmt,
                )
            for mismatch in compare_prediction(prepared.predicted[index], trace, existing=existing):
                self._report(
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
