"""The pull-request comment (``--format markdown``), rendered from ``templates/pr_comment.md.j2``.

A verdict line, a table of the checked files (verdict, findings, locks taken),
then every finding with its rule linked to its page, the message, the help and
the SQL.  Everything that comes from the user's repository (paths, SQL,
messages quoting identifiers) is made inert: HTML is escaped, Markdown
punctuation is escaped, ``@mentions`` and ``#123`` references (and GitLab's
``!123``, ``~label``, ``%milestone``, ``$123`` and ``&123``) are broken with a
zero-width space, and SQL sits in a fence longer than any backtick run in it.

GitHub refuses comments over 65,536 characters, so the body degrades until it
fits (measured in UTF-8 bytes, which is never less than the character count):
full → SQL excerpts truncated → a summary table of findings → a summary table
with as many rows as fit.
"""

from __future__ import annotations

from ..core.severity import Severity
from .markdown_text import fence as fence
from .markdown_text import inline as inline
from .markdown_text import link as link
from .markdown_views import ICONS as ICONS
from .markdown_views import LOCKS_PER_FILE as LOCKS_PER_FILE
from .markdown_views import THRESHOLDS as THRESHOLDS
from .markdown_views import FileRow as FileRow
from .markdown_views import FindingView as FindingView
from .markdown_views import by_path as by_path
from .markdown_views import counts_text as counts_text
from .markdown_views import file_locks as file_locks
from .markdown_views import file_rows, finding_views
from .markdown_views import lock_text as lock_text
from .markdown_views import plural as plural
from .quoting import Quotes

MARKER = "<!-- migration-gate:pr-comment -->"
COMMENT_LIMIT = 65_000  # GitHub takes 65,536 characters in a comment, 65,535 in a check run summary
SUMMARY_LIMIT = 1_000_000  # GitHub's job summary takes up to 1 MiB per step
TRUNCATED_LINES = 6
TRUNCATED_WIDTH = 160
SUMMARY_MESSAGE_WIDTH = 200


# --------------------------------------------------------------------------- rendering


def _environment():
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("migration_gate", "templates"),
        autoescape=True,  # anything not passed through a filter below is HTML-escaped
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = lambda text: Markup(inline(text))
    env.filters["fenced"] = lambda code, lang="": Markup(fence(code, lang))
    env.filters["link"] = lambda text, url: Markup(link(text, url))
    env.filters["by_path"] = by_path
    return env


def size(body: str) -> int:
    return len(body.encode("utf-8"))


class _Renderer:
    def __init__(self, result):
        self.result = result
        self.template = _environment().get_template("pr_comment.md.j2")
        errors, warnings, infos = (result.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
        self.verdict = {
            "clean": not result.violations,
            "failed": result.failed,
            "counts": counts_text(errors, warnings, infos),
            "threshold": THRESHOLDS.get(result.fail_on, THRESHOLDS["error"]),
            "files": len(result.files),
            "statements": result.statement_count,
        }
        self.files = file_rows(result)

    def render(
        self,
        mode: str,
        findings: list[FindingView],
        files: list[FileRow] | None = None,
        finding_rows: int | None = None,
    ) -> str:
        files = self.files if files is None else files
        shown = findings if finding_rows is None else findings[:finding_rows]
        from markupsafe import Markup

        return self.template.render(
            marker=Markup(MARKER),
            verdict=self.verdict,
            mode=mode,
            files=files,
            omitted_files=len(self.files) - len(files),
            findings=shown,
            omitted_findings=len(findings) - len(shown),
        )


def render_markdown(result, context=None, limit: int = COMMENT_LIMIT) -> str:
    """The comment body, degraded until it is at most ``limit`` UTF-8 bytes."""
    renderer = _Renderer(result)
    quotes = Quotes(result)
    body = renderer.render("full", finding_views(result, quotes))
    if size(body) <= limit:
        return body
    body = renderer.render("truncated", finding_views(result, quotes, TRUNCATED_LINES, TRUNCATED_WIDTH))
    if size(body) <= limit:
        return body
    summary = finding_views(result, quotes, message_width=SUMMARY_MESSAGE_WIDTH)
    body = renderer.render("summary", summary)
    if size(body) <= limit:
        return body
    # Too many rows: drop the clean files from the table and keep as many findings as fit.  When even
    # the table of flagged files is too long (a scan of thousands of files), it gets half the room.
    flagged = [row for row in renderer.files if row.findings != "—"]

    def fits(files: list[FileRow], findings: int, budget: int = limit) -> bool:
        return size(renderer.render("summary", summary, files, findings)) <= budget

    if not fits(flagged, 0):
        flagged = flagged[: _largest(len(flagged), lambda n: fits(flagged[:n], 0, limit // 2))]
    shown = _largest(len(summary), lambda n: fits(flagged, n))
    return renderer.render("summary", summary, flagged, shown)


def _largest(upper: int, ok) -> int:
    """The largest n in [0, upper] with ok(n), for a monotone ok (ok(0) assumed)."""
    low, high = 0, upper
    while low < high:
        middle = (low + high + 1) // 2
        if ok(middle):
            low = middle
        else:
            high = middle - 1
    return low


def render(result, context) -> str:
    return render_markdown(result, context)
