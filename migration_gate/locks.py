"""Lock model: which tables a statement locks, in which mode, rewrite/scan."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LockEffect:
    table: str  # schema-qualified
    mode: str  # as pg_locks.mode spells it, e.g. "AccessExclusiveLock"
    rewrite: bool = False
    scan: bool = False


def predict_locks(statement, ctx) -> list[LockEffect]:
    return []
