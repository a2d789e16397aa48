"""Glue between the change set (git, database) and the change-set rules.

:func:`build_context` turns a :class:`~migration_gate.changes.History` (raw git
changes, the base's tree, the blobs of changed merged files, the database's
rows) and the engine's analysed files into a
:class:`~migration_gate.context.ChangeSetContext`: every touched migration
classified as it is now and as it is on the base, with Flyway checksums and
the first changed line.  Checksums of analysed files come from the text the
engine already read; only files outside the analysed scope are read here.

Also here: the ``baseline`` predicate (legacy migrations skip content rules).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..core.checksum import checksum_of_bytes
from ..core.config import Config
from ..core.context import ChangedMigration, ChangeSetContext, RunnerFacts
from ..core.findings import Violation
from ..core.integrity import first_difference
from ..core.migration import MigrationFile
from ..core.results import FileResult
from ..core.ruleset import RuleSet
from ..discovery import Scope
from .git import History, Resolver
from .merged_files import MergedFiles
from .merged_files import location_displays as location_displays

if TYPE_CHECKING:
    from .prefetch import HistoryPrefetch


def legacy_predicate(config: Config):
    """``baseline: V``: versioned and rollback files at or below V are legacy."""
    from ..core.version import flyway_version, updown_version

    baseline = (flyway_version if config.layout == "flyway" else updown_version)(str(config.baseline))

    def is_legacy(migration: MigrationFile) -> bool:
        return (
            migration.kind in ("versioned", "rollback")
            and migration.version is not None
            and migration.version <= baseline
        )

    return is_legacy


def _decode(data: bytes | None) -> tuple[str | None, bool]:
    if data is None:
        return None, False
    try:
        return data.decode("utf-8-sig"), data.startswith(b"\xef\xbb\xbf")
    except UnicodeDecodeError:
        return None, False


def build_context(scope: Scope, results: list[FileResult], config: Config) -> ChangeSetContext:
    from .integrity import location_layouts, runner_facts

    history = cast("History", scope.history)
    project = scope.project
    displays = location_displays(project)
    resolve = history.resolver
    root = history.root
    # The project's files that may be a changed file (the same name, or a link): resolved, by path.
    names = {Path(raw.path).name for raw in history.changes} | {
        resolve(root / raw.path).name for raw in history.changes if root is not None
    }
    linked = history.linked(project)
    # `linked and`: hashing a Path costs a microsecond the first time, and there are usually no links
    by_path = {f.path.resolve(): f for f in project.files if f.path.name in names or (linked and f.path in linked)}
    analysed = {r.report.migration.path.resolve(): r for r in results}
    layouts = location_layouts(project, config)
    runners = runner_facts(project, history, config, displays)

    merged_at = _merged_migrations(history, project, config, displays, resolve, layouts)
    checksums: dict[Path, int | None] = {r.report.migration.path: r.report.checksum for r in results}
    changes = _changed_migrations(history, by_path, merged_at, analysed, runners, checksums)
    ctx = ChangeSetContext(
        project=project,
        config=config,
        base=history.base,
        changes=changes,
        merged=list(merged_at.values()),
        applied=history.applied,
        current_checksums=checksums,
        location_displays=displays,
        runners=runners,
    )
    if history.applied is not None:
        from .database import compare

        for migration in project.files:
            if migration.is_migration and migration.path not in checksums:
                data = _current_content(migration, analysed)[2]
                checksums[migration.path] = checksum_of_bytes(data) if data is not None else None
        ctx.database = compare(ctx)
    return ctx


def _merged_migrations(
    history: History, project, config: Config, displays: dict, resolve: Resolver, layouts: dict
) -> dict[str, MigrationFile]:
    """The base's migrations by their path in the repository, in path order."""
    merged_at: dict[str, MigrationFile] = {}
    if history.root is not None:
        locations = [(location, str(location.resolve())) for location in project.locations]
        known: dict[Path, dict[str, MigrationFile]] = {}
        bucket: dict[str, MigrationFile] = {}
        last = None
        for f in project.files:
            if f.location is not last:  # files come folder by folder: a path is hashed once per run of them
                last, bucket = f.location, known.setdefault(f.location, {})
            if not f.section:
                bucket[f.relpath] = f
        merged = MergedFiles(history.root, locations, config, displays, resolve, layouts, known)
        for relpath in sorted(history.merged):
            migration = merged.classify(relpath)
            if migration is not None:
                merged_at[relpath] = migration
    return merged_at


def _changed_migrations(
    history: History,
    by_path: dict[Path, MigrationFile],
    merged_at: dict[str, MigrationFile],
    analysed: dict,
    runners: dict,
    checksums: dict[Path, int | None],
) -> list[ChangedMigration]:
    """Every touched migration compared with the base, by display path; records the changed checksums."""
    root = history.root
    changes: list[ChangedMigration] = []
    for raw in history.changes:
        old_rel = raw.old_path or raw.path
        base_file = merged_at.get(old_rel)
        current = None
        if raw.status != "deleted" and root is not None:
            current = by_path.get((root / raw.path).resolve())
        if current is None and base_file is None:
            continue  # not a file of the migration folders, then or now
        if current is None and raw.status != "deleted":
            continue  # a file the folders' view leaves out (e.g. in a hidden folder)
        owner = base_file if base_file is not None else current
        facts = runners.get(owner.location) if owner is not None else None
        change = _compare(raw, current, base_file, history, analysed, facts)
        changes.append(change)
        if current is not None:
            checksums[current.path] = change.checksum
    changes.sort(key=lambda c: c.display)
    return changes


