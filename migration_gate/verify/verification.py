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

from pathlib import Path
from typing import TYPE_CHECKING

from ..core.config import Config
from ..core.migration import MigrationFile
from ..core.results import RunResult
from ..core.rules.migration_fails import MigrationFails
from ..core.rules.reapply_fails import ReapplyFails
from ..core.rules.rollback_fails import RollbackFails
from ..core.rules.rollback_incomplete import RollbackIncomplete
from ..core.rules.rollback_not_verified import RollbackNotVerified
from ..core.schema import SchemaView
from ..core.sizing import Sizing
from ..discovery import classify
from ..errors import UsageError
from .catalog import Snapshot
from .differences import describe, diff, summarize
from .observations import check_queries, failure_state, plan_queries, record_timing, record_traces
from .plan import Plan as Plan
from .plan import make_plan as make_plan
from .plan import rollback_key as rollback_key
from .progress import Progress as Progress
from .queries import QueryPlan
from .recorder import Recorder
from .runner import FileRun, prepare, run_file
from .workdb import WorkDatabase

if TYPE_CHECKING:
    from ..core.earlier_schema import EarlierSchema

# --------------------------------------------------------------------------- the run


class _Stop(Exception):
    """Verification cannot go on (the base state or a migration failed)."""


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
        self.out = Recorder(config, plan.notes)
        self.db = WorkDatabase(workspace, config, self.out)
        self.created_earlier: frozenset[str] = frozenset()

    # ----------------------------------------------------------- phases

    @property
    def work(self) -> str | None:
        """The working database's name (once the run created it)."""
        return self.db.work

    def run(self) -> RunResult:
        major = getattr(self.ws, "server_version", 0) // 10000
        if major and major != self.config.pg_version:
            self.out.notes.append(
                f"note: the server is PostgreSQL {major}, the configuration targets "
                f"{self.config.pg_version} (pg_version)"
            )
        self.db.create()
        try:
            self._base()
            if self.plan.new or self.plan.new_repeatables:
                self._verify_new()
        except _Stop:
            pass
        finally:
            self.progress.done()
            self.db.close_session()
        return self.result()

    def result(self) -> RunResult:
        return self.out.result()

    def _base(self) -> None:
        total = len(self.plan.base)
        for i, migration in enumerate(self.plan.base, 1):
            self.progress.step(f"base {i}/{total} {migration.display}")
            prepared, run = self.db.run(migration)
            if run.error is not None:
                self.out.error_at(
                    MigrationFails, "merged migration fails while building the base state", prepared, migration, run
                )
                self.out.notes.append(f"verify stopped: the merged migrations do not apply ({migration.display})")
                raise _Stop
        if self.plan.seeds:
            if not self.plan.base:
                self.out.notes.append(
                    "note: verify.seed not applied: no migration is merged yet "
                    "(with --base, seeds go on top of the merged migrations)"
                )
            else:
                for seed in self.plan.seeds:
                    self._seed(seed)
        if total:
            seeds = f" and {len(self.plan.seeds)} seed file(s)" if self.plan.seeds else ""
            self.out.notes.append(f"base: {total} merged migration(s){seeds} applied")

    def _seed(self, path: Path) -> None:
        display = str(path)
        try:
            display = str(path.relative_to(Path.cwd()))
        except ValueError:
            pass
        migration = classify(path, display, path.parent, self.config)
        self.progress.step(f"seed {display}")
        prepared = prepare(migration, self.config)
        run = run_file(self.db.live(), prepared, pg_version=self.config.pg_version)
        if run.error is not None:
            line = prepared.source.position(run.error.offset)[0] if prepared.source else 1
            raise UsageError(
                f"verify.seed {display}:{line}: does not apply on top of the merged migrations: {run.error.message}"
            )

    def _verify_new(self) -> None:
        new = self.plan.new
        if any(m.version is not None and rollback_key(m) in self.plan.rollbacks for m in new):
            self.db.take_checkpoint(0)
        before = self.db.snapshot()
        created: set[str] = set()
        columns = None
        if self.plan.project is not None:
            from ..core.earlier_schema import EarlierSchema

            columns = EarlierSchema(self.plan.project, self.config)
        if self.plan.queries:
            self.query_plans = plan_queries(self.db.live(), self.plan.queries, self.config, self.out.notes, first=True)
        for index, migration in enumerate(new):
            before, created = self._verify_one(index, migration, before, created, columns)
        for migration in self.plan.new_repeatables:
            self.progress.step(f"repeatable {migration.display}")
            prepared, run = self.db.run(migration)
            if run.error is not None:
                self.out.error_at(MigrationFails, "repeatable migration fails", prepared, migration, run)
                raise _Stop

    def _verify_one(
        self, index: int, migration: MigrationFile, before: Snapshot, created: set[str], columns: EarlierSchema | None
    ) -> tuple[Snapshot, set[str]]:
        """Apply the ``index``-th new migration (traced, timed, its queries planned), then its round trip.

        Returns the schema after it and the relations new so far; raises ``_Stop`` when it fails.
        """
        new = self.plan.new
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
        _, run = self.db.run(migration, prepared, trace=True)
        record_traces(self.out, migration, prepared, run, before)
        if run.error is None:
            record_timing(self.out, migration, prepared, run)
            if self.plan.queries:
                self.progress.step(f"{label}: queries")
                self.query_plans = check_queries(
                    self.out, self.db.live(), self.plan.queries, self.query_plans or [], migration, prepared, run
                )
        if run.error is not None:
            after = self.db.snapshot()
            self._migration_failed(migration, prepared, run, before, after)
            rest = len(new) - index - 1
            if rest:
                self.out.notes.append(f"verify stopped at {migration.display}: {rest} later migration(s) not verified")
            raise _Stop
        if prepared.facts is not None:
            created = set(SchemaView(prepared.facts.schema, None, None, frozenset(created)).new_relations())
        applied = self.db.snapshot()
        rollback = self.plan.rollbacks.get(rollback_key(migration)) if migration.version is not None else None
        if rollback is None:
            self.out.report(
                RollbackNotVerified,
                "no rollback: the migration applies, but its round trip (rollback, apply again) could not be checked",
                None,
                migration,
            )
            return applied, created
        self.progress.step(f"{label}: rollback")
        intact = self._round_trip(migration, prepared, rollback, before, applied)
        if not intact:
            self.progress.step(f"{label}: rebuilding the database")
            self._rebuild(index + 1)
        return applied, created

    def _round_trip(self, migration, prepared, rollback, before: Snapshot, applied: Snapshot) -> bool:
        """Rollback, compare, re-apply, compare; True when the database is left as after the apply."""
        rb_prepared, rb_run = self.db.run(rollback)
        if rb_run.error is not None:
            self.out.error_at(RollbackFails, f"rollback of {migration.display} fails", rb_prepared, rollback, rb_run)
            return self.db.snapshot() == applied
        rolled_back = self.db.snapshot()
        for difference in diff(before, rolled_back):
            self.out.report(
                RollbackIncomplete,
                f"after the rollback of {migration.display}: {describe(difference, 'rollback')}",
                None,
                rollback,
            )
        self.progress.step(f"{migration.display}: apply again")
        _, again = self.db.run(migration, prepared)
        if again.error is not None:
            self.out.error_at(
                ReapplyFails, "applying the migration again after its rollback fails", prepared, migration, again
            )
            return False
        reapplied = self.db.snapshot()
        differences = diff(applied, reapplied)
        if differences:
            self.out.report(
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
        replay = self.plan.new[self.db.restore() : applied]
        for migration in replay:
            _prepared, run = self.db.run(migration)
            if run.error is not None:
                self.out.notes.append(
                    f"verify stopped: could not rebuild the database after {migration.display} ({run.error.message})"
                )
                raise _Stop
        if len(replay) > self.REPLAY_BEFORE_CHECKPOINT:
            self.db.take_checkpoint(applied)

    def _migration_failed(self, migration, prepared, run: FileRun, before: Snapshot, after: Snapshot) -> None:
        state = failure_state(prepared, run, before, after)
        who = prepared.refused_by or "PostgreSQL"
        self.out.error_at(MigrationFails, f"{who} refuses the migration", prepared, migration, run, state)
