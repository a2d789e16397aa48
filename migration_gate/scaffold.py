"""``migration-gate new NAME``: the next migration in the runner's file shape, from the guide's templates.

Flyway: ``V<next>__NAME.sql`` and ``rollback/V<next>__rollback.sql``; pairs
(golang-migrate, pop, sqlx reversible, ``up-down``) ``<next>_NAME.up.sql`` and
``.down.sql``; Diesel a ``<next>_NAME/`` folder with ``up.sql`` and
``down.sql``; goose, dbmate and sql-migrate one file with both sections;
Liquibase a formatted-SQL file with a changeset and its ``--rollback``; Sqitch
the change's deploy, revert and verify scripts and its line in
``sqitch.plan``; forward-only runners (Prisma, Atlas, sqlx simple files) the
migration alone.  drizzle and ``pattern`` are refused: their runner writes its
own files.

The version continues the repository's style, read from its highest version:
the last number is incremented keeping its zero padding (``V014`` → ``V015``,
``V1.9`` → ``V1.10``, ``V2_3`` → ``V2_4``); a timestamp version
(``20240305120032``, Diesel's ``2024-03-05-120032``) gets the current UTC time
in the same format (or the next number if the clock is behind).  An empty
project starts at ``V001`` (the guide's style) for Flyway and at a timestamp
for up/down layouts.

The files come from ``templates/new_migration.sql.j2`` and
``new_rollback.sql.j2`` (the guide's §3.2 and §7.1 headers); ``BEGIN;`` /
``COMMIT;`` are written only in the ``explicit`` transaction mode, where the
files manage their own transactions.  Nothing is ever overwritten.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .core.config import Config
from .core.migration import Project
from .discovery import classify
from .errors import UsageError
from .scaffold_files import SECTION_LAYOUTS as SECTION_LAYOUTS
from .scaffold_files import NewFile as NewFile
from .scaffold_files import reject, single_file, sqitch_files
from .scaffold_versions import TIMESTAMP_FORMATS, highest_version, version_text
from .scaffold_versions import next_version as next_version


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _author(root: Path) -> str:
    from .history.git import GitError, git

    try:
        name = git(["config", "user.name"], root).strip()
    except (GitError, OSError):
        name = ""
    return name or os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def plan(
    project: Project, config: Config, location: Path, location_display: str, name: str, now: datetime | None = None
) -> list[NewFile]:
    """The migration and rollback files to write, or a :class:`UsageError` saying why not."""
    now = now or datetime.now(UTC)
    layout = _layout_for_new(config, location, name)
    highest = highest_version(project)
    version = next_version(
        version_text(highest) if highest else None, "flyway" if layout == "flyway" else "up-down", now
    )
    diesel = layout == "diesel" or (layout == "up-down" and highest is not None and highest.path.name == "up.sql")

    def shown(path: Path) -> str:
        rel = path.relative_to(location).as_posix()
        return rel if location_display in ("", ".") else os.path.join(location_display, rel)

    from .docs import _environment

    env = _environment()
    values = {
        "author": _author(config.root),
        "date": now.date().isoformat(),
        "explicit": config.transaction_mode == "explicit",
    }
    if layout in SECTION_LAYOUTS:
        return _refuse_existing(single_file(project, config, location, shown, layout, version, name, env, values, now))
    if layout == "sqitch":
        return _refuse_existing(sqitch_files(config, location, shown, name, env, values, now))
    path, rollback, file_name, rollback_name, rollback_shown = _names(
        project, config, location, shown, layout, diesel, version, name, now
    )
    migration = classify(path, shown(path), location, config)
    if migration.kind != "versioned" or migration.name_problem:
        raise reject(name, file_name, migration.name_problem or migration.note or "not a versioned migration name")
    if layout != "flyway" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise reject(name, file_name, "use letters, digits, `_` and `-` only")
    if (
        highest is not None
        and migration.version is not None
        and highest.version is not None
        and migration.version <= highest.version
    ):  # pragma: no cover - defensive
        raise UsageError(f"cannot find a version above {highest.version}")
    body = env.get_template("new_migration.sql.j2").render(
        file_name=file_name,
        description=name.replace("_", " "),
        rollback=_relative(rollback, config.root) if rollback is not None else "none (the runner is forward only)",
        **values,
    )
    files = [NewFile(path, shown(path), body)]
    if rollback is not None:
        undo = env.get_template("new_rollback.sql.j2").render(
            file_name=rollback_name, migration_name=file_name, **values
        )
        files.append(NewFile(rollback, rollback_shown, undo))
    return _refuse_existing(files)


def _layout_for_new(config: Config, location: Path, name: str) -> str:
    """The folder's layout, once NAME is a usable file name and the runner lets the gate write its files."""
    if not name or not name.strip():
        raise UsageError("NAME is empty: give the migration's description, e.g. add_user_preferences")
    if any(sep in name for sep in ("/", "\\", "\0")) or name.startswith("."):
        raise UsageError(f"NAME {name!r} is not a file name: no folders, no leading dot")
    layout = config.layout_of(location)
    if layout in ("drizzle", "pattern"):
        raise UsageError(
            {
                "drizzle": "layout drizzle: write migrations with `drizzle-kit generate`, which also records them "
                "in meta/_journal.json (a file missing from the journal never runs)",
                "pattern": "layout pattern: migration-gate cannot tell which file names your runner expects",
            }[layout]
        )
    return layout


