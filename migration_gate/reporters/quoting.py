"""What reports show beside a violation, made at the reporting edge: the line it is on, the SQL of
its statement, the rule's page, and paths as GitHub wants them.

Violations stay thin (rule, position, message, help, level); the reports that
quote the migration (text, SARIF, Markdown) read the file's text here, once
per file, and only for files that have a violation placed in their text.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.findings import Violation
from ..core.results import RunResult
from ..core.source import LineIndex, UnreadableSource, decode_source, read_bytes

EXCERPT_MAX_LINES = 30
SQLFLUFF_DOC_URL = "https://docs.sqlfluff.com/en/stable/reference/rules.html#rule-{code}"
_MAX_READ = 1 << 30


def doc_url(template: str, rule: str, code: str) -> str:
    """A rule's page: ``docs_url`` of the configuration, or sqlfluff's page for its rules."""
    if rule.startswith("sqlfluff/"):
        template = SQLFLUFF_DOC_URL
    return template.format(name=rule, code=code)


class Quotes:
    """Source lines, statement excerpts and rule pages for one run's violations."""

    def __init__(self, result: RunResult) -> None:
        self._paths = {f.migration.display: f.migration.path for f in result.files}
        self._docs_url = result.docs_url
        self._lines: dict[str, LineIndex | None] = {}
        self._docs: dict[tuple[str, str], str] = {}

    def doc(self, v: Violation) -> str:
        """The page of the violation's rule."""
        key = (v.rule, v.code)
        url = self._docs.get(key)
        if url is None:
            url = self._docs[key] = doc_url(self._docs_url, v.rule, v.code)
        return url

    def line(self, v: Violation) -> str:
        """The text of the line the violation is on (empty when it is not placed in the file's text)."""
        if not v.in_text:
            return ""
        lines = self._index(v.path)
        return lines.line_text(v.line) if lines is not None else ""

    def excerpt(self, v: Violation) -> str:
        """The SQL of the statement the violation is about, capped at :data:`EXCERPT_MAX_LINES` lines."""
        if v.statement is None:
            return ""
        lines = self._index(v.path)
        if lines is None:
            return ""
        text = lines.text
        start, end = v.statement
        # Slice a bounded prefix: a statement can be a 3,000-line function.
        shown = text[start : min(end, start + 120 * EXCERPT_MAX_LINES)].splitlines()
        total = text.count("\n", start, end) + 1
        if total > EXCERPT_MAX_LINES:
            shown = [*shown[:EXCERPT_MAX_LINES], f"… ({total - EXCERPT_MAX_LINES} more lines)"]
        return "\n".join(shown)

    def _index(self, display: str) -> LineIndex | None:
        if display in self._lines:
            return self._lines[display]
        path = self._paths.get(display, Path(display))
        try:
            index: LineIndex | None = decode_source(read_bytes(path, _MAX_READ), display).lines
        except UnreadableSource:
            index = None
        self._lines[display] = index
        return index


def repo_path(path: str, workspace: Path | None) -> str:
    """A report path as GitHub wants it: relative to the repository root, with ``/``.

    Paths in reports are as given on the command line (relative to the working
    directory); annotations and SARIF need them relative to the checkout.
    """
    if not path:
        return path
    if workspace is not None:
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(os.path.abspath(workspace)).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix() if os.sep != "/" else path
