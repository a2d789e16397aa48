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


def _optional(quoted: _Quoted, text: str | None) -> str:
    return "null" if text is None else quoted[text]


def compact(result) -> str:
    """The document as ``json.dumps(document(result), ensure_ascii=False)`` writes it."""
    quoted = _Quoted()
    files = ", ".join(
        f'{{"path": {quoted[f.migration.display]}, "kind": {quoted[f.migration.kind]}, '
        f'"version": {"null" if f.migration.version is None else quoted[str(f.migration.version)]}, '
        f'"description": {_optional(quoted, f.migration.description)}, '
        f'"checksum": {"null" if f.checksum is None else f.checksum}}}'
        for f in result.files)
    # A violation is its rule's fixed fields around its own place and message.
    around: dict[tuple, tuple[str, str]] = {}

    def violation(v) -> str:
        key = (v.rule, v.code, v.severity, v.help, v.doc)
        fixed = around.get(key)
        if fixed is None:
            fixed = around[key] = (
                f'{{"rule": {quoted[v.rule]}, "code": {quoted[v.code]}, "severity": {quoted[v.severity.label]}, ',
                f', "help": {quoted[v.help]}, "doc": {quoted[v.doc]}}}')
        return (f'{fixed[0]}"path": {quoted[v.path]}, "line": {v.line}, "column": {v.column}, '
                f'"end_line": {v.end_line}, "end_column": {v.end_column}, '
                f'"message": {encode_basestring(v.message)}{fixed[1]}')

    violations = ", ".join(map(violation, result.violations))
    locks: dict[tuple, str] = {}

    def lock(l) -> str:
        key = (l.table, l.mode, l.rewrite, l.scan)
        text = locks.get(key)
        if text is None:
            text = locks[key] = (f'{{"table": {quoted[l.table]}, "mode": {quoted[l.mode]}, '
                                 f'"rewrite": {"true" if l.rewrite else "false"}, '
                                 f'"scan": {"true" if l.scan else "false"}}}')
        return text

    statements = ", ".join(
        f'{{"path": {quoted[s.path]}, "line": {s.line}, "end_line": {s.end_line}, '
        f'"locks": [{", ".join(map(lock, s.locks))}]}}'
        for s in result.statements)
    head = json.dumps({"schema_version": 1, "tool": TOOL}, ensure_ascii=False)[:-1]
    tail = json.dumps(summary(result), ensure_ascii=False)
    return f'{head}, "files": [{files}], "violations": [{violations}], "statements": [{statements}], ' \
           f'"summary": {tail}}}\n'
