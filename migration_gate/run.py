"""The whole of ``migration-gate check`` minus the command line and the reporters.

The scope (:mod:`migration_gate.discovery`) is analysed file by file by the
scheduler (:mod:`migration_gate.batch`: in order, from the result cache, or in
worker processes); then come the rules about the set of files, the
change-set rules against the base (:mod:`migration_gate.history`), the
optional style layer, the ``ignore-file`` and unused-ignore pass, and the
report order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from pathlib import Path

from .batch import Schedule, analyze_all
from .core.config import Config
from .core.context import ProjectContext
from .core.findings import Violation
from .core.migration import MigrationFile
from .core.results import FileResult, RunResult
from .core.rules.base import ProjectRule
from .core.ruleset import RuleSet, build_ruleset, without_content_rules
from .core.sizing import Sizing
from .core.suppression import Ignore, apply_file_ignores, unused_ignores
from .core.violations import make_violation
from .discovery import Scope


def run_check(
    scope: Scope,
    config: Config,
    *,
    only: Iterable[str] | None = None,
    want_statements: bool = True,
    extra_project_rules: Iterable[ProjectRule] = (),
    schedule: Schedule | None = None,
    sizing: Sizing | None = None,
) -> RunResult:
    """The whole check. ``schedule``: how files are analysed (cache, workers); default: here, no cache.
    ``sizing``: a table statistics snapshot (read by :mod:`migration_gate.tablestats`) for the lock findings."""
    rules = build_ruleset(config, only)
    legacy = _legacy_predicate(config)
    results = analyze_all(
        scope, config, rules, file_rules_for(rules, legacy), want_statements, schedule or Schedule(), sizing
    )

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
        from .history.changeset import change_set_violations

        found, notes = change_set_violations(scope, results, rules, config)
        violations.extend(found)
    if config.style == "sqlfluff":
        from .style import style_violations

        violations.extend(style_violations(scope.files, config))
    ignores = ignores_by_path(results)
    violations = apply_file_ignores(violations, ignores)
    violations.extend(unused_ignores(ignores, rules, config))
    violations.sort(key=Violation.sort_key)
    statements = [s for r in results for s in r.statements]
    statements.sort(key=attrgetter("path", "line"))
    files = sorted((r.report for r in results), key=lambda f: f.migration.display)
    return RunResult(files, violations, statements, config.fail_on, notes, config.docs_url)


def ignores_by_path(results: list[FileResult]) -> dict[str, list[Ignore]]:
    """Each analysed file's ignore comments, by the file's display path, in scope order."""
    return {r.report.migration.display: r.ignores for r in results if r.ignores}


def file_rules_for(
    rules: RuleSet, legacy: Callable[[MigrationFile], bool] | None
) -> Callable[[MigrationFile], RuleSet]:
    """The rules a file gets: all of them, or none of the content rules for legacy files."""
    if legacy is None:
        return lambda migration: rules
    legacy_rules = without_content_rules(rules)
    return lambda migration: legacy_rules if legacy(migration) else rules


def _legacy_predicate(config: Config) -> Callable[[MigrationFile], bool] | None:
    """With ``baseline``: a test for the legacy files whose content rules are skipped."""
    if config.baseline is None:
        return None
    from .history.changeset import legacy_predicate

    return legacy_predicate(config)
