"""Findings become violations: the configured level, and the position as 1-based line and column."""

from __future__ import annotations

from .config import Config
from .findings import Finding, Violation
from .parse import Statement
from .ruleset import RuleSet
from .severity import Severity
from .source import Source
from .sqlnodes import location_of


def locate(finding: Finding, stmt: Statement | None) -> tuple[int, int, int | None]:
    """(start, end, top-level statement index) of a finding, as character offsets into the file.

    ``stmt`` is the statement the finding was made on (None for file and project rules).
    """
    if stmt is not None:
        start = stmt.locate(location_of(finding.at)) if finding.at is not None else stmt.start
        if finding.offset is not None:
            start = finding.offset
        end = finding.end_offset if finding.end_offset is not None else max(stmt.end, start)
        top = stmt.parent.index if stmt.parent is not None else stmt.index
        return start, end, top
    start = finding.offset or 0
    end = finding.end_offset if finding.end_offset is not None else start
    return start, end, None


def make_violation(
    finding: Finding,
    path: str,
    source: Source | None,
    start: int,
    end: int,
    rules: RuleSet,
    config: Config,
    statement: Statement | None = None,
) -> Violation | None:
    """The violation a finding gives at the configured level (None when the rule is off)."""
    rule = finding.rule
    configured = rules.levels.get(rule.name, Severity.OFF)
    if configured == Severity.OFF:
        return None  # a finding's own level (info) never turns a disabled rule on
    level = finding.severity if finding.severity is not None else configured
    if level == Severity.OFF:
        return None
    span: tuple[int, int] | None = None
    if source is not None:
        lines = source.lines
        line, column = lines.position(start)
        end_line, end_column = lines.position(end) if end != start else (line, column)
        if statement is not None:
            top = statement.parent or statement
            span = (top.start, top.end)
    else:
        line = column = end_line = end_column = 1
    return Violation(
        rule.name,
        rule.code,
        level,
        finding.path or path,
        line,
        column,
        end_line,
        end_column,
        finding.message,
        finding.help if finding.help is not None else rule.help,
        source is not None,
        span,
    )
