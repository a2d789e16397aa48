"""The change set against the base, as change-set rules see it: what is merged, what this branch added,
changed, renamed or deleted (with the checksums each runner keeps), the runner facts read at the edge, and,
with ``--database-url``, the rows of ``flyway_schema_history``.

:mod:`migration_gate.history` fills these in; :mod:`migration_gate.core.context` names them with the other
contexts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .migration import MigrationFile, Project
from .version import Version


@dataclass(frozen=True, slots=True)
class Base:
    """The commit the change set is compared with, and how it was found."""

    sha: str
    source: str  # e.g. "--base origin/main", "merge-base with origin/HEAD"

    @property
    def short(self) -> str:
        return self.sha[:12]


@dataclass(frozen=True, slots=True)
class ChangesetChange:
    """A Liquibase changeset of a merged changelog, as the working tree has it now."""

    key: str  # ``path::id::author`` on the base
    merged_checksum: str  # ``DATABASECHANGELOG.MD5SUM`` on the base, in the version compared
    checksum: str | None  # now; None when no changeset of that id and author is left
    offset: int | None  # of its ``--changeset`` line now
    run_on_change: bool = False  # ``runOnChange:true``: Liquibase runs it again instead of failing
    accepted: bool = False  # a ``--validCheckSum`` accepts the new value
    #: The bytes of its body changed but not its checksum (v9 ignores whitespace).
    whitespace_only: bool = False
    #: With checksum version 9 unchanged: whether version 8 (Liquibase before 4.22) would see the edit.
    v8_changed: bool = False
    #: ``path::id::author`` now, when the file moved and no ``logicalFilePath`` keeps the old identity.
    key_now: str | None = None


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
    #: The checksum the file's runner stores (sqlx, Prisma, drizzle, Sqitch), now and on the base (None: none).
    runner_checksum: str | None = None
    merged_runner_checksum: str | None = None
    #: The runner's own comparison accepts the file for the base's checksum (None: the runner never compares).
    runner_accepts: bool | None = None
    #: Now and on the base the file holds the same SQL tokens (only comments, whitespace, line endings differ).
    statements_unchanged: bool = False
    #: goose, dbmate, sql-migrate: only the down section's SQL differs from the base (what was applied is unchanged).
    up_unchanged: bool = False
    #: Liquibase: each changeset of the base's changelog compared with the working tree.
    changesets: tuple[ChangesetChange, ...] = ()

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


@dataclass(frozen=True, slots=True)
class RunnerSetting:
    """A runner setting that decides what the runner does, as the repository holds it."""

    name: str  # e.g. ``outOfOrder``
    value: str
    source: str | None  # where it was read (``flyway.conf``); None: not in the repository, the default assumed


@dataclass(frozen=True, slots=True)
class SumProblem:
    """A line of a committed ``atlas.sum`` that does not match the directory."""

    line: int  # 1-based
    offset: int  # character offset of that line in ``atlas.sum``
    file: str | None  # the migration it is about
    reason: str


@dataclass(frozen=True, slots=True)
class SqitchChange:
    """A change of the base's ``sqitch.plan`` whose deployed identity the working tree changes."""

    kind: str  # script (its deploy script's hash) | id (its change ID) | inserted (a new change before it)
    change: str  # as Sqitch names it: ``idx @v1``
    path: str  # where to report: the deploy script, or the plan
    offset: int | None
    merged_value: str  # script_hash or change ID on the base
    value: str | None  # now (None: the change or its script is gone)
    statements_unchanged: bool = False  # kind script: only comments or whitespace changed
    inserted: str | None = None  # kind inserted: the new change placed before it
    #: kinds id and inserted: the last merged change (the one a deployed database's registry ends with) and its ID
    #: on the base: ``sqitch deploy`` looks that ID up in the plan first.
    last_change: str | None = None
    last_id: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntryChange:
    """A drizzle journal entry the branch adds, and the newest ``when`` merged on the base."""

    tag: str
    when: int
    offset: int  # in the journal
    newest_merged_tag: str
    newest_merged_when: int


@dataclass(slots=True)
class RunnerFacts:
    """What the repository says about one migrations folder's runner (read at the edge)."""

    layout: str
    display: str  # the folder as reports show it
    settings: dict[str, RunnerSetting] = field(default_factory=dict)
    #: Atlas: ``atlas.sum`` as reports show it, and where it differs from the directory (empty: Atlas accepts it).
    sum_display: str | None = None
    sum_problems: tuple[SumProblem, ...] = ()
    #: Atlas: whether the base's ``atlas.sum`` already had problems (then the branch did not cause them).
    sum_broken_on_base: bool = False
    #: Sqitch: the plan as reports show it, and the merged changes whose identity changed.
    plan_display: str | None = None
    sqitch: tuple[SqitchChange, ...] = ()
    #: drizzle: ``meta/_journal.json`` as reports show it; 0 (journal) or 1 (folder per migration).
    journal_display: str | None = None
    drizzle_major: int | None = None
    journal_added: tuple[JournalEntryChange, ...] = ()
    #: drizzle 0.x: each journal entry's ``when`` by tag, now and on the base (the runner's identity of a migration).
    journal_whens: dict[str, int] = field(default_factory=dict)
    journal_whens_base: dict[str, int] = field(default_factory=dict)

    def setting(self, name: str) -> RunnerSetting | None:
        return self.settings.get(name)


@dataclass(slots=True)
class ChangeSetContext:
    project: Project
    config: Config
    base: Base | None
    changes: list[ChangedMigration]
    merged: list[MigrationFile]  # every file of the migration folders on the base
    applied: list[AppliedMigration] | None = None  # with --database-url
    database: list[DatabaseState] | None = None  # every migration against ``applied``
    #: MigrationFile.path → checksum (None: unreadable)
    current_checksums: dict[Path, int | None] = field(default_factory=dict)
    location_displays: dict[Path, str] = field(default_factory=dict)  # location path → how reports show it
    #: Per migrations folder (location path): its runner's settings and integrity files (non-Flyway layouts).
    runners: dict[Path, RunnerFacts] = field(default_factory=dict)

    def base_only(self) -> list[MigrationFile]:
        """Files merged on the base that this branch neither has nor removed (merged after it started)."""
        present = {(f.location, f.relpath) for f in self.project.files}
        touched = {(c.merged.location, c.merged.relpath) for c in self.changes if c.merged is not None}
        return [
            m for m in self.merged if (m.location, m.relpath) not in present and (m.location, m.relpath) not in touched
        ]

    def display_in(self, location: Path, relpath: str) -> str:
        """How reports show ``relpath`` inside ``location``."""
        root = self.location_displays.get(location, ".")
        return relpath if root in ("", ".") else os.path.join(root, relpath)
