"""The check pipeline: files → source → parse → pre-pass → rules → violations.

:func:`run_check` is the whole of ``migration-gate check`` minus the CLI and
the reporters.  :func:`analyze_file` is a pure function of one file and the
configuration, so large scans can run it in worker processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable

from .analysis import analyze
from .config import Config
from .context import FileContext, ProjectContext, StatementContext
from .discovery import (MigrationFile, Project, build_project, classify, configured_locations, location_of,
                        runner_transaction_opt_out)
from .findings import Finding, Violation
from .locks import merge
from .parse import parse_source
from .placeholders import substitute
from .rules import registry
from .rules.base import ChangeSetRule, FileRule, ProjectRule, Rule, StatementRule
from .severity import Severity
from .source import Source, UnreadableSource, decode_source, read_bytes
from .sqlnodes import location_of as node_location
from .suppression import Directives, read_directives


class UsageError(Exception):
    """A problem with what was asked (exit code 2), said in one line."""


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class LockReport:
    table: str
    mode: str
    rewrite: bool
    scan: bool


@dataclass(slots=True)
class StatementReport:
    path: str
    line: int
    end_line: int
    locks: list[LockReport]
    rendered: str = ""  # its JSON report entry, made ahead (see json_report.prepare)


@dataclass(slots=True)
class FileReport:
    migration: MigrationFile
    statements: int = 0
    checksum: int | None = None


@dataclass(slots=True)
class FileResult:
    """What analysing one file gives."""

    report: FileReport
    violations: list[Violation]
    statements: list[StatementReport]
    created_tables: frozenset[str] = frozenset()
    ignores: list = field(default_factory=list)  # unused ignores are reported after project rules
    source: "Source | None" = None  # the text as read, for change-set rules
    lookups: tuple = ()  # (kind, args, answer) the analysis looked up in earlier migrations
    facts: object = field(default=None, repr=False)  # the pre-pass (for later files' lookups)


@dataclass(slots=True)
class RunResult:
    files: list[FileReport]
    violations: list[Violation]
    statements: list[StatementReport]
    fail_on: str
    notes: list[str] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for v in self.violations if v.severity == severity)

    @property
    def failed(self) -> bool:
        if self.fail_on == "never":
            return False
        threshold = Severity.parse(self.fail_on)
        return any(v.severity >= threshold for v in self.violations)

    @property
    def statement_count(self) -> int:
        return sum(f.statements for f in self.files)


# --------------------------------------------------------------------------- rule set


@dataclass(slots=True)
class RuleSet:
    """The enabled rules, instantiated with their options, and their levels."""

    levels: dict[str, Severity]
    by_node: dict[str, list[StatementRule]]
    file_rules: list[FileRule]
    project_rules: list[ProjectRule]
    change_set_rules: list[ChangeSetRule] = field(default_factory=list)

    def level(self, rule: type[Rule]) -> Severity:
        return self.levels.get(rule.name, Severity.OFF)

    def enabled(self, name: str) -> bool:
        return self.levels.get(name, Severity.OFF) > Severity.OFF


def build_ruleset(config: Config, only: Iterable[str] | None = None) -> RuleSet:
    only_names = {registry.lookup(n).name for n in only} if only is not None else None
    levels: dict[str, Severity] = {}
    by_node: dict[str, list[StatementRule]] = {}
    file_rules: list[FileRule] = []
    project_rules: list[ProjectRule] = []
    change_set_rules: list[ChangeSetRule] = []
    for rule_class in registry.ALL_RULES:
        setting = config.rules.get(rule_class.name)
        level = setting.level if setting and setting.level is not None else rule_class.default_level(config.preset)
        if only_names is not None:
            if rule_class.name not in only_names:
                continue
            if level == Severity.OFF:
                level = rule_class.strict_level or rule_class.level or Severity.ERROR
                if level == Severity.OFF:
                    level = Severity.WARNING
        if level == Severity.OFF:
            continue
        levels[rule_class.name] = level
        if rule_class.produced_by and not issubclass(rule_class, ChangeSetRule):
            continue
        rule = rule_class(rule_class.make_options(setting.options if setting else None))
        if isinstance(rule, StatementRule):
            for node_type in rule.node_types:
                if node_type == "AlterTableCmd" and rule.subtypes:
                    for subtype in rule.subtypes:  # dispatched by subcommand: see analyze_file
                        by_node.setdefault(f"AlterTableCmd:{subtype}", []).append(rule)
                else:
                    by_node.setdefault(node_type, []).append(rule)
        elif isinstance(rule, FileRule):
            file_rules.append(rule)
        elif isinstance(rule, ProjectRule):
            project_rules.append(rule)
        if isinstance(rule, ChangeSetRule):
            change_set_rules.append(rule)
    return RuleSet(levels, by_node, file_rules, project_rules, change_set_rules)


# --------------------------------------------------------------------------- one file


class _TrackedLookup:
    """Records the lookups a file's analysis made in earlier migrations (the cache re-checks them)."""

    __slots__ = ("lookup", "calls")

    def __init__(self, lookup):
        self.lookup, self.calls = lookup, []

    def __call__(self, kind: str, *args: str):
        answer = self.lookup(kind, *args)
        self.calls.append((kind, args, answer))
        return answer


