"""What rules may know besides the node in front of them.

* :class:`ProjectContext` — every migration file of the locations, and which of
  them are in scope (reported on).
* :class:`FileContext` — one analysed file: its source, statements, parse
  error, and the facts of the one pre-pass over its statements.
* :class:`StatementContext` — one statement, with the state in effect when it
  runs (new tables, transaction, ``lock_timeout``) and its predicted locks.
* :class:`ChangeSetContext` — the change set against the base (what is merged,
  what this branch added, changed, renamed or deleted, with Flyway checksums)
  and, with ``--database-url``, the rows of ``flyway_schema_history``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .analysis import FileFacts, StatementFacts
from .config import Config
from .locks import LockEffect, predict_locks
from .migration import MigrationFile, Project
from .parse import ParseResult, Statement
from .source import Source
from .sqlnodes import qualified_name
from .version import Version

#: ``lookup(kind, *args)``: what the migrations before a file defined (``earlier_schema.EarlierSchema``).
SchemaLookup = Callable[..., Any]


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
    source: Source | None = None
    parse: ParseResult | None = None
    unreadable: str | None = None
    facts: FileFacts | None = None
    #: Tables created by earlier migrations of the change set (qualified names).
    tables_created_earlier: frozenset[str] = frozenset()
    #: Asks what the migrations before this file defined: ``lookup(kind, *args)`` (earlier_schema.py).
    schema_lookup: Any = None
    #: One StatementContext per analysed statement (the engine fills it; file rules reuse them).
    statement_contexts: list = field(default_factory=list)

    @property
    def statements(self) -> list[Statement]:
        return self.parse.statements if self.parse else []


@dataclass(slots=True)
class StatementContext:
    statement: Statement
    file: FileContext
    facts: StatementFacts
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
        facts = self.facts
        return (
            facts.file.created.get(table, facts.order + 1) <= facts.order or table in self.file.tables_created_earlier
        )

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

    def _earlier(self, kind: str, *args: str):
        lookup = self.file.schema_lookup
        return lookup(kind, *args) if lookup is not None else None

    def not_null_proven(self, table: str, column: str | None) -> bool:
        """A validated ``CHECK (column IS NOT NULL)`` exists before this statement."""
        return self.facts.not_null_proven(table, column)

    def column_type(self, table: str, column: str) -> dict | None:
        """The column's current TypeName: this file first, then earlier migrations."""
        found = self.facts.column_type(table, column)
        return found if found is not None else self._earlier("column_type", table, column)

    def index_table(self, index: str) -> str | None:
        """The table an index belongs to: this file first, then earlier migrations."""
        found = self.facts.index_table(index)
        return found if found is not None else self._earlier("index_table", index)

    def foreign_keys_of(self, table: str) -> dict[str, str]:
        """``{constraint: referenced table}`` of a table as this statement finds it."""
        earlier = self._earlier("foreign_keys", table) if not self.is_new_table(table) else None
        return self.facts.foreign_keys_of(table, earlier)

    @property
    def locks(self) -> list[LockEffect]:
        if self._locks is None:
            self._locks = predict_locks(self.statement, self)
        return self._locks


@dataclass(frozen=True, slots=True)
class Base:
    """The commit the change set is compared with, and how it was found."""

    sha: str
    source: str  # e.g. "--base origin/main", "merge-base with origin/HEAD"

    @property
    def short(self) -> str:
        return self.sha[:12]


@dataclass(frozen=True, slots=True)
class ChangedMigration:
    """One file of the migration folders that the change set touches."""

    status: str  # added | modified | renamed | deleted
    display: str  # where it is now (deleted: where it was)
    current: MigrationFile | None  # None when deleted
    merged: MigrationFile | None  # the same file as on the base; None when the base does not have it
    old_display: str | None = None  # renamed: where it was
    checksum: int | None = None  # Flyway's checksum now
    merged_checksum: int | None = None  # Flyway's checksum on the base
    content_changed: bool = False  # any byte differs from the base (a mode change alone does not count)
    first_difference: int | None = None  # character offset into the current text of the first changed line

    @property
    def is_new(self) -> bool:
        """A versioned migration the base does not have (under this version)."""
        current = self.current
        if current is None or current.kind != "versioned":
            return False
        return self.merged is None or (self.status == "renamed" and self.merged.version != current.version)

    @property
    def checksum_unchanged(self) -> bool:
        """Both checksums are known and equal: Flyway cannot see the edit."""
        return self.checksum is not None and self.checksum == self.merged_checksum


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    """One row of Flyway's ``flyway_schema_history``."""

    installed_rank: int
    version: Version | None  # None for repeatables (and rows whose version Flyway could not have written)
    version_text: str | None
    description: str
    type: str  # SQL, JDBC, BASELINE, SCHEMA, DELETE, UNDO_SQL, …
    script: str
    checksum: int | None
    success: bool
    installed_on: str  # ISO 8601, as the database returned it


@dataclass(frozen=True, slots=True)
class DatabaseState:
    """A migration as the database's history sees it (``flyway info``'s State column)."""

    # applied | baseline | checksum-mismatch | failed | pending | ignored | below-baseline | outdated | missing
    state: str
    migration: MigrationFile | None  # the local file; None when missing
    row: AppliedMigration | None  # the latest row about it; None when never applied
    checksum: int | None = None  # the local file's checksum


@dataclass(slots=True)
class ChangeSetContext:
    project: Project
    config: Config
    base: Base | None
    changes: list[ChangedMigration]
    merged: list[MigrationFile]  # every file of the migration folders on the base
    applied: list[AppliedMigration] | None = None  # with --database-url
    database: list[DatabaseState] | None = None  # every migration against ``applied``
    current_checksums: dict = field(default_factory=dict)  # MigrationFile.path → checksum (None: unreadable)
    location_displays: dict = field(default_factory=dict)  # location path → how reports show it

    def base_only(self) -> list[MigrationFile]:
        """Files merged on the base that this branch neither has nor removed (merged after it started)."""
        present = {(f.location, f.relpath) for f in self.project.files}
        touched = {(c.merged.location, c.merged.relpath) for c in self.changes if c.merged is not None}
        return [
            m for m in self.merged if (m.location, m.relpath) not in present and (m.location, m.relpath) not in touched
        ]

    def display_in(self, location, relpath: str) -> str:
        """How reports show ``relpath`` inside ``location``."""
        root = self.location_displays.get(location, ".")
        return relpath if root in ("", ".") else os.path.join(root, relpath)
