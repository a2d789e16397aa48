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
from json.encoder import encode_basestring

from .. import __version__

TOOL = {"name": "migration-gate", "version": __version__}


def document(result, context) -> dict:
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
                "doc": v.doc,
            }
            for v in result.violations
        ],
        "statements": [
            {
                "path": s.path,
                "line": s.line,
                "end_line": s.end_line,
                "locks": [
                    {"table": l.table, "mode": l.mode, "rewrite": l.rewrite, "scan": l.scan}
                    for l in s.locks
                ],
            }
            for s in result.statements
        ],
        "summary": summary(result),
    }


def summary(result) -> dict:
    from ..severity import Severity

    return {
        "files": len(result.files),
        "statements": result.statement_count,
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "infos": result.count(Severity.INFO),
        "result": "fail" if result.failed else "pass",
    }


def render(result, context) -> str:
    if getattr(context, "pretty", False):
        return json.dumps(document(result, context), indent=2, ensure_ascii=False) + "\n"
    return compact(result)


class _Quoted(dict):
    """JSON string literals of repeated texts (rule names, paths, help), each encoded once."""

    def __missing__(self, text: str) -> str:
        quoted = self[text] = encode_basestring(text)
        return quoted


class _Writer:
    """Writes entries as ``json.dumps`` would, encoding each repeated text once."""

    def __init__(self) -> None:
        self.quoted = _Quoted()
        self.around: dict[tuple, tuple[str, str]] = {}  # a rule's fixed fields around a violation's own
        self.locks: dict[tuple, str] = {}

    def file(self, f) -> str:
        quoted, migration = self.quoted, f.migration
        version = "null" if migration.version is None else quoted[str(migration.version)]
        description = "null" if migration.description is None else quoted[migration.description]
        checksum = "null" if f.checksum is None else f.checksum
        return (f'{{"path": {quoted[migration.display]}, "kind": {quoted[migration.kind]}, '
                f'"version": {version}, "description": {description}, "checksum": {checksum}}}')

    def violation(self, v) -> str:
        if v.rendered:
            return v.rendered
        quoted = self.quoted
        key = (v.rule, v.code, v.severity, v.help, v.doc)
        fixed = self.around.get(key)
        if fixed is None:
            fixed = self.around[key] = (
                f'{{"rule": {quoted[v.rule]}, "code": {quoted[v.code]}, "severity": {quoted[v.severity.label]}, ',
                f', "help": {quoted[v.help]}, "doc": {quoted[v.doc]}}}')
        return (f'{fixed[0]}"path": {quoted[v.path]}, "line": {v.line}, "column": {v.column}, '
                f'"end_line": {v.end_line}, "end_column": {v.end_column}, '
                f'"message": {encode_basestring(v.message)}{fixed[1]}')

    def statement(self, s) -> str:
        if s.rendered:
            return s.rendered
        return (f'{{"path": {self.quoted[s.path]}, "line": {s.line}, "end_line": {s.end_line}, '
                f'"locks": [{", ".join(map(self.lock, s.locks))}]}}')

    def lock(self, l) -> str:
        key = (l.table, l.mode, l.rewrite, l.scan)
        text = self.locks.get(key)
        if text is None:
            text = self.locks[key] = (f'{{"table": {self.quoted[l.table]}, "mode": {self.quoted[l.mode]}, '
                                      f'"rewrite": {"true" if l.rewrite else "false"}, '
                                      f'"scan": {"true" if l.scan else "false"}}}')
        return text


_AHEAD = _Writer()


def prepare(file_result) -> None:
    """Render one file's violations and statements ahead of :func:`compact`, which then joins them.

    ``check --format json`` has the engine call this while the process waits
    for its workers to finish a large scan (``run_check(idle_work=...)``).
    """
    for v in file_result.violations:
        v.rendered = _AHEAD.violation(v)
    for s in file_result.statements:
        s.rendered = _AHEAD.statement(s)


def compact(result) -> str:
    """The document as ``json.dumps(document(result), ensure_ascii=False)`` writes it."""
    writer = _Writer()
    files = ", ".join(map(writer.file, result.files))
    violations = ", ".join(map(writer.violation, result.violations))
    statements = ", ".join(map(writer.statement, result.statements))
    head = json.dumps({"schema_version": 1, "tool": TOOL}, ensure_ascii=False)[:-1]
    tail = json.dumps(summary(result), ensure_ascii=False)
    return f'{head}, "files": [{files}], "violations": [{violations}], "statements": [{statements}], ' \
           f'"summary": {tail}}}\n'