def analyze_file(migration: MigrationFile, config: Config, rules: RuleSet,
                 tables_created_earlier: frozenset[str] = frozenset(),
                 want_statements: bool = True, schema_lookup=None, data: bytes | None = None) -> FileResult:
    """Analyse one file: every statement rule and file rule, then suppression.

    ``data`` is the file's content when the caller has already read it.
    """
    report = FileReport(migration)
    lookup = _TrackedLookup(schema_lookup) if schema_lookup is not None else None
    ctx = FileContext(migration=migration, config=config,
                      tables_created_earlier=tables_created_earlier, schema_lookup=lookup)
    try:
        if data is None:
            data = read_bytes(migration.path, config.max_file_size)
        source = decode_source(data, migration.display)
    except UnreadableSource as exc:
        ctx.unreadable = exc.reason
        report.checksum = exc.checksum
        findings = list(_file_findings(rules, ctx))
        return FileResult(report, _resolve(findings, ctx, rules, None), [])
    ctx.source = source
    report.checksum = source.checksum
    if config.substitutes_placeholders:
        source.substitution = substitute(source.text, config.placeholders, migration.name)
    ctx.parse = parse_source(source)
    statements = ctx.parse.statements
    report.statements = len(statements)
    directives = read_directives(source, [(s.start, s.end) for s in statements])
    opt_out = directives.no_transaction or runner_transaction_opt_out(migration)
    ctx.facts = analyze(statements, mode=config.transaction_mode, pg_version=config.pg_version,
                        runner_transaction=False if opt_out else None)

    findings: list[tuple[Finding, object]] = []
    contexts: list[StatementContext] = ctx.statement_contexts
    by_node = rules.by_node
    for facts in ctx.facts.units:
        stmt = facts.statement
        sctx = StatementContext(stmt, ctx, facts)
        contexts.append(sctx)
        for rule in by_node.get(stmt.kind, ()):
            if stmt.parent is None or rule.in_do_blocks:
                findings.extend((f, sctx) for f in rule.check(stmt.node, sctx))
        if stmt.kind == "AlterTableStmt":
            every_cmd = by_node.get("AlterTableCmd", ())
            for cmd in stmt.node.get("cmds", ()):
                inner = cmd.get("AlterTableCmd")
                if inner is None:
                    continue
                for rule in (*every_cmd, *by_node.get(f"AlterTableCmd:{inner.get('subtype')}", ())):
                    if stmt.parent is None or rule.in_do_blocks:
                        findings.extend((f, sctx) for f in rule.check(inner, sctx))
    statement_reports = _statement_reports(contexts) if want_statements else []
    findings.extend((f, None) for f in _file_findings(rules, ctx))
    violations = _resolve(findings, ctx, rules, directives)
    for ignore in directives.ignores:
        ignore.position = (*source.position(ignore.offset), *source.position(ignore.end))
    created = frozenset(ctx.facts.created)
    # Break the file's reference cycles (contexts ↔ file context, facts ↔ units) so that
    # reference counting frees the AST at once; the batch runs with the cyclic GC paused.
    ctx.statement_contexts.clear()
    ctx.facts.units.clear()
    return FileResult(report, violations, statement_reports, created, directives.ignores
                      if rules.enabled("unused-ignore") else [], source,
                      lookups=tuple(lookup.calls) if lookup is not None else (),
                      facts=ctx.facts)


