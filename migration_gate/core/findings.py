"""What rules produce (findings) and what reports show (violations)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any, ClassVar, Protocol

from .severity import Severity


class RuleIdentity(Protocol):
    """What a finding needs of the rule class that made it (``rules.base.Rule`` has it)."""

    name: ClassVar[str]
    code: ClassVar[str]
    help: ClassVar[str]


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class Finding:
    """A rule's observation, before suppression and configuration.

    Where it is: ``at`` (an AST node with a ``location``, resolved against the
    statement being checked), or ``offset``/``end_offset`` (character offsets
    into the file's original text), or neither (the statement, or for file
    rules the start of the file).  ``path`` names another file when a
    project rule reports about it.

    A lock rule says which table the lock is on (``table``, schema-qualified)
    and, when the statement works through the table while it holds the lock,
    which kind of work that is (``hazard``: one of :data:`HAZARDS`).  The
    sizing stage (:mod:`migration_gate.core.sizing`) reads both to name the
    table's size and to set the level from it; the lock-acquisition risk
    (a finding with a ``table`` and no ``hazard``) never changes level.
    """

    rule: type[RuleIdentity]
    message: str
    help: str | None = None
    at: Any = None
    offset: int | None = None
    end_offset: int | None = None
    path: str | None = None
    severity: Severity | None = None  # overrides the configured level (e.g. info)
    table: str | None = None  # the table the lock is on (lock findings)
    hazard: str | None = None  # the work done under the lock: one of HAZARDS


#: The kinds of work a statement does through a table while it holds a lock (how long it holds it).
SCAN, REWRITE, INDEX_BUILD, INDEX_REBUILD, BACKFILL = "scan", "rewrite", "index build", "index rebuild", "backfill"
HAZARDS = (SCAN, REWRITE, INDEX_BUILD, INDEX_REBUILD, BACKFILL)


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class Violation:
    """A finding that survived suppression and configuration, placed in its file.

    Thin on purpose: what a report shows besides these (the source line, an
    excerpt of the statement, the rule's page) is made at the reporting edge
    (:mod:`migration_gate.reporters.quoting`).
    """

    rule: str  # kebab-case name
    code: str
    severity: Severity
    path: str
    line: int  # 1-based, in characters
    column: int
    end_line: int
    end_column: int
    message: str
    help: str
    #: Where the position was read: True when it is in the file's text (reports may quote that line).
    in_text: bool = False
    #: Character offsets of the statement the finding is about (its DO block for a statement inside
    #: one), for reports that quote the SQL; None when the finding is about no statement.
    statement: tuple[int, int] | None = None

    #: Report order: ``sorted(violations, key=Violation.sort_key)`` (an attrgetter: sorted in C).
    sort_key: ClassVar[attrgetter[Any]] = attrgetter("path", "line", "column", "code", "message")
