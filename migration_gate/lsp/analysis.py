"""What the language server knows about one open migration: the same check ``migration-gate check`` runs.

:meth:`Workspace.analyze` takes the editor's buffer for a file, finds the
configuration as ``check`` does (walking up from the file), and runs the
whole check (:func:`migration_gate.run.run_check`) on the file with the
buffer's text in place of what is on disk, through the core's one load
pipeline (the scheduler hands the bytes to ``analyze_file(data=…)``).  So the
findings, their positions and their levels are those of ``check``.

* Only files inside a configured migrations folder are analysed.
* History rules (modified merged migrations, versions out of order,
  duplicates against the base): when the file is in a git repository with a
  base (the merge-base with ``origin/HEAD``, as ``check`` finds it), the base
  is read when the file is opened or saved and kept for the edits in
  between; the change set's other files come from the result cache, so a
  keystroke costs one file's analysis.
* With a base, ``check`` analyses the change set in version order (a table
  created by an earlier new migration is new to a later one); the server
  does the same, and reports only the open file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.findings import Violation
from ..core.migration import MigrationFile
from ..core.results import StatementReport
from ..discovery import Scope, absolute_key, classify, configured_locations, scope_from_config
from .positions import Utf16Lines


@dataclass(slots=True)
class Related:
    """A second place a finding points at (another file, or another statement of this one)."""

    path: Path
    start: int  # character offsets into that file's text (0, 0 for "the file")
    end: int
    message: str


@dataclass(slots=True)
class Analysis:
    path: Path
    text: str
    lines: Utf16Lines
    config: Config
    migration: MigrationFile
    violations: list[Violation]
    statements: list[StatementReport]
    #: Top-level statements as (start, end, kind, node): what the fixes and related places need.
    spans: list[tuple[int, int, str, dict[str, Any]]] = field(default_factory=list)
    project_files: list[MigrationFile] = field(default_factory=list)
    location: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def text_without_bom(self) -> str:
        """The buffer as the gate reads it (offsets into this are what findings and fixes use)."""
        return self.lines.index.text

    def statement_at(self, line: int) -> StatementReport | None:
        """The statement report covering a 1-based line."""
        for report in self.statements:
            if report.line <= line <= report.end_line:
                return report
        return None


def location_of(path: Path, config: Config) -> Path | None:
    """The configured migrations folder that holds ``path`` (None: not a migration)."""
    resolved = path.resolve()
    for location, _ in configured_locations(config):
        try:
            resolved.relative_to(location.resolve())
            return location
        except ValueError:
            continue
    return None


class Workspace:
    """The server's state: the base read per repository, refreshed on open and save."""

    def __init__(self) -> None:
        self.histories: dict[str, object] = {}  # config root → History (or None: no base)

    def analyze(self, path: Path, text: str, *, refresh_history: bool = False) -> Analysis | None:
        """Check ``path`` as ``check`` would, with ``text`` as its content; None outside a migrations folder.

        Raises the gate's UsageError or ConfigError (a bad configuration, a missing folder).
        """
        from ..batch import Schedule
        from ..config import load_config
        from ..core.load import load_file
        from ..run import run_check

        config = load_config(None, search_from=path)
        location = location_of(path, config)
        if location is None or path.suffix != ".sql":
            return None
        scope = scope_from_config(config)
        key = absolute_key(path)
        migration = next((f for f in scope.project.files if absolute_key(f.path) == key), None)
        if migration is None:  # a new file the editor has not saved yet
            rel = path.resolve().relative_to(location.resolve()).as_posix()
            display = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
            migration = classify(path, display, location, config, rel)
            scope.project.add(migration)
        notes: list[str] = []
        scope = self._with_history(scope, config, path, refresh_history, notes)
        files = list(scope.files) if scope.change_set else []
        if all(absolute_key(f.path) != key for f in files):
            files.append(migration)
        scope = replace(scope, files=_in_run_order(files))
        data = text.encode("utf-8", "surrogatepass")
        schedule = Schedule(cache_dir=_cache_dir(config), workers=1, contents={key: data})
        result = run_check(scope, config, schedule=schedule, want_statements=True)
        notes.extend(result.notes)
        loaded = load_file(migration, config, data)
        spans = [(s.start, s.end, s.kind, s.node) for s in (loaded.parse.statements if loaded.parse else [])]
        return Analysis(
            path=path,
            text=text,
            lines=Utf16Lines(text),
            config=config,
            migration=migration,
            violations=[v for v in result.violations if v.path == migration.display],
            statements=[s for s in result.statements if s.path == migration.display],
            spans=spans,
            project_files=list(scope.project.files),
            location=location,
            notes=notes,
        )

    def _with_history(self, scope: Scope, config: Config, path: Path, refresh: bool, notes: list[str]) -> Scope:
        from ..errors import UsageError
        from ..history.git import restrict_scope

        root = str(config.root)
        if refresh or root not in self.histories:
            from ..history.changeset import attach_history

            try:
                scoped = attach_history(scope, base=None, auto=True, start=path.parent, notes=notes)
            except UsageError as exc:
                notes.append(f"note: history checks skipped: {exc}")
                self.histories[root] = None
                return scope
            self.histories[root] = scoped.history
            return scoped
        history = self.histories[root]
        if history is None or not getattr(history, "active", False):
            return scope
        return restrict_scope(scope, history)  # type: ignore[arg-type]


