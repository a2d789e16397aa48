"""What rules produce (findings) and what reports show (violations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .severity import Severity

if TYPE_CHECKING:
    from .rules.base import Rule


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class Finding:
    """A rule's observation, before suppression and configuration.

    Where it is: ``at`` (an AST node with a ``location``, resolved against the
    statement being checked), or ``offset``/``end_offset`` (character offsets
    into the file's original text), or neither (the statement, or for file
    rules the start of the file).  ``path`` names another file when a
    project rule reports about it.
    """

    rule: type["Rule"]
    message: str
    help: str | None = None
    at: Any = None
    offset: int | None = None
    end_offset: int | None = None
    path: str | None = None
    severity: Severity | None = None  # overrides the configured level (e.g. info)


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class Violation:
    """A finding that survived suppression, with its position resolved."""

    rule: str  # kebab-case name
    code: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    help: str
    doc: str
    source_line: str = ""  # the text of ``line``, for the caret display
    excerpt: str = ""  # the statement's SQL (capped), for reports that show it
    rendered: str = field(default="", repr=False, compare=False)  # its JSON report entry, made ahead


    #: Report order: ``sorted(violations, key=Violation.sort_key)`` (an attrgetter: sorted in C).
    sort_key = attrgetter("path", "line", "column", "code", "message")
