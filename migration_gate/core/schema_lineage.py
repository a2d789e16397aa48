"""Reading a schema log's events: a table's lineage through renames, every table event in order, and
constraints in the order the log first saw them.  Split from :mod:`migration_gate.core.schema_view`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema_info import RENAMED_FROM, Key
from .schema_log import SchemaLog


def all_table_events(log: SchemaLog) -> list[tuple[str, Key, str, str | None]]:
    events = [(name, key, action, other) for name, history in log.tables.items() for key, action, other in history]
    # Within one statement a rename is recorded on both names: apply the new name's side last.
    events.sort(key=lambda e: (e[1], e[2] == RENAMED_FROM))
    return events


def in_first_seen_order(
    by_table: dict[str, list[tuple[int, tuple[str, str]]]], tables: set[str]
) -> list[tuple[str, str]]:
    """The keys of these tables' constraints in the order the log first saw them (a later one of the same
    name, under a table's other name, wins)."""
    found = [entry for table in tables for entry in by_table.get(table, ())]
    if len(tables) > 1:
        found.sort()
    return [key for _, key in found]


@dataclass(slots=True)
class Lineage:
    """Where a table's events are, newest first: (name, upper bound, lower bound) per name it had."""

    spans: list[tuple[str, Key | None, Key | None]]
    created: bool  # created in this log (so nothing before it counts)
    gone: bool  # dropped, or renamed away, before the point asked about
    start: str | None  # its name where this log starts (for the earlier migrations), when it existed then
