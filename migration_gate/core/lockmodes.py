"""PostgreSQL's table lock modes: the one table of their names, strength, labels and what each blocks.

Modes are spelt as ``pg_locks.mode`` spells them (``AccessExclusiveLock``);
reports say them as ``LOCK TABLE`` does (``ACCESS EXCLUSIVE``).
"""

from __future__ import annotations

ACCESS_SHARE = "AccessShareLock"
ROW_SHARE = "RowShareLock"
ROW_EXCLUSIVE = "RowExclusiveLock"
SHARE_UPDATE_EXCLUSIVE = "ShareUpdateExclusiveLock"
SHARE = "ShareLock"
SHARE_ROW_EXCLUSIVE = "ShareRowExclusiveLock"
EXCLUSIVE = "ExclusiveLock"
ACCESS_EXCLUSIVE = "AccessExclusiveLock"

#: Weakest first: PostgreSQL's lock mode numbers 1–8 (``LOCK TABLE … IN n MODE`` uses the same order).
MODES = (
    ACCESS_SHARE,
    ROW_SHARE,
    ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    EXCLUSIVE,
    ACCESS_EXCLUSIVE,
)
STRENGTH = {mode: rank for rank, mode in enumerate(MODES, start=1)}

#: How the reports say a mode, and what it blocks while held.
LABEL = {
    ACCESS_SHARE: "ACCESS SHARE",
    ROW_SHARE: "ROW SHARE",
    ROW_EXCLUSIVE: "ROW EXCLUSIVE",
    SHARE_UPDATE_EXCLUSIVE: "SHARE UPDATE EXCLUSIVE",
    SHARE: "SHARE",
    SHARE_ROW_EXCLUSIVE: "SHARE ROW EXCLUSIVE",
    EXCLUSIVE: "EXCLUSIVE",
    ACCESS_EXCLUSIVE: "ACCESS EXCLUSIVE",
}
BLOCKS = {
    ACCESS_EXCLUSIVE: "blocks reads and writes",
    EXCLUSIVE: "blocks writes; reads continue",
    SHARE_ROW_EXCLUSIVE: "blocks writes; reads continue",
    SHARE: "blocks writes; reads continue",
    SHARE_UPDATE_EXCLUSIVE: "blocks schema changes and VACUUM, not reads or writes",
    ROW_EXCLUSIVE: "blocks only SHARE and stronger locks",
    ROW_SHARE: "blocks only EXCLUSIVE locks",
    ACCESS_SHARE: "blocks only ACCESS EXCLUSIVE locks",
}


def strength(mode: str | None) -> int:
    """1 (AccessShareLock) … 8 (AccessExclusiveLock); 0 for none or an unknown spelling."""
    return STRENGTH.get(mode or "", 0)


def stronger(a: str, b: str) -> str:
    return a if STRENGTH[a] >= STRENGTH[b] else b


def label(mode: str) -> str:
    """``AccessExclusiveLock`` → ``ACCESS EXCLUSIVE``; an unknown spelling as it is."""
    return LABEL.get(mode, mode)
