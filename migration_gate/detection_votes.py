"""What tells a folder's runner: the folders under a root (:func:`scan`) and the runners each one's markers
name (:func:`folder_votes`); :mod:`.detection` decides between them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .runner_settings import Hints, ancestors

SKIP_DIRS = {"node_modules", "vendor", "target", "__pycache__", "dist", "build", "venv"}
READ_BYTES = 16384  # markers sit at the top of a file
_GOOSE = re.compile(r"^--\s*\+goose\s+up\b", re.I | re.M)
_SQL_MIGRATE = re.compile(r"^-- \+migrate (Up|Down)\b", re.M)
_DBMATE = re.compile(r"^--\s*migrate:up(\s|$)", re.M)
#: Text every match of a marker pattern contains, searched first: an anchored multi-line pattern tries every
#: line (5 ms each over 20,000 heads), a literal is found or ruled out in a fraction of a millisecond.
_GOOSE_LITERAL = re.compile(r"\+goose", re.I)  # the same case rules as _GOOSE
_SQL_MIGRATE_LITERAL = "-- +migrate "
_DBMATE_LITERAL = "migrate:up"
_LIQUIBASE = re.compile(r"\A\s*--\s*liquibase\s*formatted", re.I)
_FLYWAY_NAME = re.compile(r"(V[0-9][0-9._]*__.*|R__.+|U[0-9][0-9._]*__.*)\.sql\Z")
_PAIR = re.compile(r"[0-9][0-9-]*_.+\.(up|down)\.sql\Z")
_GM_OTHER_EXT = re.compile(r"[0-9]+_.+\.(up|down)\.(?!sql\Z)[A-Za-z0-9]+\Z")
_NUMBERED = re.compile(r"[0-9]+[_-].+\.sql\Z")
_POP_HINT = re.compile(r"\.(postgres|cockroach|mysql|sqlite3?)\.(up|down)\.sql\Z|\.autocommit\.(up|down)\.sql\Z")
_DRIZZLE_V1 = re.compile(r"[0-9]{14}_")
_HCL_STRING = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"', re.M)


@dataclass
class Folder:
    path: Path
    sql: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    subdirs: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- scanning


def scan(root: Path) -> dict[Path, Folder]:
    folders: dict[Path, Folder] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        folder = Folder(Path(dirpath), subdirs=list(dirnames))
        for name in sorted(filenames):
            (folder.sql if name.endswith(".sql") else folder.others).append(name)
        folders[folder.path] = folder
    return folders


#: How :func:`head` opens a file (``O_BINARY``: Windows only; looked up once, a missing attribute costs an
#: exception each time it is asked for).
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def head(path: Path | str) -> str:
    # os.open/os.read: a folder of tens of thousands of files is read here, and a buffered file object
    # costs three times as much as the read itself
    try:
        descriptor = os.open(path, _READ_FLAGS)
    except OSError:
        return ""
    try:
        data = os.read(descriptor, READ_BYTES)
    except OSError:
        return ""
    finally:
        os.close(descriptor)
    return data.decode("utf-8", "replace").lstrip("\ufeff")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------- votes


@dataclass
class Vote:
    layout: str
    reason: str
    strong: bool = True
    claims: tuple[Path, ...] = ()  # sub-folders that belong to this folder's runner


def folder_votes(folder: Folder, folders: dict[Path, Folder], hints: Hints) -> list[Vote]:
    """The runners a folder's markers name: files beside the migrations, then what the SQL files say, then names.

    The order matters: without a strong vote, the first weak one wins.
    """
    base = os.path.join(folder.path, "")  # text, not a Path per file: a folder may hold tens of thousands
    heads = [head(base + name) for name in folder.sql]
    markers = _marker_votes(heads)
    return [*_file_votes(folder, folders, hints), *markers, *_name_votes(folder, folders, hints, heads, markers)]


def _file_votes(folder: Folder, folders: dict[Path, Folder], hints: Hints) -> list[Vote]:
    """Files a runner keeps beside its migrations (sqitch.plan, migration_lock.toml, a journal, a changelog …)."""
    votes: list[Vote] = []
    path = folder.path
    names = set(folder.others)
    subdirs = [path / d for d in folder.subdirs]
    if "sqitch.plan" in names:
        scripts = tuple(path / d for d in ("deploy", "revert", "verify") if d in folder.subdirs)
        votes.append(Vote("sqitch", "from sqitch.plan", claims=scripts))
    if "migration_lock.toml" in names:
        votes.append(Vote("prisma", "from migration_lock.toml", claims=tuple(subdirs)))
    elif any(d in folders and _prisma8_package(folders[d]) for d in subdirs):
        votes.append(Vote("prisma", PRISMA8_REASON, claims=tuple(subdirs)))
    if (path / "meta" / "_journal.json").is_file():
        votes.append(Vote("drizzle", "from meta/_journal.json", claims=(path / "meta",)))
    elif any(
        _DRIZZLE_V1.match(d.name) and (d / "migration.sql").is_file() and (d / "snapshot.json").is_file()
        for d in subdirs
    ):
        votes.append(
            Vote(
                "drizzle",
                "from <timestamp>_<name>/ folders holding migration.sql and snapshot.json, drizzle-kit 1.x's layout",
                claims=tuple(subdirs),
            )
        )
    if "atlas.sum" in names:
        votes.append(_atlas_vote(path, hints))
    diesel_dirs = [d for d in subdirs if (d / "up.sql").is_file()]
    if diesel_dirs and "migration_lock.toml" not in names:
        votes.append(Vote("diesel", "from <version>_<name>/up.sql folders", claims=tuple(subdirs)))
    changelogs = [
        n for n in folder.others if n.endswith((".xml", ".yaml", ".yml", ".json")) and _is_changelog(path / n)
    ]
    if changelogs:
        votes.append(Vote("liquibase", f"from the Liquibase changelog {sorted(changelogs)[0]}", claims=tuple(subdirs)))
    return votes


#: Between two files' heads when they are searched as one text: no pattern's whitespace crosses a NUL, so
#: no match spans two files, and each head still starts a line.
_BETWEEN_FILES = "\n\0\n"


def _marker_votes(heads: list[str]) -> list[Vote]:
    """What the SQL files' first lines say (annotations, markers, headers)."""
    # a folder may hold tens of thousands of files: the line-anchored patterns search them all at once
    joined = _BETWEEN_FILES.join(heads)
    marker_votes = []
    for layout, found, what in (
        ("goose", _GOOSE_LITERAL.search(joined) and _GOOSE.search(joined), '"-- +goose Up" annotations'),
        (
            "sql-migrate",
            _SQL_MIGRATE_LITERAL in joined and _SQL_MIGRATE.search(joined),
            '"-- +migrate Up" annotations',
        ),
        ("dbmate", _DBMATE_LITERAL in joined and _DBMATE.search(joined), '"-- migrate:up" markers'),
        ("liquibase", any(_LIQUIBASE.match(head) for head in heads), '"--liquibase formatted sql" headers'),
    ):
        if found:
            marker_votes.append(Vote(layout, f"from {what}"))
    return marker_votes