def _in_run_order(files: list[MigrationFile]) -> list[MigrationFile]:
    order = {"versioned": 0, "repeatable": 1, "rollback": 2, "other": 3}
    return sorted(
        files, key=lambda f: (order[f.kind], f.version.key if f.kind == "versioned" and f.version else (), f.display)
    )


def _cache_dir(config: Config) -> Path | None:
    if config.cache_dir:
        return config.root / config.cache_dir
    from ..batch.cache import default_dir

    return default_dir()


# --------------------------------------------------------------------------- second places


def related_places(analysis: Analysis, v: Violation) -> list[Related]:
    """The other places a finding points at: the files that share a version; for a finding on a
    statement inside ``BEGIN … COMMIT``, where the transaction that holds its locks opens and ends."""
    places: list[Related] = []
    if v.rule == "duplicate-migration-version" and analysis.migration.version is not None:
        for other in analysis.project_files:
            if (
                other.kind == analysis.migration.kind
                and other.version == analysis.migration.version
                and absolute_key(other.path) != absolute_key(analysis.path)
            ):
                places.append(Related(other.path, 0, 0, f"{other.display} has version {other.version} too"))
    held = _HELD.search(v.message) if v.rule == "long-operation-under-held-lock" else None
    if held is not None:  # the statement that took the lock the long step runs under
        line = int(held.group(1))
        for span_start, span_end, _, _ in analysis.spans:
            if analysis.lines.index.position(span_start)[0] == line:
                places.append(
                    Related(analysis.path, span_start, span_end, f"the lock is taken here, by {held.group(2)}")
                )
                break
    at = v.statement[0] if v.statement is not None else _offset(analysis, v) if v.in_text else None
    if at is not None:
        begin, end = _transaction_around(analysis.spans, at)
        report = analysis.statement_at(v.line)
        locks = ", ".join(_lock_words(lock) for lock in report.locks) if report is not None else ""
        if begin is not None:
            places.append(Related(analysis.path, begin[0], begin[1], "the transaction opens here"))
            if end is not None:
                what = f"{locks}, taken by this statement, {'is' if ',' not in locks else 'are'}" if locks else ""
                message = f"{what} held until here" if what else "the transaction ends here"
                places.append(Related(analysis.path, end[0], end[1], message))
    return places


def _offset(analysis: Analysis, v: Violation) -> int:
    starts = analysis.lines.index.starts
    return starts[min(v.line, len(starts)) - 1] + v.column - 1


#: How long-operation-under-held-lock names the statement that took the lock (its message is the contract).
_HELD = re.compile(r"taken at line (\d+) by (.+?): that lock")


def _lock_words(lock: Any) -> str:
    from ..core.lockmodes import label
    from ..core.names import display_name

    return f"{label(lock.mode)} on {display_name(lock.table)}"


_BEGINS = ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
_ENDS = ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED", "TRANS_STMT_ROLLBACK_PREPARED")


def _transaction_around(
    spans: list[tuple[int, int, str, dict[str, Any]]], offset: int
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The BEGIN before ``offset`` that no COMMIT closed yet, and the COMMIT that closes it."""
    begin = None
    for start, end, kind, node in spans:
        if start >= offset:
            break
        if kind == "TransactionStmt" and node.get("kind") in _BEGINS:
            begin = (start, end)
        elif kind == "TransactionStmt" and node.get("kind") in _ENDS:
            begin = None
    if begin is None:
        return None, None
    for start, end, kind, node in spans:
        if start > offset and kind == "TransactionStmt" and node.get("kind") in _ENDS:
            return begin, (start, end)
    return begin, None
