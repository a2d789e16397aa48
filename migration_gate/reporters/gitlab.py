"""GitLab Code Quality (``--format gitlab``): the Code Climate JSON subset GitLab reads.

GitLab shows these findings in the merge request widget and, on Ultimate, in
the diff.  Each entry has the fields GitLab's Code Quality documentation
requires (``description``, ``check_name``, ``fingerprint``, ``severity``,
``location.path``, ``location.lines.begin``) and ``location.lines.end``.

* ``fingerprint``: what GitLab compares between the base and the merge
  request to tell new findings from old ones.  It hashes the rule, the path,
  the flagged line's text (whitespace-normalised) and the message, and counts
  repeats of the same hash in order, as SARIF's ``partialFingerprints`` do:
  no line number, so a finding keeps its fingerprint when lines are inserted
  above it.
* ``severity``: ``error`` → ``major``, ``warning`` → ``minor``, ``info`` →
  ``info`` (squawk's ``gitlab`` reporter maps errors and warnings the same way).
* ``location.path``: relative to the repository root (``CI_PROJECT_DIR``
  inside GitLab CI), with ``/``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..core.results import RunResult
from ..core.severity import Severity
from .quoting import Quotes, repo_path
from .sarif import fingerprint

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def issues(result: RunResult, context: object) -> list[dict[str, Any]]:
    workspace = getattr(context, "workspace", None)
    quotes = Quotes(result)
    seen: dict[str, int] = {}
    found = []
    for v in result.violations:
        path = repo_path(v.path, workspace)
        base = fingerprint(v, path, quotes.line(v))
        occurrence = seen.get(base, 0) + 1
        seen[base] = occurrence
        description = v.message + (f" — fix: {v.help}" if v.help else "")
        found.append(
            {
                "description": description,
                "check_name": v.rule,
                "fingerprint": hashlib.sha256(f"{base}:{occurrence}".encode()).hexdigest()[:32],
                "severity": SEVERITIES[v.severity],
                "location": {"path": path, "lines": {"begin": v.line, "end": max(v.end_line, v.line)}},
            }
        )
    return found


def render(result: RunResult, context: object) -> str:
    return json.dumps(issues(result, context), indent=2, ensure_ascii=False) + "\n"