def _name_votes(
    folder: Folder, folders: dict[Path, Folder], hints: Hints, heads: list[str], marker_votes: list[Vote]
) -> list[Vote]:
    """sqlx's first line, then the file names (Flyway's, pairs, numbered files), weakest last."""
    votes: list[Vote] = []
    path = folder.path
    names = set(folder.others)
    if any(head.startswith("-- no-transaction") for head in heads):
        votes.append(Vote("sqlx", 'from a "-- no-transaction" first line'))
    flyway_names = any(_FLYWAY_NAME.match(n) for n in folder.sql)  # the first one will do: 20,000 names cost 5 ms
    if flyway_names:  # Flyway reads its locations recursively: the sub-folders (rollback/, seeds/) are its own
        # `path in p.parents` without building each folder's parents: a repository has thousands of folders
        depth, parts = len(path.parts), path.parts
        inner = tuple(p for p in folders if len(p.parts) > depth and p.parts[:depth] == parts)
        votes.append(Vote("flyway", "from V<version>__<description>.sql names", strong=False, claims=inner))
    if any(_GM_OTHER_EXT.match(n) for n in folder.others):
        votes.append(
            Vote("golang-migrate", "from <version>_<name>.up.<ext> files (golang-migrate reads any extension)")
        )
    pairs = [n for n in folder.sql if _PAIR.match(n)] if not flyway_names else []
    if pairs:
        if any(_POP_HINT.search(n) for n in pairs) or any(n.endswith(".fizz") for n in folder.others):
            votes.append(Vote("pop", "from .postgres./.autocommit. file names or .fizz files", strong=False))
        else:
            hinted = hints.pair_runner(path)
            if hinted:
                votes.append(Vote(hinted[0], hinted[1], strong=False))
            else:
                votes.append(Vote("up-down", "", strong=False))
    elif folder.sql and not flyway_names and not marker_votes and all(_NUMBERED.match(n) for n in folder.sql):
        if "atlas.sum" not in names:
            votes.append(
                Vote(
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


def _prisma8_package(folder: Folder) -> bool:
    names = set(folder.others)
    return "ops.json" in names and ("migration.ts" in names or "migration.json" in names)


def prisma8_folders(root: Path) -> list[Path]:
    """Folders under ``root`` (itself included) whose sub-folders are Prisma 8 migration packages."""
    folders = scan(root) if root.is_dir() else {}
    return sorted(
        path
        for path, folder in folders.items()
        if any(path / d in folders and _prisma8_package(folders[path / d]) for d in folder.subdirs)
    )


def _atlas_vote(path: Path, hints: Hints) -> Vote:
    for candidate in ancestors(path, hints.top):
        text = hints.read(candidate / "atlas.hcl")
        if text is None:
            continue
        values = dict(_HCL_STRING.findall(text))
        resolved = {k: _hcl_locals(v, values) for k, v in values.items()}
        fmt = resolved.get("format") or resolved.get("migrations_format")
        if fmt == "golang-migrate":
            return Vote("golang-migrate", 'from atlas.hcl format = "golang-migrate" (golang-migrate applies them)')
    return Vote("atlas", "from atlas.sum")


def _hcl_locals(value: str, values: dict[str, str]) -> str:
    """``${local.name}`` references replaced by the ``name = "…"`` values of the same file."""
    return re.sub(r"\$\{local\.(\w+)\}", lambda m: values.get(m.group(1), ""), value)


def _is_changelog(path: Path) -> bool:
    return "databaseChangeLog" in head(path)
