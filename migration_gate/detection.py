"""``layout: auto``: the migration folders under a root and the runner of each, from what the repository holds.

Markers, strongest first:

* files a runner keeps beside its migrations: ``sqitch.plan`` (Sqitch),
  ``migration_lock.toml`` (Prisma; Prisma 8's ``<dir>/migration.ts`` + ``ops.json``
  packages are found and said to be unchecked), ``meta/_journal.json`` (drizzle; 1.x:
  ``<timestamp>_<name>/`` folders with ``migration.sql`` and ``snapshot.json``),
  ``atlas.sum`` (Atlas, or golang-migrate when ``atlas.hcl`` says
  ``format = "golang-migrate"``), ``diesel.toml`` / ``<version>_<name>/up.sql``
  (Diesel), ``flyway.conf`` / ``flyway.toml``, a Liquibase changelog
  (``databaseChangeLog``) or ``liquibase.properties``;
* what the SQL files say: ``-- +goose Up``, ``-- +migrate Up``,
  ``-- migrate:up``, ``--liquibase formatted sql``, sqlx's
  ``-- no-transaction`` first line;
* names: ``V<version>__….sql`` (Flyway), ``<version>_<name>.up.<ext>`` with an
  extension other than ``.sql`` (only golang-migrate reads those);
* what the project depends on (``go.mod``, ``Cargo.toml``, ``package.json``),
  which tells the runners of ``.up.sql`` / ``.down.sql`` pairs apart.

``.up.sql`` pairs that nothing else explains fall back to the generic
``up-down`` layout, and the line says so; numbered ``<version>_<name>.sql``
files without any marker can only be sqlx's simple migrations.  Markers of two
runners in the same folder are a :class:`~migration_gate.errors.UsageError`
(exit 2).  Each folder found gives one line for stderr (:meth:`Found.line`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .detection_votes import PRISMA8_REASON as PRISMA8_REASON
from .detection_votes import Folder, Vote, folder_votes, scan
from .detection_votes import prisma8_folders as prisma8_folders
from .errors import UsageError
from .runner_settings import Hints, read_settings, repo_root

#: Runners whose migrations are ``.up.sql`` / ``.down.sql`` pairs (what a hint may pick between).
PAIR_RUNNERS = ("golang-migrate", "sqlx", "pop")


@dataclass
class Found:
    """One migrations folder and its runner."""

    folder: Path
    layout: str
    reason: str  # what told it ("from \"-- +goose Up\" annotations")
    options: dict[str, str] = field(default_factory=dict)  # runner settings read from the repository
    facts: list[str] = field(default_factory=list)  # versions found or assumed, settings read

    def line(self, display: str) -> str:
        extra = "".join(f"; {fact}" for fact in self.facts)
        return f"migration-gate: {display}: {self.layout} ({self.reason}{extra})"


# --------------------------------------------------------------------------- resolving


def detect(root: Path) -> list[Found]:
    """The migration folders under ``root`` (itself included) and their runners, by folder path."""
    folders = scan(root)
    hints = Hints(repo_root(root))
    claimed: dict[Path, Path] = {}  # sub-folder → the folder whose runner owns it
    decided: dict[Path, Vote] = {}
    for path in sorted(folders):
        if any(parent in claimed for parent in (path, *path.parents)):
            continue
        votes = folder_votes(folders[path], folders, hints)
        if not votes:
            continue
        strong = {v.layout: v for v in votes if v.strong}
        if len(strong) > 1:
            first, second = sorted(strong.values(), key=lambda v: v.layout)[:2]
            raise UsageError(
                f"{path}: markers of two runners claim this folder: {first.layout} ({first.reason}) and "
                f"{second.layout} ({second.reason}); set migrations.layout for it"
            )
        vote = next(iter(strong.values())) if strong else votes[0]
        if vote.layout == "liquibase":
            vote = _liquibase_root(path, vote, folders, decided, claimed)
        decided[path] = vote
        for sub in vote.claims:
            claimed[sub] = path
    _adopt_project_runner(decided)
    found = []
    for path, vote in sorted(decided.items()):
        if vote.layout == "up-down":
            vote.reason = (
                "nothing tells golang-migrate, sqlx, pop and Diesel apart: .up.sql/.down.sql pairs without a go.mod, "
                "Cargo.toml or diesel.toml hint; set migrations.layout to the runner"
            )
        found.append(Found(path, vote.layout, vote.reason))
    for item in found:
        if item.reason != PRISMA8_REASON:  # nothing of Prisma 8's is read: its settings change nothing
            read_settings(item, hints)
    return found


def _liquibase_root(
    path: Path, vote: Vote, folders: dict[Path, Folder], decided: dict[Path, Vote], claimed: dict[Path, Path]
) -> Vote:
    """Formatted SQL files in folders below a changelog's folder belong to that folder."""
    for parent in path.parents:
        if parent in decided and decided[parent].layout == "liquibase":
            claimed[path] = parent
            return decided[parent]
    return Vote("liquibase", vote.reason, claims=tuple(p for p in folders if p != path and path in p.parents))


def _adopt_project_runner(decided: dict[Path, Vote]) -> None:
    """Pairs that nothing explains take the pair runner a marker names elsewhere in the same tree."""
    named = {v.layout for v in decided.values() if v.strong and v.layout in PAIR_RUNNERS}
    if len(named) != 1:
        return
    layout = next(iter(named))
    for vote in decided.values():
        if vote.layout == "up-down":
            vote.layout = layout
            vote.reason = f"its .up.sql pairs, and {layout}'s markers elsewhere in the project"
