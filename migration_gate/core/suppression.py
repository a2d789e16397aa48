"""Directives in SQL comments.

* ``-- migration-gate: ignore <rule>[, <rule>] -- <reason>``: the next statement;
* ``-- migration-gate: ignore-file <rule>[, <rule>] -- <reason>``: the whole file;
* ``-- migration-gate: no-transaction``: the runner does not wrap this file.

Rules are named by code or name (or alias).  A reason is required: an ignore
without one is not applied and is reported, as are unknown rule names and
ignores that suppress nothing (all as ``unused-ignore``).

squawk's comments work as they are (its rule names are aliases):

* ``-- squawk-ignore <rule>[, <rule>]``: squawk suppresses a finding that
  *starts* on the comment's line or the next line.  Here it covers every
  statement that has a part on either line (a trailing comment covers its own
  statement, a comment above covers the next one, whole): a superset of what
  squawk suppresses, so a file squawk passes never gets new findings from it.
* ``-- squawk-ignore-file [<rule>, …]``: the whole file; without names every
  rule, ``unused-ignore`` included.
* ``-- squawk-disable-assume-in-transaction``: like ``no-transaction``.

squawk's comments need no reason (squawk has none); the directive must start
the comment (``--`` or ``/* */``), and text after a further ``--`` is ignored,
as squawk does.

This module is the whole suppression stage: reading the directives, applying
them to one file's findings (:func:`resolve`), ``ignore-file`` over the
project-rule findings about a file (:func:`apply_file_ignores`), and the
ignores that suppressed nothing (:func:`unused_ignores`).  It is longer than
300 lines on purpose: a directive's reading (what it covers) and its applying
(what it suppresses, when it counts as used) are one contract, kept in one
module as the architecture gives the suppression stage one module.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from .config import Config
from .context import FileContext, StatementContext
from .findings import Finding, Violation
from .parse import comment_tokens
from .ruleset import RuleSet
from .source import Source
from .violations import locate, make_violation

MARKER = "migration-gate:"
_DIRECTIVE = re.compile(r"migration-gate:\s*(?P<verb>ignore-file|ignore|no-transaction)\b(?P<rest>.*)", re.S)
SQUAWK_MARKER = "squawk-"
_SQUAWK_IGNORE = re.compile(r"(?P<verb>squawk-ignore-file|squawk-ignore)(?P<rest>.*)", re.S)
_SQUAWK_NO_TRANSACTION = "squawk-disable-assume-in-transaction"
#: ``Ignore.rules`` of a ``squawk-ignore-file`` without names: every rule.
EVERY_RULE = "*"


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
    #: ``migration-gate`` or ``squawk`` (whose comment it is).
    origin: str = "migration-gate"
    #: A ``squawk-ignore`` also covers these statements (after ``statement``).
    more_statements: tuple[int, ...] = ()

    def covers(self, rule_name: str) -> bool:
        return rule_name in self.rules or EVERY_RULE in self.rules


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
    if MARKER not in text and SQUAWK_MARKER not in text:
        return directives
    starts = [start for start, _ in statements]
    for start, end, body in comment_tokens(text):
        if SQUAWK_MARKER in body:
            _read_squawk_directive(directives, source, statements, starts, start, body)
        if MARKER not in body:
            continue
        match = _DIRECTIVE.search(body)
        o_start, o_end = source.original_offset(start), source.original_offset(end)
        if not match:
            directives.problems.append(
                (o_start, o_end, "unrecognised migration-gate directive (use ignore, ignore-file or no-transaction)")
            )
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
        rules: list[str] = []
        for name in names:
            named = registry.lookup_all(name)  # an alias may name several rules
            if not named:
                directives.problems.append((o_start, o_end, f"unknown rule {name!r} in `{verb}`"))
            rules.extend(rule.name for rule in named if rule.name not in rules)
        if not sep or not reason:
            directives.problems.append(
                (
                    o_start,
                    o_end,
                    f"`{verb}` without a reason is not applied: "
                    f"write `-- migration-gate: {verb} {', '.join(names)} -- <why this is safe>`",
                )
            )
            continue
        if not rules:
            continue
        ignore = Ignore(tuple(rules), verb == "ignore-file", reason, o_start, o_end)
        if not ignore.whole_file:
            ignore.statement = _next_statement(starts, o_end)
            region_end = statements[ignore.statement][1] if ignore.statement is not None else len(source.text)
            ignore.region = (o_end, region_end)
        directives.ignores.append(ignore)
    return directives


def _read_squawk_directive(
    directives: Directives,
    source: Source,
    statements: list[tuple[int, int]],
    starts: list[int],
    start: int,
    comment: str,
) -> None:
    """One squawk comment, read as squawk 2.70 reads it (``squawk_linter/src/ignore.rs``)."""
    from .rules import registry

    inner = comment[2:-2] if comment.startswith("/*") else comment[2:]
    skipped = len(inner) - len(inner.lstrip())
    body = inner.lstrip().split("--", 1)[0]  # a further `--` starts a comment of the comment
    if body.strip() == _SQUAWK_NO_TRANSACTION:
        directives.no_transaction = True
        return
    match = _SQUAWK_IGNORE.match(body)
    if match is None:
        return
    verb = match["verb"]
    at = start + 2 + skipped  # where the directive's text starts (its line is what squawk counts)
    o_start = source.original_offset(at)
    o_end = source.original_offset(start + len(comment.rstrip()))
    names = [n.strip() for n in match["rest"].split(",") if n.strip()]
    whole_file = verb == "squawk-ignore-file"
    if not names:
        if whole_file:
            directives.ignores.append(Ignore((EVERY_RULE,), True, "", o_start, o_end, origin="squawk"))
        else:
            directives.problems.append((o_start, o_end, "`squawk-ignore` names no rule, so it suppresses nothing"))
        return
    rules: list[str] = []
    for name in names:
        named = registry.lookup_all(name)
        if not named:
            directives.problems.append((o_start, o_end, f"unknown rule {name!r} in `{verb}`"))
        rules.extend(rule.name for rule in named if rule.name not in rules)
    if not rules:
        return
    ignore = Ignore(tuple(rules), whole_file, "", o_start, o_end, origin="squawk")
    if not whole_file:
        lines = source.lines
        line, _ = lines.position(o_start)
        first = lines.starts[line - 1]
        last = lines.starts[line + 1] if line + 1 < len(lines.starts) else len(source.text)
        covered = _statements_between(statements, starts, first, last)
        if covered:
            ignore.statement, ignore.more_statements = covered[0], tuple(covered[1:])
            last = max(last, statements[covered[-1]][1])
        ignore.region = (first, last)
    directives.ignores.append(ignore)


def _statements_between(statements: list[tuple[int, int]], starts: list[int], first: int, last: int) -> list[int]:
    """The statements that have a part in ``[first, last)``.

    Top-level statements come in order and do not overlap, so their ends ascend too: the ones starting
    before ``last`` are a prefix (bisected), and those of them ending after ``first`` its tail.
    """
    index = bisect_left(starts, last)
    covered: list[int] = []
    while index > 0 and statements[index - 1][1] > first:
        index -= 1
        covered.append(index)
    covered.reverse()
    return covered


def _next_statement(starts: list[int], offset: int) -> int | None:
    """The first statement starting at or after ``offset`` (``starts`` ascend: statements come in order)."""
    index = bisect_left(starts, offset)
    return index if index < len(starts) else None


# --------------------------------------------------------------------------- applying them


def resolve(
    found: Iterable[tuple[Finding, StatementContext | None]],
    ctx: FileContext,
    rules: RuleSet,
    directives: Directives | None,
    *,
    problems: bool = True,
) -> list[Violation]:
    """One file's findings → violations: placed, suppressed by its directives, at their levels.

    ``problems``: also report the directives' own problems (once per file: not for its down section).
    """
    source = ctx.source
    violations: list[Violation] = []
    display = ctx.migration.display
    ignores = _IgnoreIndex(directives.ignores) if directives is not None and directives.ignores else None
    for finding, sctx in found:
        stmt = sctx.statement if sctx is not None else None
        start, end, top = locate(finding, stmt)
        if ignores is not None and ignores.suppressed(
            finding.rule.name, top, start if finding.offset is not None else None
        ):
            continue
        violation = make_violation(finding, display, source, start, end, rules, ctx.config, stmt)
        if violation is not None:
            violations.append(violation)
    if problems and directives is not None and directives.problems and rules.enabled("unused-ignore"):
        from .rules.unused_ignore import UnusedIgnore

        for offset, end, message in directives.problems:
            if ignores is not None and ignores.suppressed(UnusedIgnore.name, None, None):
                break  # an ignore-file of unused-ignore (or squawk's ignore-file of every rule)
            v = make_violation(
                Finding(UnusedIgnore, message, None, offset=offset, end_offset=end),
                display,
                source,
                offset,
                end,
                rules,
                ctx.config,
            )
            if v is not None:
                violations.append(v)
    return violations


class _IgnoreIndex:
    """A file's ignores by rule and statement, so that each finding looks at its own ignores only.

    An ignore is indexed under each rule it names (``EVERY_RULE`` for squawk's ``ignore-file`` of every
    rule, looked up beside the finding's rule) and, unless it covers the whole file, under each
    statement it covers (a ``squawk-ignore`` covers ``more_statements`` too).
    """

    __slots__ = ("by_statement", "regional", "whole_file")

    def __init__(self, ignores: list[Ignore]) -> None:
        self.whole_file: dict[str, list[Ignore]] = {}
        self.by_statement: dict[tuple[str, int], list[Ignore]] = {}
        self.regional: dict[str, list[Ignore]] = {}
        for ignore in ignores:
            for rule in ignore.rules:
                if ignore.whole_file:
                    self.whole_file.setdefault(rule, []).append(ignore)
                    continue
                if ignore.statement is not None:
                    for statement in (ignore.statement, *ignore.more_statements):
                        self.by_statement.setdefault((rule, statement), []).append(ignore)
                self.regional.setdefault(rule, []).append(ignore)

    def suppressed(self, rule_name: str, statement: int | None, offset: int | None) -> bool:
        """Marks every ignore that applies as used."""
        hits: list[Ignore] = []
        for rule in (rule_name, EVERY_RULE):
            hits.extend(self.whole_file.get(rule, ()))
            if statement is not None:
                hits.extend(self.by_statement.get((rule, statement), ()))
            elif offset is not None:  # not tied to a parsed statement (syntax errors, placeholders): by position
                hits.extend(i for i in self.regional.get(rule, ()) if i.region[0] <= offset <= i.region[1])
        for ignore in hits:
            ignore.used = True
        return bool(hits)


def place_ignores(directives: Directives, source: Source) -> None:
    """Give each ignore its line and column (for an ``unused-ignore`` finding about it)."""
    for ignore in directives.ignores:
        ignore.position = (*source.position(ignore.offset), *source.position(ignore.end))


def apply_file_ignores(violations: list[Violation], ignores: dict[str, list[Ignore]]) -> list[Violation]:
    """``ignore-file`` also covers project-rule findings about that file (``ignores`` by file path)."""
    file_ignores = {path: found for path, items in ignores.items() if (found := [i for i in items if i.whole_file])}
    if not file_ignores:
        return violations
    kept = []
    for v in violations:
        hits = [i for i in file_ignores.get(v.path, ()) if i.covers(v.rule)]
        if hits:
            for ignore in hits:
                ignore.used = True
            continue
        kept.append(v)
    return kept


def unused_ignores(ignores: dict[str, list[Ignore]], rules: RuleSet, config: Config) -> list[Violation]:
    """An ``unused-ignore`` finding for every ignore that suppressed nothing."""
    from .rules.unused_ignore import UnusedIgnore

    out = []
    for path, items in ignores.items():
        for ignore in items:
            if ignore.used or EVERY_RULE in ignore.rules or not any(rules.enabled(name) for name in ignore.rules):
                continue  # (squawk's ignore-file of every rule also covers unused-ignore itself)
            if ignore.whole_file:
                what = "this file"
            elif ignore.origin == "squawk":
                what = "the statements on its line and the next"
            else:
                what = "the next statement"
            verb = "squawk-ignore" if ignore.origin == "squawk" else "ignore"
            finding = Finding(
                UnusedIgnore,
                f"{verb} of {', '.join(ignore.rules)} suppresses nothing in {what}",
                "remove the comment, or fix the rule name",
            )
            v = make_violation(finding, path, None, 0, 0, rules, config)
            if v is not None:
                line, column, end_line, end_column = ignore.position
                out.append(replace(v, line=line, column=column, end_line=end_line, end_column=end_column))
    return out
