"""Migration files as the analysis sees them, and the set of them (found by :mod:`migration_gate.discovery`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .version import Version


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One ``.sql`` file and what it is to the gate and to the runner."""

    path: Path  # on disk
    display: str  # in reports
    location: Path  # the migrations folder it belongs to
    relpath: str  # inside the location, with ``/``
    kind: str  # versioned | repeatable | rollback | other
    version: Version | None = None
    description: str | None = None
    name_problem: str | None = None  # set when the name fits no pattern of the layout
    name_help: str | None = None  # how to fix ``name_problem``, when the layout knows better than a rename
    note: str | None = None  # why an ``other`` file is not a migration
    flyway_version: Version | None = None  # the version Flyway itself reads from the name
    autocommit: bool = False  # pop's ``.autocommit.`` flag
    #: The runner does not wrap this file in a transaction (its name or a sidecar file says so).
    runner_opt_out: bool = False
    #: The layout (runner) the file was classified by: ``flyway``, ``up-down``, ``goose``, …
    layout: str = ""
    #: The runner has no way to undo this migration (sqlx simple files, Prisma, Atlas, drizzle).
    forward_only: bool = False
    #: ``down``: this is the down section of the file at ``path`` (goose, dbmate, sql-migrate, Liquibase),
    #: seen as its rollback; empty for a whole file.
    section: str = ""

    @property
    def is_migration(self) -> bool:
        return self.kind in ("versioned", "repeatable")

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(slots=True)
class Project:
    """Every migration file of the configured (or given) locations."""

    config: Config
    locations: list[Path]
    files: list[MigrationFile] = field(default_factory=list)
    #: The files found in each location, by the location's absolute, normalised path.
    by_location: dict[str, list[MigrationFile]] = field(default_factory=dict)
    #: The files that are themselves symbolic links, as discovery's listings said (None: not known, ask
    #: the file system).
    linked: frozenset[Path] | None = None

    def add(self, migration: MigrationFile) -> None:
        """A file discovery did not list (a PATH in a hidden folder, an editor's unsaved buffer), with
        ``linked`` kept true."""
        self.files.append(migration)
        if self.linked is not None and os.path.islink(migration.path):
            self.linked = self.linked | {migration.path}

    def versioned(self) -> list[MigrationFile]:
        return [f for f in self.files if f.kind == "versioned"]

    def rollbacks(self) -> list[MigrationFile]:
        return [f for f in self.files if f.kind == "rollback"]

    def by_path(self) -> dict[Path, MigrationFile]:
        return {f.path: f for f in self.files}


def history_scope(migration: MigrationFile) -> object:
    """Which migrations form one history with this one (the same value): Flyway merges all its locations
    into one set of migrations (the generic up-down layout is read the same way); the other runners
    read one folder per run."""
    return None if migration.layout in ("flyway", "up-down", "") else migration.location
