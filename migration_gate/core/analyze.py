"""One file through the core: load → pre-pass → dispatch → suppression → violations.

:func:`analyze_file` is a pure function of one file, the configuration, the
rules and the context the caller gives (tables created earlier in the change
set, lookups into earlier migrations), so a scheduler may run it anywhere
(:mod:`migration_gate.batch`).
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import Config
from .context import FileContext, SchemaLookup, StatementContext
from .deploy_batch import BatchState
from .dispatch import Found, dispatch
from .load import LoadedFile, load_file, names_of
from .locks import LockEffect, merge
from .migration import MigrationFile
from .results import FileReport, FileResult, LockReport, Lookup, StatementReport
from .rules.held_locks import state_after
from .ruleset import RuleSet
from .schema import SchemaView
from .sizing import Sizing, apply_sizing, hazards_by_statement, size_lock
from .suppression import place_ignores, resolve


class _TrackedLookup:
    """Records the lookups a file's analysis made in earlier migrations (the cache re-checks them)."""

    __slots__ = ("calls", "lookup")

    def __init__(self, lookup: SchemaLookup) -> None:
        self.lookup = lookup
        self.calls: list[Lookup] = []

    def __call__(self, kind: str, *args: str) -> object:
        answer = self.lookup(kind, *args)
        self.calls.append((kind, args, answer))
        return answer


def analyze_file(
    migration: MigrationFile,
    config: Config,
    rules: RuleSet,
    tables_created_earlier: frozenset[str] = frozenset(),
    want_statements: bool = True,
    schema_lookup: SchemaLookup | None = None,
    data: bytes | None = None,
    loaded: LoadedFile | None = None,
    sizing: Sizing | None = None,
    batch: BatchState | None = None,
) -> FileResult:
    """Analyse one file: every statement rule and file rule, sizing, then suppression.

    ``data`` is the file's content when the caller has already read it;
    ``loaded`` the file when the caller has already loaded it; ``sizing`` a table
    statistics snapshot to size the lock findings and lock reports with; ``batch``
    what the deploy batch's transaction carries in from the pending files before
    this one (the result's ``batch_after`` is what it carries on).
    """
    with names_of(migration, config):
        return _analyze_file(
            migration,
            config,
            rules,
            tables_created_earlier,
            want_statements,
            schema_lookup,
            data,
            loaded,
            sizing,
            batch,
        )


def _analyze_file(
    migration: MigrationFile,
    config: Config,
    rules: RuleSet,
    tables_created_earlier: frozenset[str],
    want_statements: bool,
    schema_lookup: SchemaLookup | None,
    data: bytes | None,
    loaded: LoadedFile | None,
    sizing: Sizing | None,
    batch: BatchState | None,
) -> FileResult:
    owned = loaded is None
    if loaded is None:
        loaded = load_file(migration, config, data)
    count = len(loaded.parse.statements) if loaded.parse else 0
    if loaded.down is not None:
        count += len(loaded.down.parse.statements)
    report = FileReport(migration, count, loaded.checksum)
    lookup = _TrackedLookup(schema_lookup) if schema_lookup is not None else None
    ctx = _file_context(migration, config, loaded, tables_created_earlier, lookup, batch)
    found = dispatch(ctx, rules)
    batch_after = state_after(ctx, batch) if batch is not None else None
    if sizing is not None:
        apply_sizing((finding for finding, _ in found), sizing, config)
    if loaded.source is None or loaded.facts is None:
        return FileResult(report, resolve(found, ctx, rules, None), [])
    directives = loaded.directives
    down_ctx, down_found = _down_section(loaded, config, rules, tables_created_earlier, lookup, sizing)
    statement_reports = []
    if want_statements:
        statement_reports = _statement_reports(ctx, found, down_ctx, down_found, sizing)
    violations = resolve(found, ctx, rules, directives)
    if down_ctx is not None:
        violations += resolve(down_found, down_ctx, rules, directives, problems=False)
    place_ignores(directives, loaded.source)
    facts = loaded.facts
    created = SchemaView(facts.schema, None, None, tables_created_earlier).new_relations()
    ctx.statement_contexts.clear()
    if owned:  # break the facts ↔ units cycle so that reference counting frees the AST at once
        _release(loaded)
    return FileResult(
        report,
        violations,
        statement_reports,
        created,
        directives.ignores if rules.enabled("unused-ignore") else [],
        loaded.source,
        lookups=tuple(lookup.calls) if lookup is not None else (),
        facts=facts,
        batch_after=batch_after,
    )