def _compare(
    raw,
    current: MigrationFile | None,
    base_file: MigrationFile | None,
    history: History,
    analysed: dict,
    facts: RunnerFacts | None = None,
) -> ChangedMigration:
    from .integrity import compare_runner

    status = raw.status
    known = current or base_file
    assert known is not None  # a change of a file that is in neither tree is not a migration's
    display = known.display
    old_display = base_file.display if status == "renamed" and base_file is not None else None
    if status == "renamed" and base_file is None and raw.old_path:
        old_display = raw.old_path
    base_bytes = history.merged_bytes.get(history.merged.get(raw.old_path or raw.path, ""), None)
    merged_checksum = checksum_of_bytes(base_bytes) if base_bytes is not None else None
    if current is None:
        runner = compare_runner(None, base_file, None, base_bytes, facts)
        return ChangedMigration(
            status,
            display,
            None,
            base_file,
            old_display,
            None,
            merged_checksum,
            content_changed=True,
            merged_runner_checksum=runner.merged_runner_checksum,
            changesets=runner.changesets,
        )
    text, _had_bom, data = _current_content(current, analysed)
    checksum = checksum_of_bytes(data) if data is not None else None
    content_changed = base_file is not None and data != base_bytes
    old_text, _ = _decode(base_bytes)
    offset = first_difference(old_text, text) if content_changed and text is not None else None
    runner = compare_runner(current, base_file, data, base_bytes, facts)
    return ChangedMigration(
        status,
        display,
        current,
        base_file,
        old_display,
        checksum,
        merged_checksum,
        content_changed=content_changed,
        first_difference=offset,
        runner_checksum=runner.runner_checksum,
        merged_runner_checksum=runner.merged_runner_checksum,
        runner_accepts=runner.runner_accepts,
        statements_unchanged=runner.statements_unchanged,
        up_unchanged=runner.up_unchanged,
        changesets=runner.changesets,
    )


def _current_content(migration: MigrationFile, analysed: dict) -> tuple[str | None, bool, bytes | None]:
    """(text, had BOM, bytes) of a file now: from the engine's read when it analysed the file."""
    result = analysed.get(migration.path.resolve())
    source = result.source if result is not None else None
    if source is not None:
        data = (b"\xef\xbb\xbf" if source.had_bom else b"") + source.text.encode("utf-8")
        return source.text, source.had_bom, data
    try:
        data = migration.path.read_bytes()
    except OSError:
        return None, False, None
    text, had_bom = _decode(data)
    return text, had_bom, data


def change_set_violations(
    scope: Scope, results: list[FileResult], rules: RuleSet, config: Config
) -> tuple[list[Violation], list[str]]:
    """Run the change-set rules; findings are placed in the current file (line of the first change)."""
    from ..core.violations import make_violation

    ctx = build_context(scope, results, config)
    sources = {r.report.migration.display: r.source for r in results if r.source is not None}
    violations: list[Violation] = []
    for rule in rules.change_set_rules:
        for finding in rule.check_change_set(ctx):
            path = finding.path or ""
            source = sources.get(path) if finding.offset is not None else None
            if source is None and finding.offset is not None and path:
                source = sources[path] = _other_source(path)  # atlas.sum, sqitch.plan, a journal, a script
            start = finding.offset or 0
            end = finding.end_offset if finding.end_offset is not None else start
            violation = make_violation(finding, path, source, start, end, rules, config)
            if violation is not None:
                violations.append(violation)
    notes: list[str] = []
    if ctx.applied is not None:
        from .database import database_notes

        notes.extend(database_notes(ctx))
    return violations, notes


def _other_source(display: str):
    """A file a change-set finding points into that the engine did not analyse (None when unreadable)."""
    from ..core.source import Source
    from .integrity import read_text

    try:
        return Source(path=display, text=read_text(Path(display)))
    except OSError:
        return None


def attach_history(
    scope: Scope,
    *,
    base: str | None,
    auto: bool,
    include_all: bool = False,
    database_url: str | None = None,
    start: Path | None = None,
    notes: list[str] | None = None,
    env=None,
    required: bool = False,
    prefetched: HistoryPrefetch | None = None,
) -> Scope:
    """Give a scope its history: the base (``--base``, or detected when ``auto``) and the database.

    With a base, statement rules report on the change set (every file with
    ``include_all``).  Why history checks were skipped goes to ``notes``.
    ``required`` (e.g. ``--github``): no base found is exit 2, not a note.  ``prefetched``: the same
    git questions started before discovery (:class:`~.prefetch.HistoryPrefetch`).
    """
    from .git import History, load_history, restrict_scope

    notes = notes if notes is not None else []
    history = None
    if base is not None or auto or required:
        history = load_history(scope, ref=base, start=start, env=env, required=required, prefetched=prefetched)
        if history.note:
            notes.append(f"note: {history.note}")
    if database_url:
        from .database import read_applied

        if scope.project.config.layout != "flyway":
            from ..errors import UsageError

            raise UsageError("--database-url reads Flyway's flyway_schema_history: it needs migrations.layout: flyway")

        applied, note = read_applied(database_url)
        history = history if history is not None else History()
        history.applied = applied
        if note:
            notes.append(f"note: {note}")
    if history is None or not history.active:
        return scope
    return restrict_scope(scope, history, include_all=include_all)
