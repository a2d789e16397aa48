"""Build RunResult objects by hand, for reporter tests that need findings the rules do not make yet
(statement excerpts, locks) or payloads no real rule would produce.

Violations are thin: the line they are on and the SQL of their statement come from the file's text
at the reporting edge.  So :func:`result` writes each file with the text the violations quote:
the quoted line at the violation's line, and each statement excerpt after the last such line.
"""

from __future__ import annotations

from pathlib import Path

from migration_gate.core.config import Config
from migration_gate.core.findings import Violation
from migration_gate.core.results import FileReport, LockReport, RunResult, StatementReport
from migration_gate.core.severity import Severity
from migration_gate.discovery import classify

DOCS = "https://github.com/migration-gate/migration-gate/blob/main/rules/{name}.md"


_QUOTED: dict[int, tuple[str, str]] = {}  # id(violation) → (its line's text, its statement's SQL)


def violation(
    path: str,
    line: int,
    rule: str = "non-concurrent-index-creation",
    code: str = "MG101",
    severity: Severity = Severity.ERROR,
    message: str = "message",
    help: str = "help",
    column: int = 1,
    end_line: int | None = None,
    end_column: int = 10,
    excerpt: str = "",
    source_line: str = "",
) -> Violation:
    made = Violation(
        rule=rule,
        code=code,
        severity=severity,
        path=path,
        line=line,
        column=column,
        end_line=end_line or line,
        end_column=end_column,
        message=message,
        help=help,
        in_text=bool(source_line or excerpt),
    )
    if source_line or excerpt:
        _QUOTED[id(made)] = (source_line or excerpt.split("\n")[0], excerpt)
    return made


def _write_quoted(root: Path, violations: list[Violation]) -> None:
    """Write the files the violations quote (see the module docstring) and point them at their SQL."""
    by_path: dict[str, list[Violation]] = {}
    for v in violations:
        if id(v) in _QUOTED:
            by_path.setdefault(v.path, []).append(v)
    for display, found in by_path.items():
        lines: dict[int, str] = {}
        for v in found:
            lines[v.line] = _QUOTED[id(v)][0]
        text = "".join(lines.get(n, "") + "\n" for n in range(1, max(lines) + 1))
        excerpts: dict[str, tuple[int, int]] = {}
        for v in found:
            sql = _QUOTED[id(v)][1]
            if sql and sql not in excerpts:
                excerpts[sql] = (len(text), len(text) + len(sql))
                text += sql + "\n"
            v.statement = excerpts.get(sql) if sql else None
        path = root / display
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def result(
    root: Path,
    files: dict[str, int],
    violations: list[Violation],
    statements: list[StatementReport] = (),
    fail_on: str = "error",
) -> RunResult:
    """``files``: display path → statement count (the files need not exist)."""
    _write_quoted(root, list(violations))
    config = Config(root=root)
    reports = []
    for display, count in files.items():
        path = root / display
        reports.append(FileReport(classify(path, display, path.parent, config), statements=count))
    return RunResult(
        files=reports,
        violations=sorted(violations, key=Violation.sort_key),
        statements=sorted(statements, key=lambda s: (s.path, s.line)),
        fail_on=fail_on,
        docs_url=DOCS,
    )


def lock(table: str, mode: str, rewrite: bool = False, scan: bool = False) -> LockReport:
    return LockReport(table, mode, rewrite, scan)


def statement(path: str, line: int, *locks: LockReport, end_line: int | None = None) -> StatementReport:
    return StatementReport(path, line, end_line or line, list(locks))
