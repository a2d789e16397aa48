"""The scheduling layer around :func:`~migration_gate.core.analyze.analyze_file`.

Analysing many files: in order, from the result cache, or in worker processes.
A pull request's files run in version order in this process, because each
file's context depends on the files before it (tables created earlier in the
change set).  A scan of many independent files (no base, ``check PATH``) is
split across worker processes (:mod:`migration_gate.batch.workers`).

How is decided by a :class:`Schedule`: a cache folder, a number of workers,
and what this process may do while it waits for its workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.analyze import analyze_file
from ..core.config import Config
from ..core.deploy_batch import BatchState
from ..core.earlier_schema import EarlierSchema, Lookup
from ..core.load import LoadedFile, batch_runner, load_file, without_runner_transaction
from ..core.migration import MigrationFile
from ..core.results import FileResult
from ..core.ruleset import RuleSet
from ..core.sizing import Sizing
from ..core.source import Source, UnreadableSource, decode_source, read_bytes
from ..discovery import Scope, absolute_key
from .packing import Packed, pack, unpack
from .workers import can_fork, in_workers

PARALLEL_MIN_FILES = 200  # below this, starting workers costs more than it saves
MAX_WORKERS = 8


@dataclass(slots=True)
class ScheduleStats:
    """What the scheduler did: cache hits and misses, and which processes analysed how many files."""

    cache_hits: int = 0  # (counted in this process: workers fork after the cache is opened)
    cache_misses: int = 0
    cache_stored: int = 0
    processes: dict[int, int] = field(default_factory=dict)  # pid → files analysed there


@dataclass(frozen=True, slots=True)
class Schedule:
    """How to analyse a scope's files."""

    cache_dir: Path | None = None  # reuse per-file results stored here; None: no cache
    workers: int | None = None  # worker processes (None: automatic; 1: none)
    #: Work this process may do on its own results while its workers finish (a reporter rendering ahead).
    while_waiting: Callable[[FileResult], None] | None = None
    #: Files' contents that replace what is on disk, by ``absolute_key(path)`` (an editor's unsaved buffer).
    contents: Mapping[str, bytes] | None = None
    stats: ScheduleStats = field(default_factory=ScheduleStats)


