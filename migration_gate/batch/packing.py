"""Results as plain tuples: what crosses a worker's pipe and what the result cache stores.

Pickling the result dataclasses directly costs more than the analysis saves;
tuples of their fields are cheap.  The migration and the source are left out
(the receiver has the migration; the source is read again when needed).
"""

from __future__ import annotations

import copyreg
from dataclasses import fields, is_dataclass
from typing import Any

from ..core import deploy_batch, schema
from ..core.findings import Violation
from ..core.migration import MigrationFile
from ..core.results import FileReport, FileResult, LockReport, StatementReport
from ..core.suppression import Ignore

# (Field names from the dataclasses, not ``__slots__``: the compiled core's classes have none.)
_VIOLATION_FIELDS = tuple(f.name for f in fields(Violation))
_IGNORE_FIELDS = tuple(f.name for f in fields(Ignore))
_LOCK_FIELDS = tuple(f.name for f in fields(LockReport))

Packed = tuple[Any, ...]


def _by_constructor(cls: type) -> None:
    """Pickle a frozen dataclass as its constructor call.

    Pickle restores an object by setting its attributes one by one, and with the compiled core that goes
    through the frozen class's ``__setattr__``, which refuses (the pure classes restore their slots
    directly).  The schema facts a file's analysis asked about travel with its result (``lookups``), and
    so does what a deploy batch's transaction carries past the file (``batch_after``).
    """
    names = tuple(f.name for f in fields(cls))
    copyreg.pickle(cls, lambda obj: (cls, tuple(getattr(obj, name) for name in names)))


for _module in (schema, deploy_batch):
    for _class in vars(_module).values():
        if isinstance(_class, type) and is_dataclass(_class) and _class.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            _by_constructor(_class)


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
        result.batch_after,
        result.lookups,  # last: the cache checks them before unpacking
    )


def unpack(packed: Packed, migration: MigrationFile) -> FileResult:
    """The FileResult :func:`pack` was given (its ``source`` and ``facts`` are None)."""
    statements_count, checksum, violations, statements, created, ignores, batch_after, lookups = packed
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
        batch_after=batch_after,
    )
