"""What rules may know besides the node in front of them.

* :class:`ProjectContext` — every migration file of the locations, and which of
  them are in scope (reported on).
* :class:`FileContext` — one analysed file: its source, statements, parse
  error, and the facts of the one pre-pass over its statements.
* :class:`StatementContext` — one statement, with the state in effect when it
  runs (new tables, transaction, ``lock_timeout``) and its predicted locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .config import Config
from .discovery import MigrationFile, Project

if TYPE_CHECKING:
    from .analysis import FileFacts, StatementFacts
    from .locks import LockEffect
    from .parse import ParseResult, Statement
    from .source import Source


@dataclass(slots=True)
class ProjectContext:
    project: Project
    config: Config
    in_scope: frozenset  # paths (on disk) whose findings are reported

    def reports_on(self, migration: MigrationFile) -> bool:
        return migration.path in self.in_scope


@dataclass(slots=True)
class FileContext:
    migration: MigrationFile
    config: Config
    source: "Source | None" = None
    parse: "ParseResult | None" = None
    unreadable: str | None = None
    facts: "FileFacts | None" = None
    #: Tables created by earlier migrations of the change set (qualified names).
    tables_created_earlier: frozenset[str] = frozenset()
    #: Looks up a column's type in the migrations before this file: (table, column) → TypeName.
    schema_lookup: Any = None
    #: One StatementContext per analysed statement (the engine fills it; file rules reuse them).
    statement_contexts: list = field(default_factory=list)

    @property
    def statements(self) -> list["Statement"]:
        return self.parse.statements if self.parse else []


@dataclass(slots=True)
class StatementContext:
    statement: "Statement"
    file: FileContext
    facts: "StatementFacts"
    _locks: Any = field(default=None, repr=False)

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

    def is_new_table(self, table: str) -> bool:
        """Created earlier in this file or by an earlier migration of the change set."""
        return table in self.facts.new_tables or table in self.file.tables_created_earlier

    @property
    def table(self) -> str:
        """The statement's target table (``relation``), schema-qualified."""
        from .sqlnodes import qualified_name

        return qualified_name(self.statement.node.get("relation"))

    def column_type(self, table: str, column: str) -> dict | None:
        """The column's current TypeName: this file first, then earlier migrations."""
        found = self.facts.column_type(table, column)
        if found is None and self.file.schema_lookup is not None:
            found = self.file.schema_lookup(table, column)
        return found

    @property
    def locks(self) -> list["LockEffect"]:
        if self._locks is None:
            from .locks import predict_locks

            self._locks = predict_locks(self.statement, self)
        return self._locks
