"""What a ``verify`` run found: its violations, the statements' observed locks, the files and the notes,
made into a :class:`~migration_gate.core.results.RunResult` at the end.
"""

from __future__ import annotations

from ..core.config import Config
from ..core.findings import Finding, Violation
from ..core.migration import MigrationFile
from ..core.results import FileReport, RunResult, StatementReport
from ..core.ruleset import build_ruleset
from ..core.severity import Severity
from ..core.violations import make_violation
from .runner import FileRun, PreparedFile


class Recorder:
    """Collects the findings of the run as violations of the ``verify`` rules (MG401–MG406), and the notes."""

    def __init__(self, config: Config, notes: list[str]):
        self.config = config
        self.rules = build_ruleset(config)
        self.violations: list[Violation] = []
        self.statements: list[StatementReport] = []
        self.files: dict[str, FileReport] = {}
        self.notes: list[str] = list(notes)

    def file(self, migration: MigrationFile, prepared: PreparedFile) -> None:
        if migration.display not in self.files:
            self.files[migration.display] = FileReport(migration, len(prepared.statements))

    def report(
        self,
        rule,
        message: str,
        prepared: PreparedFile | None,
        migration: MigrationFile,
        *,
        start: int | None = None,
        end: int | None = None,
        statement=None,
        severity: Severity | None = None,
    ) -> None:
        finding = Finding(rule, message, severity=severity)
        source = prepared.source if prepared is not None and start is not None else None
        violation = make_violation(
            finding,
            migration.display,
            source,
            start or 0,
            end if end is not None else (start or 0),
            self.rules,
            self.config,
            statement,
        )
        if violation is not None:
            self.violations.append(violation)

    def error_at(
        self, rule, what: str, prepared: PreparedFile, migration: MigrationFile, run: FileRun, suffix: str = ""
    ) -> None:
        error = run.error
        assert error is not None  # called for a failed run
        stmt = prepared.statements[error.statement] if error.statement is not None else None
        self.report(
            rule,
            f"{what}: {error.message}{suffix}",
            prepared,
            migration,
            start=error.offset,
            end=error.end_offset,
            statement=stmt,
        )

    def result(self) -> RunResult:
        violations = sorted(self.violations, key=Violation.sort_key)
        statements = sorted(self.statements, key=lambda s: (s.path, s.line))
        files = sorted(self.files.values(), key=lambda f: f.migration.display)
        return RunResult(
            files, violations, statements, self.config.fail_on, notes=self.notes, docs_url=self.config.docs_url
        )
