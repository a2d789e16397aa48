"""sql-migrate's SQL parser, as the gate reads it: the ``-- +migrate Up`` / ``Down`` sections (with
``notransaction``), where it cuts statements (lines ending in ``;``, ``StatementBegin`` … ``StatementEnd``
blocks), the commands it ignores, and the files it refuses."""

from __future__ import annotations

from typing import Any

from .base import DOWN, SKIPPED, UP, Section, Shape
from .sqltext import ends_with_semicolon, line_spans

PREFIX = "-- +migrate "
_UNENDED = "The last statement must be ended by a semicolon or '-- +migrate StatementEnd' marker."


def parse_migrate(text: str) -> Shape:
    """Sections, statement cuts, ignored commands, and sql-migrate's refusals."""
    reader = _Migrate()
    try:
        for start, end, after in line_spans(text):
            reader.line(text[start:end], start, end, after)
        reader.finish(text)
    except _Refused as refused:
        reader.problems.append((refused.start, refused.end, f"sql-migrate refuses this file: {refused.message}"))
        return Shape(sections=tuple(reader.sections), problems=tuple(reader.problems))
    return Shape(
        sections=tuple(reader.sections),
        cuts=tuple(reader.cuts),
        cut_rule="sql-migrate ends a statement at a line ending in `;` (outside StatementBegin … StatementEnd)",
        problems=tuple(reader.problems),
    )


class _Refused(Exception):
    """sql-migrate refuses the file: where, and its reason."""

    def __init__(self, start: int, end: int, message: str) -> None:
        super().__init__(message)
        self.start = start
        self.end = end
        self.message = message


class _Migrate:
    """What :func:`parse_migrate` knows while it reads the file line by line."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.cuts: list[int] = []
        self.problems: list[tuple[int, int, str]] = []
        self.direction: str | None = None
        self.current: list[Any] | None = None
        self.in_block = False
        self.block_start = 0
        self.buffered: int | None = None  # start of the statement being collected

    def line(self, line: str, start: int, end: int, after: int) -> None:
        if line.startswith("-- ") and not line.startswith("-- +"):
            return
        if line.startswith(PREFIX):
            self._command(line, start, end, after)
            return
        if self.direction is None:
            return
        if line.startswith("-- +"):
            return
        if self.in_block:
            return
        if self.buffered is None and line.strip():
            self.buffered = start
        if ends_with_semicolon(line):
            self.cuts.append(after)
            self.buffered = None

    def _command(self, line: str, start: int, end: int, after: int) -> None:
        """A ``-- +migrate …`` line."""
        fields = line[len(PREFIX) :].split()
        command, options = (fields[0], fields[1:]) if fields else ("", [])
        if command in ("Up", "Down"):
            if self.buffered is not None:
                raise _Refused(self.buffered, end, _UNENDED)
            current = self.current
            if current is not None:
                self.sections.append(Section(current[0], current[1], start, marker=current[2], **current[3]))
            elif start > 0:
                self.sections.append(Section(SKIPPED, 0, start))
            self.direction = UP if command == "Up" else DOWN
            extra: dict[str, Any] = {}
            if "notransaction" in options:
                extra = {"transaction": False, "opt_out": line.rstrip()}
            self.current = [self.direction, after, (start, end), extra]
        elif command == "StatementBegin":
            if self.direction is not None:
                self.in_block = True
                self.block_start = start
        elif command == "StatementEnd":
            if self.direction is not None and self.in_block:
                self.in_block = False
                self.cuts.append(after)
                self.buffered = None
        else:
            self.problems.append(
                (
                    start,
                    end,
                    f"sql-migrate ignores the unknown command {command!r} (commands are Up, Down, "
                    "StatementBegin and StatementEnd, case-sensitive): the statements after it stay in the "
                    f"{'no' if self.direction is None else self.direction} section",
                )
            )

    def finish(self, text: str) -> None:
        """The end of the file: an open block or statement is refused; the last section is closed."""
        if self.in_block:
            raise _Refused(
                self.block_start, self.block_start, "saw '-- +migrate StatementBegin' with no matching StatementEnd"
            )
        if self.direction is None:
            raise _Refused(0, 0, "no Up/Down annotations found, so no statements were executed")
        if self.buffered is not None:
            raise _Refused(self.buffered, len(text.rstrip()), _UNENDED)
        current = self.current
        assert current is not None
        self.sections.append(Section(current[0], current[1], len(text), marker=current[2], **current[3]))
