"""Results as plain tuples: what crosses a worker's pipe and what the result cache stores.

Pickling the result dataclasses directly costs more than the analysis saves;
tuples of their fields are cheap.  The migration and the source are left out
(the receiver has the migration; the source is read again when needed).
"""

from __future__ import annotations

from typing import Any

from ..core.findings import Violation
from ..core.migration import MigrationFile
from ..core.results import FileReport, FileResult, LockReport, StatementReport
from ..core.suppression import Ignore

_VIOLATION_FIELDS = Violation.__slots__
_IGNORE_FIELDS = Ignore.__slots__
_LOCK_FIELDS = LockReport.__slots__

Packed = tuple[Any, ...]


def pack(result: FileResult) -> Packed:
    """A FileResult as plain tuples (cheap to pickle), without the migration or the source."""
    return (
        result.report.statements,
        result.report.checksum,
        [tuple(getattr(v, f) for f in _VIOLATION_FIELDS) for v in result.violations],
        [
            (s.path, s.line, s.end_line, [tuple(getattr(lock, f) for f in _LOCK_FIELDS) for lock in s.locks])
            for s in result.statements
        ],
        tuple(result.created_tables),
        [tuple(getattr(i, f) for f in _IGNORE_FIELDS) for i in result.ignores],
        result.lookups,
    )


def unpack(packed: Packed, migration: MigrationFile) -> FileResult:
    """The FileResult :func:`pack` was given (its ``source`` and ``facts`` are None)."""
    statements_count, checksum, violations, statements, created, ignores, lookups = packed
    report = FileReport(migration, statements_count, checksum)
    return FileResult(
        report,
        [Violation(*fields) for fields in violations],
        [
            StatementReport(path, line, end_line, [LockReport(*lock) for lock in locks])
            for path, line, end_line, locks in statements
        ],
        frozenset(created),
        [Ignore(*fields) for fields in ignores],
        None,
        lookups,
    )
