"""What the lock model predicts for one statement: a :class:`LockEffect` per relation, and the context it asks.

:func:`migration_gate.core.locks.predict_locks` makes them (see :mod:`migration_gate.core.locks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .lockmodes import LABEL, SHARE, STRENGTH, stronger
from .names import display_name
from .schema import SchemaView
from .sqlnodes import Node


class LockContext(Protocol):
    """What the lock model asks of the statement's context (``context.StatementContext`` answers)."""

    @property
    def pg_version(self) -> int: ...

    @property
    def schema(self) -> SchemaView: ...

    def index_table(self, index: str) -> str | None: ...

    def foreign_keys_of(self, table: str) -> dict[str, str]: ...

    def column_type(self, table: str, column: str) -> dict[str, Any] | None: ...

    def not_null_proven(self, table: str, column: str | None) -> bool: ...


@dataclass(slots=True)  # not frozen: made by the thousand, and frozen __init__ is 3x slower
class LockEffect:
    table: str  # schema-qualified relation name
    mode: str  # as pg_locks.mode spells it, e.g. "AccessExclusiveLock"
    rewrite: bool = False
    scan: bool = False
    index: bool = False  # the relation is an index (its table is not named in the statement)

    @property
    def blocks_writes(self) -> bool:
        return STRENGTH[self.mode] >= STRENGTH[SHARE]

    def describe(self) -> str:
        extra = [w for w, on in (("rewrite", self.rewrite), ("full scan", self.scan)) if on]
        return f"{LABEL[self.mode]} on {display_name(self.table)}" + (f", {', '.join(extra)}" if extra else "")


def merge(effects: Iterable[LockEffect]) -> list[LockEffect]:
    """One effect per relation: the strongest mode, rewrite/scan if any says so."""
    effects = list(effects)
    if len(effects) <= 1:
        return effects
    merged: dict[str, LockEffect] = {}
    for e in effects:
        old = merged.get(e.table)
        if old is None:
            merged[e.table] = e
        else:
            merged[e.table] = LockEffect(
                e.table, stronger(old.mode, e.mode), old.rewrite or e.rewrite, old.scan or e.scan, old.index and e.index
            )
    return sorted(merged.values(), key=lambda e: e.table)


#: A statement kind's prediction: its node and the context → the locks it takes.
Handler = Callable[[Node, LockContext | None], Iterable[LockEffect]]


def pg_of(ctx: LockContext | None) -> int:
    """The target PostgreSQL major version (15 without a context)."""
    return ctx.pg_version if ctx is not None else 15
