"""The JSON report (``--format json``), schema version 1; see README.

Two renderings of one document: indented (a terminal) through :func:`json.dumps`
of :func:`document`, and compact (a pipe, the usual case) written entry by entry
with json's own C string encoder.  The compact writer exists for speed: a whole
repository's report is ten megabytes, and ``json.dumps`` spends most of its time
re-encoding the same rule names, help texts and paths thousands of times.  Both
give byte-identical documents (``tests/test_json_report.py`` checks this).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring

from .. import __version__
from ..core.severity import Severity
from .quoting import Quotes, doc_url

TOOL = {"name": "migration-gate", "version": __version__}


def document(result, context) -> dict:
    quotes = Quotes(result)
    return {
        "schema_version": 1,
        "tool": TOOL,
        "files": [
            {
                "path": f.migration.display,
                "kind": f.migration.kind,
                "version": str(f.migration.version) if f.migration.version is not None else None,
                "description": f.migration.description,
                "checksum": f.checksum,
            }
            for f in result.files
        ],
        "violations": [
            {
                "rule": v.rule,
                "code": v.code,
                "severity": v.severity.label,
                "path": v.path,
                "line": v.line,
                "column": v.column,
                "end_line": v.end_line,
                "end_column": v.end_column,
                "message": v.message,
                "help": v.help,
                "doc": quotes.doc(v),
            }
            for v in result.violations
        ],
        "statements": [
            {
                "path": s.path,
                "line": s.line,
                "end_line": s.end_line,
                "locks": [
                    {
                        "table": l.table,
                        "mode": l.mode,
                        "rewrite": l.rewrite,
                        "scan": l.scan,
                        "rows": l.rows,
                        "bytes": l.bytes,
                        "estimated_seconds": l.estimated_seconds,
                    }
                    for l in s.locks
                ],
            }
            for s in result.statements
        ],
        "summary": summary(result),
    }


def summary(result) -> dict:
    return {
        "files": len(result.files),
        "statements": result.statement_count,
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "infos": result.count(Severity.INFO),
        "result": "fail" if result.failed else "pass",
    }


class _Quoted(dict):
    """JSON string literals of repeated texts (rule names, paths, help), each encoded once."""

    def __missing__(self, text: str) -> str:
        quoted = self[text] = encode_basestring(text)
        return quoted


#: Characters :meth:`Writer.prepare` renders ahead at most (a whole ``../shared/corpus`` report is 10 M).
AHEAD_BUDGET = 8_000_000


class Writer:
    """Writes entries as ``json.dumps`` would, encoding each repeated text once.

    :meth:`prepare` renders one file's entries ahead of :meth:`compact` (a
    scheduler calls it while this process waits for its workers); they are
    kept here, by the identity of the objects, and joined when the document is
    written.
    """

    def __init__(self, docs_url: str) -> None:
        self.quoted = _Quoted()
        self.docs_url = docs_url
        self.around: dict[tuple, tuple[str, str]] = {}  # a rule's fixed fields around a violation's own
        self.locks: dict[tuple, str] = {}
        self.ahead: dict[int, str] = {}
        self.ahead_size = 0  # characters rendered ahead

    def file(self, f) -> str:
        quoted, migration = self.quoted, f.migration
        version = "null" if migration.version is None else quoted[str(migration.version)]
        description = "null" if migration.description is None else quoted[migration.description]
        checksum = "null" if f.checksum is None else f.checksum
        return (
            f'{{"path": {quoted[migration.display]}, "kind": {quoted[migration.kind]}, '
            f'"version": {version}, "description": {description}, "checksum": {checksum}}}'
        )

    def violation(self, v) -> str:
        ahead = self.ahead.pop(id(v), None)  # written once: let it go
        if ahead is not None:
            return ahead
        quoted = self.quoted
        key = (v.rule, v.code, v.severity, v.help)
        fixed = self.around.get(key)
        if fixed is None:
            doc = doc_url(self.docs_url, v.rule, v.code)
            fixed = self.around[key] = (
                f'{{"rule": {quoted[v.rule]}, "code": {quoted[v.code]}, "severity": {quoted[v.severity.label]}, ',
                f', "help": {quoted[v.help]}, "doc": {quoted[doc]}}}',
            )
        return (
            f'{fixed[0]}"path": {quoted[v.path]}, "line": {v.line}, "column": {v.column}, '
            f'"end_line": {v.end_line}, "end_column": {v.end_column}, '
            f'"message": {encode_basestring(v.message)}{fixed[1]}'
        )

    def statement(self, s) -> str:
        ahead = self.ahead.pop(id(s), None)
        if ahead is not None:
            return ahead
        return (
            f'{{"path": {self.quoted[s.path]}, "line": {s.line}, "end_line": {s.end_line}, '
            f'"locks": [{", ".join(map(self.lock, s.locks))}]}}'
        )

    def lock(self, lock) -> str:
        key = (lock.table, lock.mode, lock.rewrite, lock.scan, lock.rows, lock.bytes, lock.estimated_seconds)
        text = self.locks.get(key)
        if text is None:
            text = self.locks[key] = (
                f'{{"table": {self.quoted[lock.table]}, "mode": {self.quoted[lock.mode]}, '
                f'"rewrite": {"true" if lock.rewrite else "false"}, '
                f'"scan": {"true" if lock.scan else "false"}, '
                f'"rows": {_number(lock.rows)}, "bytes": {_number(lock.bytes)}, '
                f'"estimated_seconds": {_number(lock.estimated_seconds)}}}'
            )
        return text

    def prepare(self, file_result) -> None:
        """Render one file's violations and statements now; :meth:`compact` joins them later.

        Up to :data:`AHEAD_BUDGET` characters: rendering ahead saves time while this process waits, but
        what it renders is held until the report is written (a tenth of a 10× corpus report).
        """
        if self.ahead_size > AHEAD_BUDGET:
            return
        for v in file_result.violations:
            text = self.ahead[id(v)] = self.violation(v)
            self.ahead_size += len(text)
        for s in file_result.statements:
            text = self.ahead[id(s)] = self.statement(s)
            self.ahead_size += len(text)

    def compact(self, result) -> str:
        """The document as ``json.dumps(document(result), ensure_ascii=False)`` writes it."""
        return "".join(self.pieces(result))

    def pieces(self, result) -> Iterator[str]:
        """:meth:`compact`'s text in pieces of at most a thousand entries, in order: a whole repository's
        report (tens of megabytes) is written without ever being one string, or several."""
        head = json.dumps({"schema_version": 1, "tool": TOOL}, ensure_ascii=False)[:-1]
        yield f"{head}, "
        for name, entries, render in (
            ("files", result.files, self.file),
            ("violations", result.violations, self.violation),
            ("statements", result.statements, self.statement),
        ):
            yield f'"{name}": ['
            for start in range(0, len(entries), _PIECE):
                yield (", " if start else "") + ", ".join(map(render, entries[start : start + _PIECE]))
            yield "], "
        yield f'"summary": {json.dumps(summary(result), ensure_ascii=False)}}}\n'


_PIECE = 1000  # entries per piece


def pieces(result, context) -> Iterator[str]:
    """The compact report in pieces (:meth:`Writer.pieces`), for a caller that writes it as it goes."""
    writer = getattr(context, "json_writer", None)
    return (writer if writer is not None else Writer(result.docs_url)).pieces(result)


def _number(value) -> str:
    return "null" if value is None else json.dumps(value)


def render(result, context) -> str:
    if getattr(context, "pretty", False):
        return json.dumps(document(result, context), indent=2, ensure_ascii=False) + "\n"
    writer = getattr(context, "json_writer", None)
    return (writer if writer is not None else Writer(result.docs_url)).compact(result)
