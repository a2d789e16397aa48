"""Directives in SQL comments.

* ``-- migration-gate: ignore <rule>[, <rule>] -- <reason>``: the next statement;
* ``-- migration-gate: ignore-file <rule>[, <rule>] -- <reason>``: the whole file;
* ``-- migration-gate: no-transaction``: the runner does not wrap this file.

Rules are named by code or name (or alias).  A reason is required: an ignore
without one is not applied and is reported, as are unknown rule names and
ignores that suppress nothing (all as ``unused-ignore``).

This module is the whole suppression stage: reading the directives, applying
them to one file's findings (:func:`resolve`), ``ignore-file`` over the
project-rule findings about a file (:func:`apply_file_ignores`), and the
ignores that suppressed nothing (:func:`unused_ignores`).
"""

from __future__ import annotations

import re
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
        rules = []
        for name in names:
            rule = registry.lookup(name)
            if rule is None:
                directives.problems.append((o_start, o_end, f"unknown rule {name!r} in `{verb}`"))
            else:
                rules.append(rule.name)
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
    for finding, sctx in found:
        stmt = sctx.statement if sctx is not None else None
        start, end, top = locate(finding, stmt)
        if directives is not None and _suppressed(
            directives, finding.rule.name, top, start if finding.offset is not None else None
        ):
            continue
        violation = make_violation(finding, display, source, start, end, rules, ctx.config, stmt)
        if violation is not None:
            violations.append(violation)
    if problems and directives is not None and directives.problems and rules.enabled("unused-ignore"):
        from .rules.unused_ignore import UnusedIgnore

        for offset, end, message in directives.problems:
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


def _suppressed(directives: Directives, rule_name: str, statement: int | None, offset: int | None) -> bool:
    hit = False
    for ignore in directives.ignores:
        if rule_name not in ignore.rules:
            continue
        if statement is not None:
            applies = ignore.statement == statement
        else:  # not tied to a parsed statement (syntax errors, placeholders): by position
            applies = offset is not None and ignore.region[0] <= offset <= ignore.region[1]
        if ignore.whole_file or applies:
            ignore.used = True
            hit = True
    return hit


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
        hits = [i for i in file_ignores.get(v.path, ()) if v.rule in i.rules]
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
            if ignore.used or not any(rules.enabled(name) for name in ignore.rules):
                continue
            what = "this file" if ignore.whole_file else "the next statement"
            finding = Finding(
                UnusedIgnore,
                f"ignore of {', '.join(ignore.rules)} suppresses nothing in {what}",
                "remove the comment, or fix the rule name",
            )
            v = make_violation(finding, path, None, 0, 0, rules, config)
            if v is not None:
                line, column, end_line, end_column = ignore.position
                out.append(replace(v, line=line, column=column, end_line=end_line, end_column=end_column))
    return out
