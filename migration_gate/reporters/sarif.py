"""SARIF 2.1.0 (``--format sarif``), for ``github/codeql-action/upload-sarif``.

One run; ``tool.driver.rules`` holds every rule that has a result (id = code,
name = kebab name, short description = the docstring summary, ``helpUri`` =
the rule page).  Results carry 1-based regions (``columnKind``
``unicodeCodePoints``: columns count characters, as everywhere in the gate)
and a ``partialFingerprints`` entry that ignores line numbers, so a finding
keeps its identity when lines are inserted above it.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from .. import __version__
from ..core.severity import Severity
from .quoting import Quotes, repo_path

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/migration-gate/migration-gate"
FINGERPRINT_KEY = "migrationGate/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptor(v, doc: str) -> dict:
    from ..core.rules import registry

    rule = registry.lookup(v.rule)
    summary = rule.summary() if rule is not None else v.rule
    descriptor = {
        "id": v.code,
        "name": v.rule,
        "shortDescription": {"text": summary},
        "helpUri": doc,
        "help": {"text": f"{summary}\nSee {doc}", "markdown": f"{summary}\n\nSee [{v.rule}]({doc})."},
        "properties": {"tags": ["migrations", "postgresql"]},
    }
    if rule is not None:
        descriptor["defaultConfiguration"] = {"level": LEVELS.get(rule.level, "none")}
    return descriptor


def fingerprint(v, path: str, source_line: str) -> str:
    """Rule, file, the flagged line's text (whitespace-normalised) and the message: no line numbers."""
    anchor = " ".join(source_line.split())
    return hashlib.sha256("\0".join((v.code, path, anchor, v.message)).encode("utf-8")).hexdigest()[:32]


def document(result, context) -> dict:
    workspace = getattr(context, "workspace", None)
    quotes = Quotes(result)
    rules: dict[str, dict] = {}
    for v in sorted(result.violations, key=lambda v: v.code):
        if v.code not in rules:
            rules[v.code] = _rule_descriptor(v, quotes.doc(v))
    index = {code: i for i, code in enumerate(rules)}
    seen: dict[str, int] = {}
    results = []
    for v in result.violations:
        path = repo_path(v.path, workspace)
        item = {
            "ruleId": v.code,
            "ruleIndex": index[v.code],
            "level": LEVELS[v.severity],
            "message": {"text": v.message + (f"\n{v.help}" if v.help else "")},
        }
        if path:
            item["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(path), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": v.line,
                            "startColumn": v.column,
                            "endLine": v.end_line,
                            "endColumn": max(v.end_column, 1),
                        },
                    },
                }
            ]
        base = fingerprint(v, path, quotes.line(v))
        occurrence = seen.get(base, 0) + 1
        seen[base] = occurrence
        item["partialFingerprints"] = {FINGERPRINT_KEY: f"{base}:{occurrence}"}
        results.append(item)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migration-gate",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": list(rules.values()),
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(result, context) -> str:
    return json.dumps(document(result, context), indent=2, ensure_ascii=False) + "\n"