def _file_context(
    migration: MigrationFile,
    config: Config,
    loaded: LoadedFile,
    tables_created_earlier: frozenset[str],
    lookup: SchemaLookup | None,
    batch: BatchState | None,
) -> FileContext:
    return FileContext(
        migration=migration,
        config=config,
        source=loaded.source,
        parse=loaded.parse,
        unreadable=loaded.unreadable,
        facts=loaded.facts,
        tables_created_earlier=tables_created_earlier,
        schema_lookup=lookup,
        shape=loaded.shape,
        down_statements=len(loaded.down.parse.statements) if loaded.down is not None else 0,
        batch=batch,
    )


def _statement_reports(
    ctx: FileContext,
    found: list[Found],
    down_ctx: FileContext | None,
    down_found: list[Found],
    sizing: Sizing | None,
) -> list[StatementReport]:
    """The statement reports of the file and its down section, with the hazards sizing found."""
    contexts = ctx.statement_contexts + (down_ctx.statement_contexts if down_ctx is not None else [])
    hazards = {}
    if sizing is not None:
        hazards = {**hazards_by_statement(found), **(hazards_by_statement(down_found) if down_ctx else {})}
    return statement_reports_of(contexts, sizing, hazards)


def _down_section(
    loaded: LoadedFile,
    config: Config,
    rules: RuleSet,
    tables_created_earlier: frozenset[str],
    lookup: SchemaLookup | None,
    sizing: Sizing | None,
) -> tuple[FileContext | None, list[Found]]:
    """The file's down section, when it has one: its rollback, checked as a rollback file is."""
    if loaded.down is None:
        return None, []
    down_ctx = FileContext(
        migration=loaded.down.migration,
        config=config,
        source=loaded.source,
        parse=loaded.down.parse,
        facts=loaded.down.facts,
        tables_created_earlier=tables_created_earlier,
        schema_lookup=lookup,
        shape=loaded.shape,
    )
    down_found = dispatch(down_ctx, rules)
    if sizing is not None:
        apply_sizing((finding for finding, _ in down_found), sizing, config)
    return down_ctx, down_found


def _release(loaded: LoadedFile) -> None:
    """Clear the statement facts a file owns (the batch runs with the cyclic GC paused)."""
    if loaded.facts is not None:
        loaded.facts.units.clear()
    if loaded.down is not None:
        loaded.down.facts.units.clear()


def statement_reports_of(
    contexts: list[StatementContext],
    sizing: Sizing | None = None,
    hazards: Mapping[tuple[int, str], str] | None = None,
) -> list[StatementReport]:
    """One report per top-level statement; a DO block carries the locks of what it runs.

    With ``sizing``, each lock on a table the snapshot knows carries the table's rows and
    bytes and the duration of the work done under it (``hazards``: what the rules said the
    work is, by statement and table; otherwise it is read from the lock model's flags).
    """
    reports: list[StatementReport] = []
    effects: list[list[LockEffect]] = []
    kinds: list[tuple[int, str]] = []
    for sctx in contexts:
        stmt = sctx.statement
        if stmt.parent is not None:
            if effects:
                effects[-1].extend(sctx.locks)
            continue
        line, _ = stmt.source.position(stmt.start)
        end_line, _ = stmt.source.position(max(stmt.start, stmt.end - 1))
        reports.append(StatementReport(stmt.source.path, line, end_line, []))
        effects.append(list(sctx.locks))
        kinds.append((stmt.index, stmt.kind))
    for report, found, (index, kind) in zip(reports, effects, kinds):
        if sizing is None:
            report.locks = [LockReport(e.table, e.mode, e.rewrite, e.scan) for e in merge(found)]
            continue
        locks = []
        for e in merge(found):
            hazard = hazards.get((index, e.table)) if hazards else None
            locks.append(LockReport(e.table, e.mode, e.rewrite, e.scan, *size_lock(e, kind, sizing, hazard)))
        report.locks = locks
    return reports
