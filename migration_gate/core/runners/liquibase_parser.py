"""Reading a Liquibase formatted SQL changelog: changesets (up sections) and their attributes, rollbacks
(down sections), the ignored lines, and masks for the rollback markers."""

from __future__ import annotations

import re
from typing import Any

from .base import DOWN, ONE_QUERY, SKIPPED, UP, Section, Shape
from .sqltext import blank, dollar_semicolons, line_spans

_HEADER = re.compile(r"\s*--\s*liquibase\s*formatted.*", re.I)
_CHANGESET = re.compile(r'\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*', re.I)
_ROLLBACK = re.compile(r"(\s*--[\s]*rollback )(.*)", re.I)
_ROLLBACK_START = re.compile(r"\s*/\*\s*liquibase\s*rollback\s*\Z", re.I)
_ROLLBACK_END = re.compile(r".*\*/\s*\Z")
_IGNORE_START = re.compile(r"\s*--\s*ignoreLines:start", re.I)
_IGNORE_END = re.compile(r"\s*--\s*ignoreLines:end", re.I)
_IGNORE_COUNT = re.compile(r"\s*--\s*ignoreLines:(\d+)", re.I)
_EMPTY_ROLLBACK = re.compile(r"\s*(not\s+required|empty)\s*\Z|.*changesetId\s*:", re.I)


def _attribute(line: str, name: str, pattern: str = r"(\w+)") -> str | None:
    match = re.search(rf"{name}:{pattern}", line, re.I)
    return match.group(1) if match else None


def _runs_on_postgresql(dbms: str | None) -> bool:
    if not dbms:
        return True
    names = [d.strip().lower() for d in dbms.split(",") if d.strip()]
    if any(n in ("postgresql", "all") for n in names):
        return True
    if "!postgresql" in names or "none" in names:
        return False
    return all(n.startswith("!") for n in names)


def is_formatted(text: str) -> bool:
    for start, end, _ in line_spans(text):
        line = text[start:end]
        if line.strip():
            return bool(_HEADER.match(line))
    return False


def parse_changelog(text: str) -> Shape:
    """Changesets (up sections), their rollbacks (down sections), masks for the rollback markers."""
    changelog = _Changelog(text)
    for start, end, after in line_spans(text):
        changelog.line(start, end, after)
    changelog.flush(len(text), SKIPPED)
    problems = _split_problems(text, changelog.split_checks)
    return Shape(sections=tuple(changelog.sections), masks=tuple(changelog.masks), problems=tuple(problems))


class _Changelog:
    """What :func:`parse_changelog` knows while it reads the changelog line by line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.sections: list[Section] = []
        self.masks: list[tuple[int, int, str]] = []
        self.changeset = -1
        self.attrs: dict[str, Any] = {}
        self.label = ""
        self.marker: tuple[int, int] | None = None
        self.split_check = False
        self.skipped = False  # the current changeset is for another database
        self.run_start = 0
        self.run_kind = SKIPPED  # up | down | empty (a declared empty rollback) | skipped
        self.in_block = False
        self.ignoring = 0  # lines left to ignore (-1: until ignoreLines:end)
        self.split_checks: list[tuple[int, int]] = []

    def flush(self, at: int, next_kind: str) -> None:
        """End the current run of lines at ``at``; the next one is of ``next_kind``."""
        run_start, run_kind, attrs, changeset = self.run_start, self.run_kind, self.attrs, self.changeset
        if at > run_start and changeset >= 0:
            if run_kind == UP:
                self.sections.append(
                    Section(UP, run_start, at, marker=self.marker, label=self.label, pair=changeset, **attrs)
                )
                if self.split_check:
                    self.split_checks.append((run_start, at))
            elif run_kind in (DOWN, "empty"):
                shown = "empty" if run_kind == "empty" else self.label
                undo = {k: v for k, v in attrs.items() if k in ("transaction", "opt_out")}  # runInTransaction too
                self.sections.append(
                    Section(DOWN, run_start, at, marker=self.marker, label=shown, pair=changeset, **undo)
                )
        self.run_start, self.run_kind = at, next_kind

    def line(self, start: int, end: int, after: int) -> None:
        line = self.text[start:end]
        if self.ignoring:
            self._ignored(line, after)
            return
        if self.in_block:
            if _ROLLBACK_END.match(line):
                close = line.rfind("*/")
                self.masks.append((start + close, start + close + 2, "  "))
                self.in_block = False
                self.flush(after, UP)
            return
        match = _CHANGESET.match(line)
        if match:
            self._changeset(line, match, start, end, after)
            return
        if self.changeset < 0 or self.skipped:
            return
        self._body(line, start, end, after)

    def _ignored(self, line: str, after: int) -> None:
        """A line inside ``ignoreLines``."""
        if self.ignoring < 0:
            if _IGNORE_END.match(line):
                self.ignoring = 0
                self.flush(after, UP)
            return
        self.ignoring -= 1
        if not self.ignoring:
            self.flush(after, UP)

    def _changeset(self, line: str, match: re.Match[str], start: int, end: int, after: int) -> None:
        """A ``--changeset author:id`` line and its attributes."""
        self.flush(start, SKIPPED)
        self.changeset += 1
        author, ident = (g.strip('"') for g in match.groups())
        self.label = f"changeset {author.strip()}:{ident}"
        self.marker = (start, end)
        attrs: dict[str, Any] = {}
        if (_attribute(line, "runInTransaction") or "").lower() == "false":
            attrs["transaction"] = False
            attrs["opt_out"] = "runInTransaction:false"
        split = (_attribute(line, "splitStatements") or "").lower() != "false"
        if not split:
            attrs["delivery"] = ONE_QUERY
        self.attrs = attrs
        self.split_check = split and not _attribute(line, r"\bendDelimiter", r"(\S+)")
        self.skipped = not _runs_on_postgresql(_attribute(line, "dbms", r"([^,\s][\w!,]*)"))
        self.run_start, self.run_kind = after, (SKIPPED if self.skipped else UP)

    def _body(self, line: str, start: int, end: int, after: int) -> None:
        """A line of a changeset: SQL, a rollback, or the start of ignored lines."""
        if _IGNORE_START.match(line):
            self.flush(start, SKIPPED)
            self.ignoring = -1
            return
        count = _IGNORE_COUNT.match(line)
        if count:
            self.flush(after, SKIPPED)
            self.ignoring = int(count.group(1))
            return
        rollback = _ROLLBACK.match(line)
        if rollback:
            kind = "empty" if _EMPTY_ROLLBACK.match(rollback.group(2)) else DOWN
            if self.run_kind != kind:
                self.flush(start, kind)
            if kind == DOWN:
                self.masks.append((start, start + len(rollback.group(1)), blank(rollback.group(1))))
            return
        if _ROLLBACK_START.match(line):
            self.flush(start, DOWN)
            self.masks.append((start, end, blank(line)))
            self.in_block = True
            return
        if self.run_kind != UP:
            self.flush(start, UP)


def _split_problems(text: str, split_checks: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """A ``;`` inside a dollar-quoted body of a changeset Liquibase splits on ``;``."""
    problems = []
    for begin, stop in split_checks:
        for at in dollar_semicolons(text, begin, stop)[:1]:
            problems.append(
                (
                    at,
                    at + 1,
                    "Liquibase splits the changeset on `;` and does not know dollar quotes: this `;` inside a $$ "
                    "body cuts the statement (Unterminated dollar quote); add splitStatements:false",
                )
            )
    return problems
