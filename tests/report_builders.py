"""Build RunResult objects by hand, for reporter tests that need findings the rules do not make yet
(statement excerpts, locks) or payloads no real rule would produce."""

from __future__ import annotations

from pathlib import Path

from migration_gate.config import Config
from migration_gate.discovery import classify
from migration_gate.engine import FileReport, LockReport, RunResult, StatementReport
from migration_gate.findings import Violation
from migration_gate.severity import Severity

DOCS = "https://github.com/migration-gate/migration-gate/blob/main/rules/{name}.md"


def violation(path: str, line: int, rule: str = "non-concurrent-index-creation", code: str = "MG101",
              severity: Severity = Severity.ERROR, message: str = "message", help: str = "help",
              column: int = 1, end_line: int | None = None, end_column: int = 10, excerpt: str = "",
              source_line: str = "") -> Violation:
    return Violation(rule=rule, code=code, severity=severity, path=path, line=line, column=column,
                     end_line=end_line or line, end_column=end_column, message=message, help=help,
                     doc=DOCS.format(name=rule), source_line=source_line or excerpt.split("\n")[0],
                     excerpt=excerpt)


def result(root: Path, files: dict[str, int], violations: list[Violation],
           statements: list[StatementReport] = (), fail_on: str = "error") -> RunResult:
    """``files``: display path → statement count (the files need not exist)."""
    config = Config(root=root)
    reports = []
    for display, count in files.items():
        path = root / display
        reports.append(FileReport(classify(path, display, path.parent, config), statements=count))
    return RunResult(files=reports, violations=sorted(violations, key=Violation.sort_key),
                     statements=sorted(statements, key=lambda s: (s.path, s.line)), fail_on=fail_on)


def lock(table: str, mode: str, rewrite: bool = False, scan: bool = False) -> LockReport:
    return LockReport(table, mode, rewrite, scan)


def statement(path: str, line: int, *locks: LockReport, end_line: int | None = None) -> StatementReport:
    return StatementReport(path, line, end_line or line, list(locks))
