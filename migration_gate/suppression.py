"""Directives in SQL comments.

* ``-- migration-gate: ignore <rule>[, <rule>] -- <reason>``: the next statement;
* ``-- migration-gate: ignore-file <rule>[, <rule>] -- <reason>``: the whole file;
* ``-- migration-gate: no-transaction``: the runner does not wrap this file.

Rules are named by code or name (or alias).  A reason is required: an ignore
without one is not applied and is reported, as are unknown rule names and
ignores that suppress nothing (all as ``unused-ignore``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .parse import comment_tokens
from .source import Source

MARKER = "migration-gate:"
_DIRECTIVE = re.compile(
    r"migration-gate:\s*(?P<verb>ignore-file|ignore|no-transaction)\b(?P<rest>.*)", re.S
)


@dataclass(slots=True)
class Ignore:
    rules: tuple[str, ...]  # canonical rule names
    whole_file: bool
    reason: str
    offset: int  # where the comment is (original text)
    end: int
    statement: int | None = None  # index of the statement it applies to
    region: tuple[int, int] = (0, 0)  # offsets it covers, for findings not tied to a parsed statement
    used: bool = False
    position: tuple[int, int, int, int] = (1, 1, 1, 1)  # line, column, end line, end column


@dataclass(slots=True)
class Directives:
    ignores: list[Ignore] = field(default_factory=list)
    no_transaction: bool = False
    problems: list[tuple[int, int, str]] = field(default_factory=list)  # (offset, end, message)


def read_directives(source: Source, statements: list[tuple[int, int]]) -> Directives:
    """Find directives in comments; ``statements`` are the top-level (start, end) spans."""
    from .rules import registry

    directives = Directives()
    text = source.parsed_text
    if MARKER not in text:
        return directives
    for start, end, body in comment_tokens(text):
        if MARKER not in body:
            continue
        match = _DIRECTIVE.search(body)
        o_start, o_end = source.original_offset(start), source.original_offset(end)
        if not match:
            directives.problems.append(
                (o_start, o_end, "unrecognised migration-gate directive (use ignore, ignore-file or no-transaction)"))
            continue
        verb = match["verb"]
        rest = match["rest"]
        if body.startswith("/*"):
            rest = rest.rsplit("*/", 1)[0]
        if verb == "no-transaction":
            directives.no_transaction = True
            continue
        names_text, sep, reason = rest.partition("--")
        names = [n.strip() for n in names_text.replace(",", " ").split() if n.strip()]
        reason = reason.strip()
        if not names:
            directives.problems.append((o_start, o_end, f"`{verb}` names no rule"))
            continue
        rules = []
        for name in names:
            rule = registry.lookup(name)
            if rule is None:
                directives.problems.append((o_start, o_end, f"unknown rule {name!r} in `{verb}`"))
            else:
                rules.append(rule.name)
        if not sep or not reason:
            directives.problems.append(
                (o_start, o_end, f"`{verb}` without a reason is not applied: "
                 f"write `-- migration-gate: {verb} {', '.join(names)} -- <why this is safe>`"))
            continue
        if not rules:
            continue
        ignore = Ignore(tuple(rules), verb == "ignore-file", reason, o_start, o_end)
        if not ignore.whole_file:
            ignore.statement = _next_statement(statements, o_end)
            region_end = statements[ignore.statement][1] if ignore.statement is not None else len(source.text)
            ignore.region = (o_end, region_end)
        directives.ignores.append(ignore)
    return directives


def _next_statement(statements: list[tuple[int, int]], offset: int) -> int | None:
    for index, (start, _) in enumerate(statements):
        if start >= offset:
            return index
    return None
