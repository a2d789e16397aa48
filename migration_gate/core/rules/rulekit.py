"""Small pieces several rules share: wording of locks and tables."""

from __future__ import annotations

from ..lockmodes import BLOCKS, LABEL
from ..locks import LockEffect
from ..names import display_name
from ..sqlnodes import Node


def lock_phrase(mode: str, table: str) -> str:
    """``an ACCESS EXCLUSIVE lock on orders (blocks reads and writes)``."""
    label = LABEL[mode]
    article = "an" if label[0] in "AEIOU" else "a"
    return f"{article} {label} lock on {display_name(table)} ({BLOCKS[mode]})"


def column_ref(table: str, column: str | None) -> str:
    return f"{display_name(table)}.{column}" if column else display_name(table)


def effect_phrase(effect: LockEffect) -> str:
    """A LockEffect in words; an index stands for its table, which the statement does not name."""
    if effect.index:
        label = LABEL[effect.mode]
        article = "an" if label[0] in "AEIOU" else "a"
        return f"{article} {label} lock on the table of index {display_name(effect.table)} ({BLOCKS[effect.mode]})"
    return lock_phrase(effect.mode, effect.table)


def added_constraints(cmd: Node) -> list[Node]:
    """The constraints an ALTER TABLE command adds: ``ADD CONSTRAINT …`` or inline on ``ADD COLUMN``."""
    subtype = cmd.get("subtype")
    if subtype == "AT_AddConstraint":
        return [cmd.get("def", {})]
    if subtype == "AT_AddColumn":
        return list(cmd.get("def", {}).get("ColumnDef", {}).get("constraints", ()))
    return []


def truncated_identifier(name: str) -> str:
    """A name as PostgreSQL stores it: its first 63 bytes (NAMEDATALEN - 1), cut at a character boundary."""
    data = name.encode("utf-8")
    return name if len(data) <= 63 else data[:63].decode("utf-8", "ignore")
