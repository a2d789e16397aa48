"""GitHub Actions annotations (``--format github``): one workflow command per finding.

``::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=T::MESSAGE`` with
1-based positions.  Escaping follows the runner's command parser: in the
message ``%``, CR and LF are percent-encoded; in properties ``:`` and ``,`` too
(they separate properties).  Paths are made relative to ``GITHUB_WORKSPACE``
when it is known, so the annotation lands on the file in the pull request.
"""

from __future__ import annotations

from ..core.severity import Severity
from .quoting import repo_path

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
CHECK_RUN_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(v, workspace=None) -> str:
    props: list[tuple[str, str]] = []
    path = repo_path(v.path, workspace)
    if path:
        props += [
            ("file", path),
            ("line", str(v.line)),
            ("endLine", str(v.end_line)),
            ("col", str(v.column)),
            ("endColumn", str(v.end_column)),
        ]
    props.append(("title", f"{v.code} {v.rule}"))
    message = v.message if not v.help else f"{v.message}\n{v.help}"
    properties = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[v.severity]} {properties}::{escape_data(message)}"


def render(result, context) -> str:
    workspace = getattr(context, "workspace", None)
    return "".join(annotation(v, workspace) + "\n" for v in result.violations)


def check_annotations(result, workspace=None) -> list[dict]:
    """The findings as check-run annotations (the shape of GitHub's Checks API)."""
    annotations = []
    for v in result.violations:
        path = repo_path(v.path, workspace)
        if not path:
            continue
        item = {
            "path": path,
            "start_line": v.line,
            "end_line": max(v.end_line, v.line),
            "annotation_level": CHECK_RUN_LEVELS[v.severity],
            "title": f"{v.code} {v.rule}",
            "message": v.message + (f"\n{v.help}" if v.help else ""),
        }
        if v.end_line == v.line:  # the API takes columns on single-line annotations only
            item["start_column"] = v.column
            item["end_column"] = max(v.end_column, v.column)
        annotations.append(item)
    return annotations
