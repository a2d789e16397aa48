"""The JSON report (``--format json``), schema version 1; see README."""

from __future__ import annotations

import json

from .. import __version__


def document(result, context) -> dict:
    return {
        "schema_version": 1,
        "tool": {"name": "migration-gate", "version": __version__},
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
    # Indented for a terminal; compact otherwise (json's C encoder only runs without indent).
    indent = 2 if getattr(context, "pretty", False) else None
    return json.dumps(document(result, context), indent=indent, ensure_ascii=False) + "\n"
