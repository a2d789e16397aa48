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

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..core.lockmodes import label, strength
from ..core.names import display_name
from ..core.severity import Severity
from ..core.sizing import bytes_text, count_text, duration_text
from .quoting import Quotes

MARKER = "<!-- migration-gate:pr-comment -->"
COMMENT_LIMIT = 65_000  # GitHub takes 65,536 characters in a comment, 65,535 in a check run summary
SUMMARY_LIMIT = 1_000_000  # GitHub's job summary takes up to 1 MiB per step
TRUNCATED_LINES = 6
TRUNCATED_WIDTH = 160
SUMMARY_MESSAGE_WIDTH = 200
LOCKS_PER_FILE = 8

ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}

# --------------------------------------------------------------------------- making user text inert

_MD_PUNCTUATION = {c: "\\" + c for c in "\\`*_[]|~"}
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# @user, @org/team, #123; and GitLab's !123 (merge request), ~label, %milestone, $123 (snippet), &123 (epic)
_MENTION_OR_REFERENCE = re.compile(r"([@#!~%$]|&amp;)(?=[A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")


def inline(text: str) -> str:
    """User text for inline Markdown (a paragraph or a table cell), made inert."""
    out = []
    for ch in str(text):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_PUNCTUATION:
            out.append(_MD_PUNCTUATION[ch])
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    # A zero-width space after @ or # stops GitHub (and after !, ~, %, $ or & GitLab) from linking, and
    # notifying, users, teams, issues, merge requests, labels, milestones, snippets and epics.
    return _MENTION_OR_REFERENCE.sub(r"\1&#8203;", "".join(out))


def fence(code: str, lang: str = "") -> str:
    """A fenced code block that no backtick run inside ``code`` can close."""
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(code)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{lang}\n{code}\n{marks}"


def link(text: str, url: str) -> str:
    """``[text](url)`` for an http(s) URL; the text alone otherwise."""
    label = inline(text)
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return label
    safe_url = quote(url, safe="/:?#&=%+,;@!$'*.-_~")
    return f"[{label}]({safe_url})"


# --------------------------------------------------------------------------- the data the template shows


@dataclass(frozen=True, slots=True)
class FileRow:
    path: str
    icon: str
    verdict: str
    findings: str
    locks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingView:
    path: str
    line: int
    column: int
    rule: str
    code: str
    severity: str
    icon: str
    doc: str
    message: str
    help: str
    excerpt: str


def lock_text(
    table: str,
    mode: str,
    rewrite: bool,
    scan: bool,
    rows: int | None = None,
    size: int | None = None,
    seconds: float | None = None,
) -> str:
    """``ACCESS EXCLUSIVE on orders, rewrite``; with table statistics
    ``ACCESS EXCLUSIVE on orders (~48M rows, 12 GB), rewrite ~3 min``."""
    text = f"{label(mode)} on {display_name(table)}"
    sizes = [f"~{count_text(rows)} rows" if rows is not None else "", bytes_text(size) if size is not None else ""]
    if any(sizes):
        text += f" ({', '.join(s for s in sizes if s)})"
    if rewrite:
        text += ", rewrite"
    elif scan:
        text += ", scan"
    if seconds is not None:
        text += f"{',' if not (rewrite or scan) else ''} {duration_text(seconds)}"
    return text


