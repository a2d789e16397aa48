"""What rules may know besides the node in front of them.

* :class:`ProjectContext` — every migration file of the locations, and which of
  them are in scope (reported on).
* :class:`FileContext` — one analysed file: its source, statements, parse
  error, and the facts of the one pre-pass over its statements.
* :class:`StatementContext` — one statement, with the state in effect when it
  runs (new tables, transaction, ``lock_timeout``) and its predicted locks.
* :class:`ChangeSetContext` — the change set against the base (what is merged,
  what this branch added, changed, renamed or deleted, with Flyway checksums)
  and, with ``--database-url``, the rows of ``flyway_schema_history``
  (:mod:`~migration_gate.core.changeset_context`, its names re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import FileFacts, StatementFacts
from .changeset_context import AppliedMigration as AppliedMigration
from .changeset_context import Base as Base
from .changeset_context import ChangedMigration as ChangedMigration
from .changeset_context import ChangesetChange as ChangesetChange
from .changeset_context import ChangeSetContext as ChangeSetContext
from .changeset_context import DatabaseState as DatabaseState
from .changeset_context import JournalEntryChange as JournalEntryChange
from .changeset_context import RunnerFacts as RunnerFacts
from .changeset_context import RunnerSetting as RunnerSetting
from .changeset_context import SqitchChange as SqitchChange
from .changeset_context import SumProblem as SumProblem
from .config import Config
from .deploy_batch import BatchState
from .locks import LockEffect, predict_locks
from .migration import MigrationFile, Project
from .parse import ParseResult, Statement
from .runners.base import NO_SHAPE, Shape
from .schema import SchemaView
from .source import Source
from .sqlnodes import Node, qualified_name

_ENDS = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}

#: ``lookup(kind, *args)``: what the migrations before a file defined (``earlier_schema.EarlierSchema``).
SchemaLookup = Callable[..., Any]


@dataclass(slots=True)
class ProjectContext:
    project: Project
    config: Config
    in_scope: frozenset[Path]  # paths (on disk) whose findings are reported
    #: The names of ``in_scope``'s paths: project rules ask of every file, and a change set is a few of tens
    #: of thousands (a name is compared at once; a path is hashed from its text, a microsecond the first time).
    _names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._names = frozenset(path.name for path in self.in_scope)

    def reports_on(self, migration: MigrationFile) -> bool:
        path = migration.path
        return path.name in self._names and path in self.in_scope


@dataclass(slots=True)
class FileContext:
    migration: MigrationFile
    config: Config
    source: Source | None = None
    parse: ParseResult | None = None
    unreadable: str | None = None
    facts: FileFacts | None = None
    #: Tables created by earlier migrations of the change set (qualified names).
    tables_created_earlier: frozenset[str] = frozenset()
    #: Asks what the migrations before this file defined: ``lookup(kind, *args)`` (earlier_schema.py).
    schema_lookup: SchemaLookup | None = None
    #: One StatementContext per analysed statement (the engine fills it; file rules reuse them).
    statement_contexts: list[StatementContext] = field(default_factory=list)
    #: What the file's runner read in it besides SQL: sections, opt-outs, refusals (``core.runners``).
    shape: Shape = NO_SHAPE
    #: How many statements the file's down section holds (its rollback, analysed in a context of its own).
    down_statements: int = 0
    #: What the deploy batch's transaction carries in from the pending files before this one (``deploy_batch``).
    batch: BatchState | None = None

    @property
    def is_down_section(self) -> bool:
        """This context is the down section of a file (its rollback), not a file of its own."""
        return self.migration.section == "down"

    @property
    def statements(self) -> list[Statement]:
        return self.parse.statements if self.parse else []


@dataclass(slots=True)
class StatementContext:
    statement: Statement
    file: FileContext
    facts: StatementFacts
    _locks: list[LockEffect] | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        return self.file.config

    @property
    def pg_version(self) -> int:
        return self.file.config.pg_version

    @property
    def in_transaction(self) -> bool:
        return self.facts.in_transaction

    @property
    def lock_timeout_set(self) -> bool:
        return self.facts.lock_timeout_set

    @property
    def schema(self) -> SchemaView:
        """The schema just before this statement: this file's statements before it, then the migrations
        before the file (``schema_lookup``), with the tables the change set added before the file."""
        return SchemaView(
            self.facts.file.schema, self.facts.order, self.file.schema_lookup, self.file.tables_created_earlier
        )

    def is_new_table(self, table: str) -> bool:
        """Created by this statement, earlier in this file, or by a migration the change set adds before
        this file (a table a merged migration created exists in every database that applied it)."""
        facts = self.facts
        order = facts.order
        if any(key == order and action == "create" for key, action, _ in facts.file.schema.tables.get(table, ())):
            return True
        return SchemaView(facts.file.schema, order, None, self.file.tables_created_earlier).is_new_table(table)

    def is_new_object(self, kind: str, name: str) -> bool:
        """A view, function, type, … (``objects.ObjectKey``) created earlier in this file."""
        orders = self.facts.file.objects.get((kind, name))
        return orders is not None and orders[0] < self.facts.order

    def recreated_in_same_transaction(self, kind: str, name: str) -> bool:
        """Created again later in this file, in the transaction this statement runs in."""
        facts = self.facts
        if not facts.in_transaction:
            return False
        units = facts.file.units
        for order in facts.file.objects.get((kind, name), ()):
            if order <= facts.order or order >= len(units):
                continue
            between = units[facts.order + 1 : order + 1]
            if all(u.in_transaction for u in between) and not any(
                u.statement.kind == "TransactionStmt" for u in between
            ):
                return True
        return False

    @property
    def table(self) -> str:
        """The statement's target table (``relation``), schema-qualified."""
        return qualified_name(self.statement.node.get("relation"))

    def not_null_proven(self, table: str, column: str | None) -> bool:
        """A validated ``CHECK (column IS NOT NULL)`` exists before this statement."""
        return column is not None and self.schema.not_null_proven(table, column)

    def column_type(self, table: str, column: str) -> Node | None:
        """The column's current TypeName: this file first, then earlier migrations."""
        info = self.schema.column(table, column)
        return info.type_name if info is not None else None

    def index_table(self, index: str) -> str | None:
        """The table an index belongs to: this file first, then earlier migrations."""
        info = self.schema.index(index)
        return info.table if info is not None else None

    def foreign_keys_of(self, table: str) -> dict[str, str]:
        """``{constraint: referenced table}`` of a table as this statement finds it."""
        return self.schema.foreign_keys_of(table)

    def later_in_transaction(self) -> list[Statement]:
        """The statements after this one in the same transaction (none when it runs outside one)."""
        facts = self.facts
        if not facts.in_transaction or facts.transaction is None:
            return []
        later: list[Statement] = []
        for unit in facts.file.units[facts.order + 1 :]:
            stmt = unit.statement
            if unit.transaction != facts.transaction:
                break
            if stmt.parent is None and stmt.kind == "TransactionStmt" and stmt.node.get("kind") in _ENDS:
                break
            later.append(stmt)
        return later

    @property
    def locks(self) -> list[LockEffect]:
        if self._locks is None:
            self._locks = predict_locks(self.statement, self)
        return self._locks
