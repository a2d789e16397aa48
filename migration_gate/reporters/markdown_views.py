"""The data the pull-request comment's template shows: a row per file (verdict, counts, locks taken) and a
view per finding (rule, page, message, help, the SQL excerpt), from a run's result.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.lockmodes import label, strength
from ..core.names import display_name
from ..core.severity import Severity
from ..core.sizing import bytes_text, count_text, duration_text
from .quoting import Quotes

LOCKS_PER_FILE = 8

ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}


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


def file_rows(result) -> list[FileRow]:
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


def finding_views(
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
