"""What analysing files gives: per-file results, per-statement lock reports, and the whole run."""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import FileFacts
from .deploy_batch import BatchState
from .findings import Violation
from .migration import MigrationFile
from .severity import Severity
from .source import Source
from .suppression import Ignore


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class LockReport:
    table: str
    mode: str
    rewrite: bool
    scan: bool
    #: From a table statistics snapshot (None: no snapshot, or a table it does not know).
    rows: int | None = None
    bytes: int | None = None
    estimated_seconds: float | None = None  # the work done under the lock, by the throughput model


@dataclass(slots=True)
class StatementReport:
    path: str
    line: int
    end_line: int
    locks: list[LockReport]


@dataclass(slots=True)
class FileReport:
    migration: MigrationFile
    statements: int = 0
    checksum: int | None = None


#: A lookup the analysis made into earlier migrations: (kind, arguments, answer).
Lookup = tuple[str, tuple[str, ...], object]


@dataclass(slots=True)
class FileResult:
    """What analysing one file gives."""

    report: FileReport
    violations: list[Violation]
    statements: list[StatementReport]
    created_tables: frozenset[str] = frozenset()
    ignores: list[Ignore] = field(default_factory=list)  # unused ignores are reported after project rules
    source: Source | None = None  # the text as read, for change-set rules
    lookups: tuple[Lookup, ...] = ()  # what the analysis looked up in earlier migrations
    facts: FileFacts | None = field(default=None, repr=False)  # the pre-pass (for later files' lookups)
    #: What the deploy batch's transaction carries past this file (``None``: no batch, or the file ended it).
    batch_after: BatchState | None = None


@dataclass(slots=True)
class RunResult:
    files: list[FileReport]
    violations: list[Violation]
    statements: list[StatementReport]
    fail_on: str
    notes: list[str] = field(default_factory=list)
    #: Where a rule's page is: ``docs_url`` of the configuration, with ``{name}`` and ``{code}``.
    docs_url: str = ""

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
