"""One file through the core: load → pre-pass → dispatch → suppression → violations.

:func:`analyze_file` is a pure function of one file, the configuration, the
rules and the context the caller gives (tables created earlier in the change
set, lookups into earlier migrations), so a scheduler may run it anywhere
(:mod:`migration_gate.batch`).
"""

from __future__ import annotations

from .config import Config
from .context import FileContext, SchemaLookup, StatementContext
from .dispatch import dispatch
from .load import LoadedFile, load_file
from .locks import LockEffect, merge
from .migration import MigrationFile
from .results import FileReport, FileResult, LockReport, Lookup, StatementReport
from .ruleset import RuleSet
from .schema import SchemaView
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
) -> FileResult:
    """Analyse one file: every statement rule and file rule, then suppression.

    ``data`` is the file's content when the caller has already read it;
    ``loaded`` the file when the caller has already loaded it.
    """
    owned = loaded is None
    if loaded is None:
        loaded = load_file(migration, config, data)
    report = FileReport(migration, len(loaded.parse.statements) if loaded.parse else 0, loaded.checksum)
    lookup = _TrackedLookup(schema_lookup) if schema_lookup is not None else None
    ctx = FileContext(
        migration=migration,
        config=config,
        source=loaded.source,
        parse=loaded.parse,
        unreadable=loaded.unreadable,
        facts=loaded.facts,
        tables_created_earlier=tables_created_earlier,
        schema_lookup=lookup,
    )
    found = dispatch(ctx, rules)
    if loaded.source is None or loaded.facts is None:
        return FileResult(report, resolve(found, ctx, rules, None), [])
    directives = loaded.directives
    statement_reports = statement_reports_of(ctx.statement_contexts) if want_statements else []
    violations = resolve(found, ctx, rules, directives)
    place_ignores(directives, loaded.source)
    facts = loaded.facts
    created = SchemaView(facts.schema, None, None, tables_created_earlier).new_relations()
    ctx.statement_contexts.clear()
    if owned:  # break the facts ↔ units cycle so that reference counting frees the AST at once
        facts.units.clear()  # (the batch runs with the cyclic GC paused)
    return FileResult(
        report,
        violations,
        statement_reports,
        created,
        directives.ignores if rules.enabled("unused-ignore") else [],
        loaded.source,
        lookups=tuple(lookup.calls) if lookup is not None else (),
        facts=facts,
    )


def statement_reports_of(contexts: list[StatementContext]) -> list[StatementReport]:
    """One report per top-level statement; a DO block carries the locks of what it runs."""
    reports: list[StatementReport] = []
    effects: list[list[LockEffect]] = []
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
    for report, found in zip(reports, effects):
        report.locks = [LockReport(e.table, e.mode, e.rewrite, e.scan) for e in merge(found)]
    return reports