def _names(
    project: Project,
    config: Config,
    location: Path,
    shown: Callable[[Path], str],
    layout: str,
    diesel: bool,
    version: str,
    name: str,
    now: datetime,
) -> tuple[Path, Path | None, str, str, str]:
    """(path, rollback path, file name, rollback name, rollback as shown) in the runner's file shape."""
    rollback: Path | None
    if layout == "flyway":
        file_name = f"V{version}__{name}.sql"
        path = location / file_name
        rollback_dir = (config.root / config.rollback_path) if config.rollback_path else location / "rollback"
        rollback = rollback_dir / f"V{version}__rollback.sql"
        rollback_name = f"{rollback_dir.name}/{rollback.name}"
        rollback_shown = shown(rollback) if rollback.is_relative_to(location) else str(rollback)
    elif diesel:
        folder = location / f"{version}_{name}"
        path, rollback = folder / "up.sql", folder / "down.sql"
        file_name, rollback_name = f"{folder.name}/up.sql", f"{folder.name}/down.sql"
        rollback_shown = shown(rollback)
    elif layout in ("prisma", "atlas") or (layout == "sqlx" and not project.rollbacks()):
        stamp = version if layout == "sqlx" else now.strftime(TIMESTAMP_FORMATS[14])
        file_name = f"{stamp}_{name}/migration.sql" if layout == "prisma" else f"{stamp}_{name}.sql"
        path, rollback = location / file_name, None
        rollback_name = rollback_shown = ""
    else:
        file_name = f"{version}_{name}.up.sql"
        path, rollback = location / file_name, location / f"{version}_{name}.down.sql"
        rollback_name = rollback.name
        rollback_shown = shown(rollback)
    return path, rollback, file_name, rollback_name, rollback_shown


def _refuse_existing(files: list[NewFile]) -> list[NewFile]:
    existing = [f.display for f in files if not f.append and f.path.exists()]
    if existing:
        raise UsageError(f"{existing[0]} already exists; nothing written (migration-gate new never overwrites)")
    return files


def write(files: list[NewFile]) -> None:
    """Create the files; none is overwritten (and a partial write is undone)."""
    written: list[Path] = []
    try:
        for f in files:
            if f.append:
                continue
            f.path.parent.mkdir(parents=True, exist_ok=True)
            with open(f.path, "x", encoding="utf-8", newline="\n") as out:
                written.append(f.path)
                out.write(f.content)
    except FileExistsError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise UsageError(f"{exc.filename} already exists; nothing written") from None
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise UsageError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
    for f in files:
        if f.append:  # written last, once the new files exist
            f.path.write_text(f.content, encoding="utf-8", newline="\n")