def _statement_reports(contexts: list[StatementContext]) -> list[StatementReport]:
    """One report per top-level statement; a DO block carries the locks of what it runs."""
    reports: list[StatementReport] = []
    effects: list[list] = []
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
        report.locks = [LockReport(l.table, l.mode, l.rewrite, l.scan) for l in merge(found)]
    return reports


def _file_findings(rules: RuleSet, ctx: FileContext) -> Iterable[Finding]:
    for rule in rules.file_rules:
        yield from rule.check_file(ctx)


def _resolve(findings: list, ctx: FileContext, rules: RuleSet,
             directives: Directives | None) -> list[Violation]:
    """Positions, suppression and levels for one file's findings."""
    source = ctx.source
    violations: list[Violation] = []
    for item in findings:
        finding, sctx = item if isinstance(item, tuple) else (item, None)
        stmt = sctx.statement if sctx is not None else None
        if stmt is not None:
            start = stmt.locate(node_location(finding.at)) if finding.at is not None else stmt.start
            if finding.offset is not None:
                start = finding.offset
            end = finding.end_offset if finding.end_offset is not None else max(stmt.end, start)
            top = stmt.parent.index if stmt.parent is not None else stmt.index
        else:
            start = finding.offset or 0
            end = finding.end_offset if finding.end_offset is not None else start
            top = None
        if directives is not None and _suppressed(directives, finding.rule.name, top,
                                                  start if finding.offset is not None else None):
            continue
        violation = make_violation(finding, ctx.migration.display, source, start, end, rules, ctx.config,
                                   stmt)
        if violation is not None:
            violations.append(violation)
    if directives is not None and directives.problems and rules.enabled("unused-ignore"):
        from .rules.unused_ignore import UnusedIgnore

        for offset, end, message in directives.problems:
            v = make_violation(Finding(UnusedIgnore, message, None, offset=offset, end_offset=end),
                               ctx.migration.display, source, offset, end, rules, ctx.config)
            if v is not None:
                violations.append(v)
    return violations


def _suppressed(directives: Directives, rule_name: str, statement: int | None, offset: int | None) -> bool:
    hit = False
    for ignore in directives.ignores:
        if rule_name not in ignore.rules:
            continue
        if statement is not None:
            applies = ignore.statement == statement
        else:  # not tied to a parsed statement (syntax errors, placeholders): by position
            applies = offset is not None and ignore.region[0] <= offset <= ignore.region[1]
        if ignore.whole_file or applies:
            ignore.used = True
            hit = True
    return hit


def make_violation(finding: Finding, path: str, source, start: int, end: int,
                   rules: RuleSet, config: Config, statement=None) -> Violation | None:
    rule = finding.rule
    configured = rules.levels.get(rule.name, Severity.OFF)
    if configured == Severity.OFF:
        return None  # a finding's own level (info) never turns a disabled rule on
    level = finding.severity if finding.severity is not None else configured
    if level == Severity.OFF:
        return None
    if source is not None:
        lines = source.lines
        line, column = lines.position(start)
        end_line, end_column = lines.position(end) if end != start else (line, column)
        source_line = lines.line_text(line)
        excerpt = _excerpt(statement) if statement is not None else ""
    else:
        line = column = end_line = end_column = 1
        source_line = excerpt = ""
    return Violation(
        rule=rule.name, code=rule.code, severity=level, path=finding.path or path,
        line=line, column=column, end_line=end_line, end_column=end_column,
        message=finding.message, help=finding.help if finding.help is not None else getattr(rule, "help", ""),
        doc=_doc_url(config.docs_url, rule.name, rule.code),
        source_line=source_line, excerpt=excerpt,
    )


