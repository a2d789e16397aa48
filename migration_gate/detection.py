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

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .runner_settings import Hints, ancestors, read_settings, repo_root

SKIP_DIRS = {"node_modules", "vendor", "target", "__pycache__", "dist", "build", "venv"}
READ_BYTES = 16384  # markers sit at the top of a file

_GOOSE = re.compile(r"^--\s*\+goose\s+up\b", re.I | re.M)
_SQL_MIGRATE = re.compile(r"^-- \+migrate (Up|Down)\b", re.M)
_DBMATE = re.compile(r"^--\s*migrate:up(\s|$)", re.M)
_LIQUIBASE = re.compile(r"\A\s*--\s*liquibase\s*formatted", re.I)
_FLYWAY_NAME = re.compile(r"(V[0-9][0-9._]*__.*|R__.+|U[0-9][0-9._]*__.*)\.sql\Z")
_PAIR = re.compile(r"[0-9][0-9-]*_.+\.(up|down)\.sql\Z")
_GM_OTHER_EXT = re.compile(r"[0-9]+_.+\.(up|down)\.(?!sql\Z)[A-Za-z0-9]+\Z")
_NUMBERED = re.compile(r"[0-9]+[_-].+\.sql\Z")
_POP_HINT = re.compile(r"\.(postgres|cockroach|mysql|sqlite3?)\.(up|down)\.sql\Z|\.autocommit\.(up|down)\.sql\Z")
_DRIZZLE_V1 = re.compile(r"[0-9]{14}_")
_HCL_STRING = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"', re.M)

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


@dataclass
class _Folder:
    path: Path
    sql: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    subdirs: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- scanning


def _scan(root: Path) -> dict[Path, _Folder]:
    folders: dict[Path, _Folder] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        folder = _Folder(Path(dirpath), subdirs=list(dirnames))
        for name in sorted(filenames):
            (folder.sql if name.endswith(".sql") else folder.others).append(name)
        folders[folder.path] = folder
    return folders


