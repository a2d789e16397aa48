"""goose's SQL parser, as the gate reads it: the ``-- +goose Up`` / ``Down`` sections, where goose cuts
statements (lines ending in ``;``, ``StatementBegin`` … ``StatementEnd`` blocks), ``NO TRANSACTION``,
``ENVSUB``, and the files goose refuses."""

from __future__ import annotations

import re
from typing import Any

from .base import DOWN, SKIPPED, UP, Section, Shape
from .sqltext import ends_with_semicolon, line_spans

_ANNOTATIONS = {
    "up": "Up",
    "down": "Down",
    "statementbegin": "StatementBegin",
    "statementend": "StatementEnd",
    "no transaction": "NO TRANSACTION",
    "envsub on": "ENVSUB ON",
    "envsub off": "ENVSUB OFF",
}


_ENVSUB = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^}\n]*)?\}")


def parse_annotated(text: str, runner: str, *, bom: bool = False) -> Shape:
    """goose's SQL parser: sections, statement cuts, ``NO TRANSACTION``, ``ENVSUB``, and its refusals."""
    reader = _Annotated(bom)
    try:
        for start, end, after in line_spans(text):
            reader.line(text[start:end], start, end, after)
        reader.finish(text)
    except _Refused as refused:
        problem = (refused.start, refused.end, f"goose refuses this file: {refused.message}")
        return Shape(sections=tuple(reader.sections), masks=tuple(reader.masks), problems=(problem,))
    return Shape(
        sections=tuple(reader.sections),
        masks=tuple(reader.masks),
        cuts=tuple(reader.cuts),
        cut_rule=f"{runner} ends a statement at a line ending in `;` (outside StatementBegin … StatementEnd)",
        transaction=False if reader.no_transaction else None,
        opt_out=reader.no_transaction,
    )


class _Refused(Exception):
    """goose refuses the file: where, and goose's reason."""

    def __init__(self, start: int, end: int, message: str) -> None:
        super().__init__(message)
        self.start = start
        self.end = end
        self.message = message


class _Annotated:
    """What :func:`parse_annotated` knows while it reads the file line by line."""

    def __init__(self, bom: bool) -> None:
        self.bom = bom
        self.sections: list[Section] = []
        self.cuts: list[int] = []
        self.masks: list[tuple[int, int, str]] = []
        self.state = "start"  # start | up | down
        self.in_block = False
        self.block_start = 0
        self.buffer_start: int | None = None  # where the statement being collected starts
        self.current: list[Any] | None = None  # [direction, start, marker]
        self.no_transaction: str | None = None
        self.envsub = False
        self.first = True

    def close(self, at: int) -> None:
        if self.current is not None:
            self.sections.append(Section(self.current[0], self.current[1], at, marker=self.current[2]))

    def line(self, line: str, start: int, end: int, after: int) -> None:
        if self.first and self.bom and line.lstrip(" \t").startswith("--"):
            self.first = False
            raise _Refused(start, end, f"unexpected state 0 on line {line!r}: the file starts with a BOM")
        self.first = False
        stripped = line.strip()
        if stripped.startswith("--") and "+goose" in line:
            self._annotated(line, start, end, after)
            return
        if self.buffer_start is None and not self.in_block and (stripped.startswith("--") or not stripped):
            return  # comments and blank lines before a statement are dropped
        if self.state == "start":
            raise _Refused(start, end, f"unexpected state 0 on line {line!r}: only comments may come before Up")
        if self.envsub:
            for match in _ENVSUB.finditer(line):
                self.masks.append((start + match.start(), start + match.end(), _identifier(match.group())))
        if self.in_block:
            return
        if self.buffer_start is None:
            self.buffer_start = start
        if ends_with_semicolon(line):
            self.cuts.append(after)
            self.buffer_start = None

    def _annotated(self, line: str, start: int, end: int, after: int) -> None:
        """A ``-- +goose …`` line."""
        annotation, problem = _annotation(line)
        if problem:
            raise _Refused(start, end, f"failed to parse annotation line {line!r}: {problem}")
        if annotation == "Up":
            if self.state != "start":
                raise _Refused(start, end, "duplicate '-- +goose Up' annotations")
            self.state = "up"
            self.current = [UP, after, (start, end)]
            if self.sections or start > 0:
                self.sections.append(Section(SKIPPED, 0, start))
        elif annotation == "Down":
            if self.state != "up" or self.in_block:
                raise _Refused(start, end, "must start with '-- +goose Up' annotation")
            if self.buffer_start is not None:
                raise _Refused(
                    self.buffer_start, end, "unexpected unfinished SQL query before Down: missing semicolon?"
                )
            self.close(start)
            self.state = "down"
            self.current = [DOWN, after, (start, end)]
        elif annotation == "StatementBegin":
            if self.state == "start" or self.in_block:
                raise _Refused(start, end, "'-- +goose StatementBegin' must be defined after '-- +goose Up' or Down")
            self.in_block = True
            self.block_start = start
        elif annotation == "StatementEnd":
            if not self.in_block:
                raise _Refused(start, end, "'-- +goose StatementEnd' must be defined after StatementBegin")
            self.in_block = False
            self.cuts.append(after)
            self.buffer_start = None
        elif annotation == "NO TRANSACTION":
            self.no_transaction = self.no_transaction or "-- +goose NO TRANSACTION"
        else:
            self.envsub = annotation == "ENVSUB ON"

    def finish(self, text: str) -> None:
        """The end of the file: an open block or statement is refused; the last section is closed."""
        if self.in_block:
            raise _Refused(self.block_start, self.block_start, "missing '-- +goose StatementEnd' annotation")
        if self.state == "start":
            raise _Refused(0, 0, "must start with '-- +goose Up' annotation")
        if self.buffer_start is not None:
            end = len(text.rstrip())
            raise _Refused(self.buffer_start, end, "unexpected unfinished SQL query: missing semicolon?")
        self.close(len(text))


def _annotation(line: str) -> tuple[str | None, str | None]:
    """goose's ``extractAnnotation``: (annotation, None) or (None, why it is refused)."""
    if line.startswith((" ", "\t")):
        return None, "contains leading whitespace: invalid annotation"
    command = line.replace("--", "").replace("+goose", "", 1)
    if "+goose" in command:
        return None, "contains multiple '+goose' annotations"
    command = command.strip()
    known = _ANNOTATIONS.get(command.lower())
    if known is None:
        return None, f"{command!r} not supported: invalid annotation"
    return known, None


def _identifier(text: str) -> str:
    """A same-length identifier standing for an environment reference."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in text)