@lru_cache(maxsize=None)
def _doc_url(template: str, name: str, code: str) -> str:
    return template.format(name=name, code=code)


EXCERPT_MAX_LINES = 30


def _excerpt(statement) -> str:
    """The statement's text (its DO block for inner statements), capped in lines."""
    top = statement.parent or statement
    # Slice a bounded prefix: a statement can be a 3,000-line function.
    lines = top.source.text[top.start : min(top.end, top.start + 120 * EXCERPT_MAX_LINES)].splitlines()
    total = top.source.text.count("\n", top.start, top.end) + 1
    if total > EXCERPT_MAX_LINES:
        lines = [*lines[:EXCERPT_MAX_LINES], f"… ({total - EXCERPT_MAX_LINES} more lines)"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the run


@dataclass(slots=True)
class Scope:
    """What to check: the project (for context) and the files to report on."""

    project: Project
    files: list[MigrationFile]  # analysed and reported on, in order
    change_set: bool = False  # True when ``files`` is a change set against a base
    history: object = None  # changes.History: a base and/or the database's history (change-set rules)


def scope_from_paths(paths: list[str], config: Config) -> Scope:
    """``check PATH …``: exactly these files (folders recursively, every ``.sql``)."""
    from .discovery import absolute_key

    wanted: list[tuple[str, Path | None]] = []  # (as given, the file; None for a folder)
    locations: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            wanted.append((raw, None))
            locations.append((path, raw))
        elif path.exists():
            wanted.append((raw, path))
            location = location_of(path, config)
            locations.append((location, _location_display(raw, path, location)))
        else:
            raise UsageError(f"{raw}: no such file or folder")
    project = build_project(locations, config)
    known: dict[str, MigrationFile] | None = None
    files: list[MigrationFile] = []
    seen: set[str] = set()

    def take(key: str, migration: MigrationFile, display: str) -> None:
        if key in seen:
            return
        seen.add(key)
        files.append(migration if migration.display == display else _with_display(migration, display))

    for raw, path in wanted:
        if path is None:  # a folder: the files discovery found in it (listed once)
            root = absolute_key(raw)
            prefix = "" if raw in (".", "") else raw.rstrip("/") + "/"
            for migration in project.by_location.get(root, ()):
                take(f"{root}/{migration.relpath}", migration, prefix + migration.relpath)
            continue
        if known is None:
            known = {absolute_key(f.path): f for f in project.files}
        key = absolute_key(path)
        migration = known.get(key)
        if migration is None:
            migration = classify(path, raw, location_of(path, config), config)
            project.files.append(migration)
        take(key, migration, raw)
    return Scope(project, _in_run_order(files))


def scope_from_config(config: Config) -> Scope:
    locations = configured_locations(config)
    missing = [display for path, display in locations if not path.is_dir()]
    if missing and len(missing) == len(locations):
        raise UsageError(
            f"{missing[0]}: migrations folder not found (set migrations.path in .migration-gate.yml "
            "or pass a PATH)")
    project = build_project(locations, config)
    return Scope(project, _in_run_order(list(project.files)))


def _in_run_order(files: list[MigrationFile]) -> list[MigrationFile]:
    """Versioned by version, then repeatables, rollbacks and others by path."""
    order = {"versioned": 0, "repeatable": 1, "rollback": 2, "other": 3}
    return sorted(files, key=lambda f: (order[f.kind], f.version.key if f.kind == "versioned" and f.version else (),
                                        f.display))


def _location_display(raw: str, path: Path, location: Path) -> str:
    """The location's display form, derived from how the file was named."""
    rel_parts = len(path.relative_to(location).parts) if path.is_relative_to(location) else 1
    display = raw
    for _ in range(rel_parts):
        display = os.path.dirname(display)
    return display or "."


def _with_display(migration: MigrationFile, display: str) -> MigrationFile:
    from dataclasses import replace

    return replace(migration, display=display)


def run_check(scope: Scope, config: Config, *, only: Iterable[str] | None = None,
              want_statements: bool = True, extra_project_rules: Iterable = (),
              cache_dir: Path | None = None, workers: int | None = None,
              idle_work: Callable[[FileResult], None] | None = None) -> RunResult:
    """The whole check. ``cache_dir``: reuse per-file results; ``workers``: processes (None: automatic);
    ``idle_work``: see :func:`batch.analyze_all`."""
    from .batch import analyze_all

    rules = build_ruleset(config, only)
    legacy = _legacy_predicate(config)
    results = analyze_all(scope, config, rules, legacy, want_statements, cache_dir, workers, idle_work)

    violations = [v for r in results for v in r.violations]
    in_scope = frozenset(f.path for f in scope.files if legacy is None or not legacy(f))
    pctx = ProjectContext(scope.project, config, in_scope)
    by_path = {f.path: f.display for f in scope.files}
    for rule in [*rules.project_rules, *extra_project_rules]:
        for finding in rule.check_project(pctx):
            display = finding.path or ""
            v = make_violation(finding, by_path.get(Path(display), display), None, 0, 0, rules, config)
            if v is not None:
                violations.append(v)
    notes: list[str] = []
    if scope.history is not None and scope.history.active and rules.change_set_rules:
        from .history import change_set_violations

        found, notes = change_set_violations(scope, results, rules, config)
        violations.extend(found)
    if config.style == "sqlfluff":
        from .style import style_violations

        violations.extend(style_violations(scope.files, config))
    violations = _apply_file_ignores(violations, results)
    violations.extend(_unused_ignores(results, rules, config))
    violations.sort(key=Violation.sort_key)
    statements = [s for r in results for s in r.statements]
    statements.sort(key=attrgetter("path", "line"))
    files = sorted((r.report for r in results), key=lambda f: f.migration.display)
    return RunResult(files, violations, statements, config.fail_on, notes)


def file_rules_for(rules: RuleSet, legacy):
    """The rules a file gets: all of them, or none of the content rules for legacy files."""
    if legacy is None:
        return lambda migration: rules
    legacy_rules = _without_content_rules(rules)
    return lambda migration: legacy_rules if legacy(migration) else rules


def _legacy_predicate(config: Config):
    """With ``baseline``: a test for the legacy files whose content rules are skipped."""
    if config.baseline is None:
        return None
    from .history import legacy_predicate

    return legacy_predicate(config)


def _without_content_rules(rules: RuleSet) -> RuleSet:
    """The rule set for legacy files: no statement or file rules (so no unused ignores either)."""
    levels = {name: level for name, level in rules.levels.items() if name != "unused-ignore"}
    return RuleSet(levels, {}, [], rules.project_rules, rules.change_set_rules)


def _apply_file_ignores(violations: list[Violation], results: list[FileResult]) -> list[Violation]:
    """``ignore-file`` also covers project-rule findings about that file."""
    file_ignores = {r.report.migration.display: found for r in results
                    if (found := [i for i in r.ignores if i.whole_file])}
    if not file_ignores:
        return violations
    kept = []
    for v in violations:
        hits = [i for i in file_ignores.get(v.path, ()) if v.rule in i.rules]
        if hits:
            for ignore in hits:
                ignore.used = True
            continue
        kept.append(v)
    return kept


def _unused_ignores(results: list[FileResult], rules: RuleSet, config: Config) -> list[Violation]:
    from dataclasses import replace

    from .rules.unused_ignore import UnusedIgnore

    out = []
    for result in results:
        for ignore in result.ignores:
            if ignore.used or not any(rules.enabled(name) for name in ignore.rules):
                continue
            what = "this file" if ignore.whole_file else "the next statement"
            finding = Finding(UnusedIgnore, f"ignore of {', '.join(ignore.rules)} suppresses nothing in {what}",
                              "remove the comment, or fix the rule name")
            v = make_violation(finding, result.report.migration.display, None, 0, 0, rules, config)
            if v is not None:
                line, column, end_line, end_column = ignore.position
                out.append(replace(v, line=line, column=column, end_line=end_line, end_column=end_column))
    return out