def _head(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(READ_BYTES)
    except OSError:
        return ""
    return data.decode("utf-8", "replace").lstrip("\ufeff")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------- votes


@dataclass
class _Vote:
    layout: str
    reason: str
    strong: bool = True
    claims: tuple[Path, ...] = ()  # sub-folders that belong to this folder's runner


def _votes(folder: _Folder, folders: dict[Path, _Folder], hints: Hints) -> list[_Vote]:
    votes: list[_Vote] = []
    path = folder.path
    names = set(folder.others)
    subdirs = [path / d for d in folder.subdirs]
    if "sqitch.plan" in names:
        scripts = tuple(path / d for d in ("deploy", "revert", "verify") if d in folder.subdirs)
        votes.append(_Vote("sqitch", "from sqitch.plan", claims=scripts))
    if "migration_lock.toml" in names:
        votes.append(_Vote("prisma", "from migration_lock.toml", claims=tuple(subdirs)))
    elif any(d in folders and _prisma8_package(folders[d]) for d in subdirs):
        votes.append(_Vote("prisma", PRISMA8_REASON, claims=tuple(subdirs)))
    if (path / "meta" / "_journal.json").is_file():
        votes.append(_Vote("drizzle", "from meta/_journal.json", claims=(path / "meta",)))
    elif any(
        _DRIZZLE_V1.match(d.name) and (d / "migration.sql").is_file() and (d / "snapshot.json").is_file()
        for d in subdirs
    ):
        votes.append(
            _Vote(
                "drizzle",
                "from <timestamp>_<name>/ folders holding migration.sql and snapshot.json, drizzle-kit 1.x's layout",
                claims=tuple(subdirs),
            )
        )
    if "atlas.sum" in names:
        votes.append(_atlas_vote(path, hints))
    diesel_dirs = [d for d in subdirs if (d / "up.sql").is_file()]
    if diesel_dirs and "migration_lock.toml" not in names:
        votes.append(_Vote("diesel", "from <version>_<name>/up.sql folders", claims=tuple(subdirs)))
    changelogs = [
        n for n in folder.others if n.endswith((".xml", ".yaml", ".yml", ".json")) and _is_changelog(path / n)
    ]
    if changelogs:
        votes.append(_Vote("liquibase", f"from the Liquibase changelog {sorted(changelogs)[0]}", claims=tuple(subdirs)))
    heads = {name: _head(path / name) for name in folder.sql}
    marker_votes = []
    for layout, pattern, what in (
        ("goose", _GOOSE, '"-- +goose Up" annotations'),
        ("sql-migrate", _SQL_MIGRATE, '"-- +migrate Up" annotations'),
        ("dbmate", _DBMATE, '"-- migrate:up" markers'),
        ("liquibase", _LIQUIBASE, '"--liquibase formatted sql" headers'),
    ):
        hits = [n for n, head in heads.items() if pattern.search(head)]
        if hits:
            marker_votes.append(_Vote(layout, f"from {what}"))
    votes.extend(marker_votes)
    if any(head.startswith("-- no-transaction") for head in heads.values()):
        votes.append(_Vote("sqlx", 'from a "-- no-transaction" first line'))
    flyway_names = [n for n in folder.sql if _FLYWAY_NAME.match(n)]
    if flyway_names:  # Flyway reads its locations recursively: the sub-folders (rollback/, seeds/) are its own
        inner = tuple(p for p in folders if path in p.parents)
        votes.append(_Vote("flyway", "from V<version>__<description>.sql names", strong=False, claims=inner))
    if any(_GM_OTHER_EXT.match(n) for n in folder.others):
        votes.append(
            _Vote("golang-migrate", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)")
        )
    pairs = [n for n in folder.sql if _PAIR.match(n)]
    if pairs and not flyway_names:
        if any(_POP_HINT.search(n) for n in pairs) or any(n.endswith(".fizz") for n in folder.others):
            votes.append(_Vote("pop", "from .postgres./.autocommit. file names or .fizz files", strong=False))
        else:
            hinted = hints.pair_runner(path)
            if hinted:
                votes.append(_Vote(hinted[0], hinted[1], strong=False))
            else:
                votes.append(_Vote("up-down", "", strong=False))
    elif folder.sql and not flyway_names and not marker_votes and all(_NUMBERED.match(n) for n in folder.sql):
        if "atlas.sum" not in names:
            votes.append(
                _Vote(
                    "sqlx",
                    "from <version>_<name>.sql names without runner markers (of the runners the gate knows, "
                    "only sqlx runs such files)",
                    strong=False,
                )
            )
    return votes


#: Prisma 8 keeps each migration as a package: ``<dir>/migration.ts`` (authoring), ``migration.json`` and
#: ``ops.json`` (the SQL, as JSON operations the runner applies); no ``.sql`` file the gate could read.
PRISMA8_REASON = (
    "Prisma 8 migration packages, <dir>/migration.ts and ops.json: not checked, the prisma layout covers Prisma ORM 7 "
    "and earlier, <folder>/migration.sql"
)


def _prisma8_package(folder: _Folder) -> bool:
    names = set(folder.others)
    return "ops.json" in names and ("migration.ts" in names or "migration.json" in names)


def prisma8_folders(root: Path) -> list[Path]:
    """Folders under ``root`` (itself included) whose sub-folders are Prisma 8 migration packages."""
    folders = _scan(root) if root.is_dir() else {}
    return sorted(
        path
        for path, folder in folders.items()
        if any(path / d in folders and _prisma8_package(folders[path / d]) for d in folder.subdirs)
    )


def _atlas_vote(path: Path, hints: Hints) -> _Vote:
    for candidate in ancestors(path, hints.top):
        text = hints.read(candidate / "atlas.hcl")
        if text is None:
            continue
        values = dict(_HCL_STRING.findall(text))
        resolved = {k: _hcl_locals(v, values) for k, v in values.items()}
        fmt = resolved.get("format") or resolved.get("migrations_format")
        if fmt == "golang-migrate":
            return _Vote("golang-migrate", 'from atlas.hcl format = "golang-migrate" (golang-migrate applies them)')
    return _Vote("atlas", "from atlas.sum")


def _hcl_locals(value: str, values: dict[str, str]) -> str:
    """``${local.name}`` references replaced by the ``name = "…"`` values of the same file."""
    return re.sub(r"\$\{local\.(\w+)\}", lambda m: values.get(m.group(1), ""), value)


def _is_changelog(path: Path) -> bool:
    return "databaseChangeLog" in _head(path)


# --------------------------------------------------------------------------- resolving


def detect(root: Path) -> list[Found]:
    """The migration folders under ``root`` (itself included) and their runners, by folder path."""
    folders = _scan(root)
    hints = Hints(repo_root(root))
    claimed: dict[Path, Path] = {}  # sub-folder → the folder whose runner owns it
    decided: dict[Path, _Vote] = {}
    for path in sorted(folders):
        if any(parent in claimed for parent in (path, *path.parents)):
            continue
        votes = _votes(folders[path], folders, hints)
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
    path: Path, vote: _Vote, folders: dict[Path, _Folder], decided: dict[Path, _Vote], claimed: dict[Path, Path]
) -> _Vote:
    """Formatted SQL files in folders below a changelog's folder belong to that folder."""
    for parent in path.parents:
        if parent in decided and decided[parent].layout == "liquibase":
            claimed[path] = parent
            return decided[parent]
    return _Vote("liquibase", vote.reason, claims=tuple(p for p in folders if p != path and path in p.parents))


def _adopt_project_runner(decided: dict[Path, _Vote]) -> None:
    """Pairs that nothing explains take the pair runner a marker names elsewhere in the same tree."""
    named = {v.layout for v in decided.values() if v.strong and v.layout in PAIR_RUNNERS}
    if len(named) != 1:
        return
    layout = next(iter(named))
    for vote in decided.values():
        if vote.layout == "up-down":
            vote.layout = layout
            vote.reason = f"its .up.sql pairs, and {layout}'s markers elsewhere in the project"
