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
from ..core.load import LoadedFile
from ..core.migration import MigrationFile
from ..core.results import FileResult
from ..core.ruleset import RuleSet
from ..core.sizing import Sizing
from ..core.source import Source, UnreadableSource, decode_source, read_bytes
from ..discovery import Scope, absolute_key
from .deploy_batches import DeployBatches as DeployBatches
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
    one = _OneFile(scope, config, rules, rules_for, want_statements, schedule, sizing)
    stats = schedule.stats
    files = scope.files
    if scope.change_set:
        return _in_order(scope, config, one, schedule.contents or {})
    count = worker_count(schedule.workers, len(files))
    if count <= 1 or one.keep_source or not can_fork():
        stats.processes[os.getpid()] = stats.processes.get(os.getpid(), 0) + len(files)
        return [one(m, frozenset()) for m in files]
    return in_workers(files, count, lambda m: one(m, frozenset()), schedule.while_waiting, stats.processes)


def _in_order(scope: Scope, config: Config, one: _OneFile, contents: Mapping[str, bytes]) -> list[FileResult]:
    """A change set's files in this process, in order: each file's context depends on the files before it."""
    history = scope.history
    files = scope.files
    stats = one.stats
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


class _OneFile:
    """Analyses one file of the scope (through the result cache, when there is one) and records what it
    defined for the lookups of the files after it."""

    def __init__(
        self,
        scope: Scope,
        config: Config,
        rules: RuleSet,
        rules_for: Callable[[MigrationFile], RuleSet],
        want_statements: bool,
        schedule: Schedule,
        sizing: Sizing | None,
    ) -> None:
        history = scope.history
        base_content = (lambda m: history.base_content(m.path)) if history is not None else None
        self.columns = EarlierSchema(scope.project, config, base_content)
        self.cache = None
        if schedule.cache_dir is not None:
            from .cache import ResultCache

            # A result made without statement reports must not serve a run that shows them.
            sizing_key = sizing.key() if sizing is not None else "none"
            self.cache = ResultCache(
                schedule.cache_dir, config, f"{rules.key()}|statements={want_statements}|sizing={sizing_key}"
            )
        self.keep_source = scope.history is not None and getattr(scope.history, "active", False)
        self.stats = schedule.stats
        self.contents = schedule.contents or {}
        self.config = config
        self.rules_for = rules_for
        self.want_statements = want_statements
        self.sizing = sizing

    def __call__(
        self,
        migration: MigrationFile,
        earlier: frozenset[str],
        batch: BatchState | None = None,
        loaded: LoadedFile | None = None,
    ) -> FileResult:
        config, rules_for, want_statements, sizing = self.config, self.rules_for, self.want_statements, self.sizing
        columns, cache, contents = self.columns, self.cache, self.contents
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
            self.stats.cache_hits += 1
            if self.keep_source:
                cached.source = _source_or_none(data, migration.display)
            return cached
        self.stats.cache_misses += 1
        result = analyze_file(
            migration, config, rules_for(migration), earlier, want_statements, lookup, data, sizing=sizing
        )
        columns.record(migration, result.facts)
        result.facts = None
        cache.put(key, pack(result))
        self.stats.cache_stored += 1
        return result


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