def analyze_all(
    scope: Scope,
    config: Config,
    rules: RuleSet,
    rules_for: Callable[[MigrationFile], RuleSet],
    want_statements: bool,
    schedule: Schedule,
    sizing: Sizing | None = None,
) -> list[FileResult]:
    """Every file of the scope, analysed (or taken from the cache), in scope order.

    ``rules`` is the run's rule set (part of the cache key); ``rules_for`` the
    rules a given file gets; ``sizing`` the table statistics that size the lock
    findings (part of the cache key too).  The cyclic garbage collector is paused meanwhile
    and restored after: the analysis leaves no reference cycles behind a file,
    and the collector's passes over millions of fresh AST objects cost a fifth of
    a scan.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze_all(scope, config, rules, rules_for, want_statements, schedule, sizing)
    finally:
        if enabled:
            gc.enable()


def _analyze_all(
    scope: Scope,
    config: Config,
    rules: RuleSet,
    rules_for: Callable[[MigrationFile], RuleSet],
    want_statements: bool,
    schedule: Schedule,
    sizing: Sizing | None,
) -> list[FileResult]:
    history = scope.history
    base_content = (lambda m: history.base_content(m.path)) if history is not None else None
    columns = EarlierSchema(scope.project, config, base_content)
    cache = None
    if schedule.cache_dir is not None:
        from .cache import ResultCache

        # A result made without statement reports must not serve a run that shows them.
        sizing_key = sizing.key() if sizing is not None else "none"
        cache = ResultCache(
            schedule.cache_dir, config, f"{rules.key()}|statements={want_statements}|sizing={sizing_key}"
        )
    keep_source = scope.history is not None and getattr(scope.history, "active", False)
    stats = schedule.stats

    contents = schedule.contents or {}

    def one(
        migration: MigrationFile,
        earlier: frozenset[str],
        batch: BatchState | None = None,
        loaded: LoadedFile | None = None,
    ) -> FileResult:
        lookup = columns.lookup_for(migration)
        given = contents.get(absolute_key(migration.path)) if contents else None
        if cache is None or batch is not None or loaded is not None:  # a deploy batch's file depends on more
            rules = rules_for(migration)
            result = analyze_file(
                migration, config, rules, earlier, want_statements, lookup, given, loaded, sizing, batch
            )
            columns.record(migration, result.facts)
            result.facts = None  # the AST is not needed any more: keep memory (and the GC's work) small
            return result
        try:
            data = given if given is not None else read_bytes(migration.path, config.max_file_size)
        except UnreadableSource:
            return analyze_file(
                migration, config, rules_for(migration), earlier, want_statements, lookup, sizing=sizing
            )
        # Sibling files (Diesel's metadata.toml, Flyway's .sql.conf) change the result too.
        key = cache.key(data, migration.display, f"{migration.kind}|{migration.runner_opt_out}", earlier)
        cached = _from_cache(cache.get(key), migration, lookup)
        if cached is not None:
            stats.cache_hits += 1
            if keep_source:
                cached.source = _source_or_none(data, migration.display)
            return cached
        stats.cache_misses += 1
        result = analyze_file(
            migration, config, rules_for(migration), earlier, want_statements, lookup, data, sizing=sizing
        )
        columns.record(migration, result.facts)
        result.facts = None
        cache.put(key, pack(result))
        stats.cache_stored += 1
        return result

    files = scope.files
    if scope.change_set:
        # A table (or index) is new when this change adds the migration that created it: a merged
        # migration's tables exist in every database that applied it, whatever the change does to
        # its file, and --all widens what is reported, never what counts as new.
        added = history.added_paths() if history is not None else None
        pending = [m for m in files if m.kind == "versioned" and added is not None and m.path.resolve() in added]
        batches = DeployBatches(pending, config, contents)
        results: list[FileResult] = []
        new_before: frozenset[str] = frozenset()
        stats.processes[os.getpid()] = stats.processes.get(os.getpid(), 0) + len(files)
        for migration in files:
            batch = batches.state_for(migration)
            result = one(migration, new_before, batch, batches.loaded.pop(migration.path, None))
            if batch is not None:
                batches.carry(migration, result.batch_after)
            if migration.kind == "versioned" and added is not None and migration.path.resolve() in added:
                new_before = result.created_tables
            results.append(result)
        return results
    count = worker_count(schedule.workers, len(files))
    if count <= 1 or keep_source or not can_fork():
        stats.processes[os.getpid()] = stats.processes.get(os.getpid(), 0) + len(files)
        return [one(m, frozenset()) for m in files]
    return in_workers(files, count, lambda m: one(m, frozenset()), schedule.while_waiting, stats.processes)


class DeployBatches:
    """The pending (added) migrations of each folder whose runner deploys them in one transaction.

    Flyway with ``group = true`` runs the group in a transaction only when every pending migration
    can run in one: with ``mixed = false`` it refuses a group that has both kinds, with ``mixed = true``
    it runs the whole group without one (``DbMigrate.isExecuteGroupInTransaction``).  Deciding that
    needs the pre-pass of every pending file of the folder first, so those files are loaded before
    the run and analysed from what was loaded (each is still parsed once).
    """

    def __init__(self, pending: list[MigrationFile], config: Config, contents: Mapping[str, bytes]) -> None:
        self.states: dict[Path, BatchState] = {}
        self.loaded: dict[Path, LoadedFile] = {}
        self._pending = {m.path for m in pending}
        self._refusals: dict[Path, str] = {}
        runners: dict[Path, str | None] = {}
        for migration in pending:
            if migration.location not in runners:
                runners[migration.location] = batch_runner(migration, config)
        for location, runner in sorted(runners.items()):
            if runner is None:
                continue
            group = [m for m in pending if m.location == location]
            if runner.startswith("Flyway") and not self._flyway_group(location, group, config, contents):
                continue
            self.states[location] = BatchState(runner)

    def _flyway_group(
        self, location: Path, group: list[MigrationFile], config: Config, contents: Mapping[str, bytes]
    ) -> bool:
        """Whether Flyway runs this group in one transaction (a refusal is noted on the offending file)."""
        wraps: list[tuple[MigrationFile, bool]] = []
        for migration in group:
            loaded = load_file(migration, config, contents.get(absolute_key(migration.path)))
            self.loaded[migration.path] = loaded
            if loaded.facts is not None:
                wraps.append((migration, loaded.facts.runner_wraps))
        if not wraps or all(w for _, w in wraps):
            return bool(wraps)
        first = wraps[0][1]
        offending = next((m for m, w in wraps if w != first), None)
        if not config.settings_for(location).mixed:
            if offending is not None:
                self._refusals[offending.path] = (
                    "Flyway (group = true) refuses the deploy: \"Detected both transactional and "
                    "non-transactional migrations within the same migration group (even though mixed is false)\", "
                    f"first offending migration: {offending.display}"
                )
            return False
        reason = "Flyway runs the group without a transaction (group = true, mixed = true, and a pending migration "
        reason += "cannot run in one)"
        for migration, _ in wraps:
            without_runner_transaction(self.loaded[migration.path], config, reason)
        return False

    def state_for(self, migration: MigrationFile) -> BatchState | None:
        """What the batch carries into this file (``None``: the file is not a pending file of a batch)."""
        refusal = self._refusals.get(migration.path)
        if refusal is not None:
            return BatchState("Flyway (group = true)", refusal=refusal)
        if migration.path not in self._pending:
            return None
        return self.states.get(migration.location)

    def carry(self, migration: MigrationFile, after: BatchState | None) -> None:
        state = self.states.get(migration.location)
        if state is not None:  # a COMMIT in the file ended the batch's transaction: nothing carries on
            self.states[migration.location] = after or BatchState(state.runner)


def _from_cache(packed: Packed | None, migration: MigrationFile, lookup: Lookup) -> FileResult | None:
    """A cached result, if its lookups into earlier migrations still get the same answers.

    An entry of another shape (written by another version of the tool) is a miss.
    """
    if packed is None:
        return None
    try:
        if not all(lookup(kind, *args) == answer for kind, args, answer in packed[-1]):
            return None
        return unpack(packed, migration)
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def worker_count(requested: int | None, files: int) -> int:
    if requested is None:
        env = os.environ.get("MIGRATION_GATE_WORKERS")
        requested = int(env) if env and env.isdigit() else 0
    if requested > 0:
        return min(requested, MAX_WORKERS, max(files, 1))
    if files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _source_or_none(data: bytes, display: str) -> Source | None:
    try:
        return decode_source(data, display)
    except UnreadableSource:
        return None
