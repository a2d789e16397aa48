"""Questions about the schema at a point: :class:`SchemaView` reads a :class:`~.schema_log.SchemaLog` backwards.

A view answers "just before this statement": the events of this file before it, then those of the
migrations before the file (``remote``), following names through renames (see :mod:`migration_gate.core.schema`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .schema_info import RENAMED_FROM, RENAMED_TO, VALIDATED, CheckInfo, ColumnInfo, FunctionInfo, IndexInfo, Key
from .schema_lineage import Lineage, all_table_events, in_first_seen_order
from .schema_log import SchemaLog

# --------------------------------------------------------------------------- the view

#: ``remote(kind, *args)``: the same questions asked of the migrations before this log (see
#: :class:`~migration_gate.core.earlier_schema.EarlierSchema`); kinds: ``column``, ``index``,
#: ``indexes_of``, ``checks_of``, ``foreign_keys_of``, ``function``.
Remote = Callable[..., Any]


class SchemaView:
    """Questions about the schema just before ``upper`` in ``log`` (``None``: after all of it), with
    ``remote`` answering for what was there before the log started."""

    __slots__ = ("log", "new_before", "remote", "upper")

    def __init__(
        self, log: SchemaLog, upper: Key | None, remote: Remote | None = None, new_before: frozenset[str] = frozenset()
    ) -> None:
        self.log = log
        self.upper = upper
        self.remote = remote
        #: Tables new before the log starts (created by added migrations earlier in the change).
        self.new_before = new_before

    def _ask(self, kind: str, *args: str) -> Any:
        return self.remote(kind, *args) if self.remote is not None else None

    def _below(self, key: Key, upper: Key | None) -> bool:
        return upper is None or key < upper

    def lineage(self, table: str) -> Lineage:
        spans: list[tuple[str, Key | None, Key | None]] = []
        name, bound = table, self.upper
        while True:
            event = next((e for e in reversed(self.log.tables.get(name, ())) if self._below(e[0], bound)), None)
            if event is None:
                spans.append((name, bound, None))
                return Lineage(spans, False, False, name)
            key, action, other = event
            spans.append((name, bound, key))
            if action == RENAMED_FROM and other is not None:
                name, bound = other, key
                continue
            return Lineage(spans, action == "create", action != "create", None)

    # ------------------------------------------------------------------ tables

    def is_new_table(self, table: str) -> bool:
        """Created in this log before here, or new before it (``new_before``)."""
        lineage = self.lineage(table)
        if lineage.created:
            return True
        return lineage.start is not None and lineage.start in self.new_before

    def table_dropped(self, table: str) -> bool:
        """Dropped before here (and not created again)."""
        event = next((e for e in reversed(self.log.tables.get(table, ())) if self._below(e[0], self.upper)), None)
        return event is not None and event[1] == "drop"

    def index_gone(self, index: str) -> str | None:
        """Why the index no longer exists here, when this log dropped it (or the table it was on)."""
        event = next((e for e in reversed(self.log.indexes.get(index, ())) if self._below(e[0], self.upper)), None)
        if event is not None and event[1] is None:
            return "it is dropped earlier in this file"
        info = self.index(index)
        if info is not None and self.table_dropped(info.table):
            return f"its table {info.table} is dropped earlier in this file, and its indexes with it"
        return None

    def is_new_index(self, index: str) -> bool:
        """Created before here in this log (and not dropped since), or new before it (``new_before``)."""
        event = next((e for e in reversed(self.log.indexes.get(index, ())) if self._below(e[0], self.upper)), None)
        renamed = next(
            (e for e in reversed(self.log.index_renames.get(index, ())) if self._below(e[0], self.upper)), None
        )
        if renamed is not None and (event is None or renamed[0] > event[0]):
            return SchemaView(self.log, renamed[0], None, self.new_before).is_new_index(renamed[1])
        if event is not None:
            return event[1] is not None
        return index in self.new_before

    def new_relations(self) -> frozenset[str]:
        """The tables and indexes that are new after the log: ``new_before`` carried through its events
        (tables and indexes share one namespace in PostgreSQL, so one set holds both)."""
        alive = set(self.new_before)
        events: list[tuple[Key, int, str, str, str | None]] = []
        for name, key, action, other in all_table_events(self.log):
            events.append((key, 0, name, action, other))
        for index, history in self.log.indexes.items():
            events.extend((key, 1, index, "create" if info is not None else "drop", None) for key, info in history)
        for new_name, renames in self.log.index_renames.items():
            events.extend((key, 2, old, RENAMED_TO, new_name) for key, old in renames)
        events.sort(key=lambda e: (e[0], e[1]))
        for key, _, name, action, other in events:
            if not self._below(key, self.upper):
                continue
            if action == "create":
                alive.add(name)
            elif action == "drop":
                alive.discard(name)
            elif action == RENAMED_TO and name in alive and other is not None:
                alive.discard(name)
                alive.add(other)
        return frozenset(alive)

    # ------------------------------------------------------------------ columns

    def column(self, table: str, column: str) -> ColumnInfo | None:
        """The column's type and collation as the statements before here left them."""
        lineage = self.lineage(table)
        if lineage.gone:
            return None
        name = column
        for table_name, upper, lower in lineage.spans:
            bound = upper
            while True:
                switched = False
                for key, action, value in reversed(self.log.columns.get((table_name, name), ())):
                    if not self._below(key, bound):
                        continue
                    if lower is not None and key < lower:
                        break
                    if action == RENAMED_FROM:
                        name, bound, switched = value, key, True
                        break
                    if action in ("define", "retype"):
                        info: ColumnInfo = value
                        return info
                    return None  # dropped, or renamed away
                if not switched:
                    break
        if lineage.created or lineage.start is None:
            return None
        answer: ColumnInfo | None = self._ask("column", lineage.start, name)
        return answer

    # ------------------------------------------------------------------ indexes

    def index(self, index: str) -> IndexInfo | None:
        """An index as it is here (None: dropped, or never seen)."""
        event = next((e for e in reversed(self.log.indexes.get(index, ())) if self._below(e[0], self.upper)), None)
        renamed = next(
            (e for e in reversed(self.log.index_renames.get(index, ())) if self._below(e[0], self.upper)), None
        )
        if renamed is not None and (event is None or renamed[0] > event[0]):
            before = SchemaView(self.log, renamed[0], self.remote, self.new_before).index(renamed[1])
            return self._on_table_now(replace(before, name=index), renamed[0]) if before is not None else None
        if event is not None:
            return self._on_table_now(event[1], event[0]) if event[1] is not None else None
        answer: IndexInfo | None = self._ask("index", index)
        return self._on_table_now(answer, None) if answer is not None else None

    def _on_table_now(self, info: IndexInfo, since: Key | None) -> IndexInfo:
        """The index with its table under the name the table has here (renamed after ``since``)."""
        table = info.table
        while True:
            step = next(
                (
                    e
                    for e in self.log.tables.get(table, ())
                    if (since is None or e[0] > since) and self._below(e[0], self.upper) and e[1] == RENAMED_TO
                ),
                None,
            )
            if step is None or step[2] is None:
                return info if table == info.table else replace(info, table=table)
            table, since = step[2], step[0]

    def indexes_of(self, table: str) -> tuple[IndexInfo, ...] | None:
        """The table's indexes here (None: the gate saw no definition of the table)."""
        lineage = self.lineage(table)
        if lineage.gone:
            return ()
        names = {name for name, _, _ in lineage.spans}
        known: dict[str, IndexInfo] = {}
        seen = lineage.created
        if not lineage.created and lineage.start is not None:
            earlier: tuple[IndexInfo, ...] | None = self._ask("indexes_of", lineage.start)
            if earlier is not None:
                seen = True
                known = {info.name: info for info in earlier}
        if not names.isdisjoint(self.log.column_tables):
            seen = True
        # only the indexes ever defined on these tables, or known from before the log, can change `known`
        candidates = {index for index in known if index in self.log.indexes}
        for name in names:
            candidates.update(self.log.index_names_by_table.get(name, ()))
        for index in candidates:
            history = self.log.indexes[index]
            for key, info in reversed(history):
                if not self._below(key, self.upper):
                    continue
                if info is None:
                    known.pop(index, None)
                elif info.table in names:
                    known[index] = replace(info, table=table) if info.table != table else info
                break
        for new_name, renames in self.log.index_renames.items():
            if any(self._below(key, self.upper) and old in known for key, old in renames):
                current = self.index(new_name)
                if current is not None:
                    known[new_name] = replace(current, table=table)
        if not seen:
            return None
        return tuple(known[name] for name in sorted(known))

    def indexes_on(self, table: str, column: str) -> list[IndexInfo] | None:
        """Indexes that read the column (None: the gate saw no definition of the table)."""
        indexes = self.indexes_of(table)
        if indexes is None:
            return None
        return [info for info in indexes if column in info.columns]

    # ------------------------------------------------------------------ constraints

    def checks_of(self, table: str) -> tuple[CheckInfo, ...]:
        """The table's CHECK constraints here."""
        lineage = self.lineage(table)
        if lineage.gone:
            return ()
        known: dict[str, CheckInfo] = {}
        if not lineage.created and lineage.start is not None:
            known = {c.name: c for c in self._ask("checks_of", lineage.start) or ()}
        names = {name for name, _, _ in lineage.spans}
        for owner, conname in in_first_seen_order(self.log.checks_by_table, names):
            history = self.log.checks[(owner, conname)]
            validated = False
            for key, info in reversed(history):
                if not self._below(key, self.upper):
                    continue
                if info == VALIDATED:
                    validated = True
                    continue
                if info is None:
                    known.pop(conname, None)
                else:
                    found = info if isinstance(info, CheckInfo) else None
                    if found is not None:
                        known[conname] = replace(found, validated=True) if validated else found
                break
            else:
                if validated and conname in known:
                    known[conname] = replace(known[conname], validated=True)
        return tuple(known[name] for name in sorted(known))

    def checks_on(self, table: str, column: str) -> list[CheckInfo]:
        return [c for c in self.checks_of(table) if column in c.columns or c.not_null_column == column]

    def not_null_proven(self, table: str, column: str) -> bool:
        """A validated ``CHECK (column IS NOT NULL)`` exists: PostgreSQL 12+ skips SET NOT NULL's scan."""
        return any(c.validated and c.not_null_column == column for c in self.checks_of(table))

    def foreign_keys_of(self, table: str) -> dict[str, str]:
        """``{constraint: referenced table}`` of a table here."""
        lineage = self.lineage(table)
        if lineage.gone:
            return {}
        keys: dict[str, str] = {}
        if not lineage.created and lineage.start is not None:
            keys = dict(self._ask("foreign_keys_of", lineage.start) or {})
        names = {name for name, _, _ in lineage.spans}
        for owner, conname in in_first_seen_order(self.log.foreign_keys_by_table, names):
            history = self.log.foreign_keys[(owner, conname)]
            for key, referenced in reversed(history):
                if not self._below(key, self.upper):
                    continue
                if referenced is None:
                    keys.pop(conname, None)
                else:
                    keys[conname] = referenced
                break
        return {name: keys[name] for name in sorted(keys)}

    # ------------------------------------------------------------------ functions

    def function(self, name: str) -> FunctionInfo | None:
        for key, info in reversed(self.log.functions.get(name, ())):
            if self._below(key, self.upper):
                return info
        answer: FunctionInfo | None = self._ask("function", name)
        return answer
