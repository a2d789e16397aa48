"""The schema facts the events carry: a column's type, an index, a CHECK, a function; and the event names.

:mod:`~migration_gate.core.schema_log` records them, :mod:`~migration_gate.core.schema_view` answers from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .sqlnodes import Node

#: Where an event happened: a statement's order in a file, or ``(version key, order)`` across files.
Key = Any

RENAMED_FROM = "renamed-from"  # on the new name: the old name
RENAMED_TO = "renamed-to"  # on the old name: the new name
VALIDATED = "validated"  # a check event: VALIDATE CONSTRAINT of a check defined before


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    type_name: Node | None  # the TypeName node
    collation: tuple[str, ...] = ()  # COLLATE name parts; () for the type's default


@dataclass(frozen=True, slots=True)
class IndexInfo:
    name: str  # schema-qualified
    table: str
    columns: frozenset[str]  # every column it reads: keys, expressions, the WHERE predicate
    plain: bool = True  # no expression and no predicate
    unique: bool = False

    def rebuilt_by_type_change(self, column: str, *, collation: bool) -> bool:
        """Does ``ALTER COLUMN … TYPE`` that keeps the table's rows rebuild this index?  PostgreSQL reuses
        an index only when it can prove it compatible (``CheckIndexCompatible``): never one with an
        expression or a predicate, and not a plain one whose column changes collation."""
        return column in self.columns and (not self.plain or collation)


@dataclass(frozen=True, slots=True)
class CheckInfo:
    name: str
    table: str
    columns: frozenset[str]  # the columns its expression reads
    not_null_column: str | None  # ``CHECK (col IS NOT NULL)`` (possibly AND-ed with more)
    validated: bool


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    name: str  # schema-qualified
    language: str
    volatility: str | None  # immutable | stable | volatile; None when the definition does not say
    #: For a SQL function PostgreSQL may inline: the expression of its single ``SELECT`` (else None).
    inline_expression: Node | None = None
    #: Why PostgreSQL does not inline it (SECURITY DEFINER, a SET clause, a FROM clause, …); empty if it may.
    not_inlined: str = ""