def file_locks(statements) -> tuple[str, ...]:
    """The locks a file's statements take, strongest first, one entry per (table, mode); with table
    statistics, the table's size and the estimated duration of the work done under the lock (summed)."""
    merged: dict[tuple[str, str], list] = {}
    for statement in statements:
        for lock in statement.locks:
            entry = merged.setdefault((lock.table, lock.mode), [False, False, None, None, None])
            entry[0] |= bool(lock.rewrite)
            entry[1] |= bool(lock.scan)
            rows, size = getattr(lock, "rows", None), getattr(lock, "bytes", None)
            seconds = getattr(lock, "estimated_seconds", None)
            entry[2] = rows if rows is not None else entry[2]
            entry[3] = size if size is not None else entry[3]
            if seconds is not None:
                entry[4] = (entry[4] or 0.0) + seconds
    ordered = sorted(merged.items(), key=lambda item: (-strength(item[0][1]), item[0][0], item[0][1]))
    texts = [lock_text(table, mode, *details) for (table, mode), details in ordered]
    if len(texts) > LOCKS_PER_FILE:
        texts = [*texts[:LOCKS_PER_FILE], f"… and {len(texts) - LOCKS_PER_FILE} more"]
    return tuple(texts)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def counts_text(errors: int, warnings: int, infos: int) -> str:
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} and {plural(infos, 'info')}"


THRESHOLDS = {
    "error": "errors fail the gate",
    "warning": "errors and warnings fail the gate",
    "info": "every finding fails the gate",
    "never": "nothing fails the gate (fail_on: never)",
}


def _file_rows(result) -> list[FileRow]:
    by_path: dict[str, list] = {}
    for f in result.files:
        by_path.setdefault(f.migration.display, [])
    for v in result.violations:
        if v.path:
            by_path.setdefault(v.path, []).append(v)
    statements: dict[str, list] = {}
    for s in result.statements:
        statements.setdefault(s.path, []).append(s)
    rows = []
    for path in sorted(by_path):
        found = by_path[path]
        worst = max((v.severity for v in found), default=None)
        counts = [
            plural(sum(1 for v in found if v.severity == sev), label)
            for sev, label in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "info"))
            if any(v.severity == sev for v in found)
        ]
        rows.append(
            FileRow(
                path=path,
                icon=ICONS[worst] if worst is not None else "✅",
                verdict=worst.label if worst is not None else "clean",
                findings=", ".join(counts) or "—",
                locks=file_locks(statements.get(path, ())),
            )
        )
    return rows


def _shorten(text: str, lines: int | None, width: int | None) -> str:
    if lines is None or width is None:
        return text
    all_lines = text.splitlines()
    kept = [line if len(line) <= width else line[: width - 1] + "…" for line in all_lines[:lines]]
    if len(all_lines) > lines:
        kept.append(f"-- … ({len(all_lines) - lines} more lines)")
    return "\n".join(kept)


def _finding_views(
    result, quotes: Quotes, excerpt_lines: int | None = None, width: int | None = None, message_width: int | None = None
) -> list[FindingView]:
    views = []
    for v in result.violations:
        message = v.message
        if message_width is not None and len(message) > message_width:
            message = message[: message_width - 1] + "…"
        views.append(
            FindingView(
                path=v.path,
                line=v.line,
                column=v.column,
                rule=v.rule,
                code=v.code,
                severity=v.severity.label,
                icon=ICONS[v.severity],
                doc=quotes.doc(v),
                message=message,
                help=v.help,
                excerpt=_shorten(excerpt, excerpt_lines, width) if (excerpt := quotes.excerpt(v)) else "",
            )
        )
    return views


def by_path(findings: list[FindingView]) -> list[tuple[str, list[FindingView]]]:
    """Consecutive findings of one file, in report order (Jinja's groupby would re-sort them)."""
    groups: list[tuple[str, list[FindingView]]] = []
    for finding in findings:
        if not groups or groups[-1][0] != finding.path:
            groups.append((finding.path, []))
        groups[-1][1].append(finding)
    return groups


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
        self.files = _file_rows(result)

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
    body = renderer.render("full", _finding_views(result, quotes))
    if size(body) <= limit:
        return body
    body = renderer.render("truncated", _finding_views(result, quotes, TRUNCATED_LINES, TRUNCATED_WIDTH))
    if size(body) <= limit:
        return body
    summary = _finding_views(result, quotes, message_width=SUMMARY_MESSAGE_WIDTH)
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
