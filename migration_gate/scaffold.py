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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .core.config import Config
from .core.migration import MigrationFile, Project
from .discovery import classify
from .errors import UsageError

_TIMESTAMP_FORMATS = {
    14: "%Y%m%d%H%M%S",
    12: "%Y%m%d%H%M",
}
_DIESEL = re.compile(r"\d{4}-\d{2}-\d{2}-\d{6}\Z")
_DIESEL_FORMAT = "%Y-%m-%d-%H%M%S"


@dataclass(frozen=True, slots=True)
class NewFile:
    path: Path
    display: str
    content: str
    append: bool = False  # an existing file rewritten with a line added (Sqitch's plan), not a new one


def next_version(highest: str | None, layout: str, now: datetime) -> str:
    """The version after ``highest`` (its text as written in the file name), in the same style."""
    if highest is None:
        return "001" if layout == "flyway" else now.strftime(_TIMESTAMP_FORMATS[14])
    if _DIESEL.match(highest):
        candidate = now.strftime(_DIESEL_FORMAT)
        return candidate if candidate.replace("-", "") > highest.replace("-", "") else _increment(highest)
    fmt = _TIMESTAMP_FORMATS.get(len(highest)) if highest.isdigit() else None
    if fmt is not None and _is_timestamp(highest, fmt):
        candidate = now.strftime(fmt)
        return candidate if int(candidate) > int(highest) else _increment(highest)
    return _increment(highest)


def _is_timestamp(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return text[:2] in ("19", "20")


def _increment(text: str) -> str:
    match = re.fullmatch(r"(.*?)(\d+)", text)
    if match is None:  # pragma: no cover - versions always end in a digit
        raise UsageError(f"cannot continue the version style of {text!r}")
    prefix, digits = match.groups()
    return prefix + str(int(digits) + 1).zfill(len(digits))


def _highest(project: Project) -> MigrationFile | None:
    versioned = [(m.version.key, m.display, m) for m in project.versioned() if m.version is not None]
    return max(versioned, key=lambda item: item[:2])[2] if versioned else None


def _version_text(migration: MigrationFile) -> str:
    """The version as written in the name (Diesel folders keep their dashes)."""
    if migration.path.name in ("up.sql", "down.sql"):
        return migration.path.parent.name.split("_", 1)[0]
    if migration.layout in ("sql-migrate", "liquibase"):  # the version is the file: continue its number
        found = re.match(r"\d+", migration.path.name)
        return found.group(0) if found else str(migration.version)
    return str(migration.version)


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


def _reject(name: str, file_name: str, problem: str) -> UsageError:
    suggestion = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    hint = f" (e.g. {suggestion})" if suggestion and suggestion != name else ""
    return UsageError(f"NAME {name!r} would give {file_name}: {problem}{hint}")


def plan(
    project: Project, config: Config, location: Path, location_display: str, name: str, now: datetime | None = None
) -> list[NewFile]:
    """The migration and rollback files to write, or a :class:`UsageError` saying why not."""
    now = now or datetime.now(UTC)
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
    highest = _highest(project)
    version = next_version(
        _version_text(highest) if highest else None, "flyway" if layout == "flyway" else "up-down", now
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
        return _refuse_existing(_single_file(project, config, location, shown, layout, version, name, env, values, now))
    if layout == "sqitch":
        return _refuse_existing(_sqitch(config, location, shown, name, env, values, now))
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
        stamp = version if layout == "sqlx" else now.strftime(_TIMESTAMP_FORMATS[14])
        file_name = f"{stamp}_{name}/migration.sql" if layout == "prisma" else f"{stamp}_{name}.sql"
        path, rollback = location / file_name, None
        rollback_name = rollback_shown = ""
    else:
        file_name = f"{version}_{name}.up.sql"
        path, rollback = location / file_name, location / f"{version}_{name}.down.sql"
        rollback_name = rollback.name
        rollback_shown = shown(rollback)
    migration = classify(path, shown(path), location, config)
    if migration.kind != "versioned" or migration.name_problem:
        raise _reject(name, file_name, migration.name_problem or migration.note or "not a versioned migration name")
    if layout != "flyway" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise _reject(name, file_name, "use letters, digits, `_` and `-` only")
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


def _refuse_existing(files: list[NewFile]) -> list[NewFile]:
    existing = [f.display for f in files if not f.append and f.path.exists()]
    if existing:
        raise UsageError(f"{existing[0]} already exists; nothing written (migration-gate new never overwrites)")
    return files


#: Layouts whose migration is one file with up and down sections: (up marker, down marker, CONCURRENTLY hint).
SECTION_LAYOUTS = {
    "goose": ("-- +goose Up", "-- +goose Down", "alone, in a file marked NO TRANSACTION"),
    "dbmate": ("-- migrate:up", "-- migrate:down", "alone in its section, with `transaction:false`"),
    "sql-migrate": ("-- +migrate Up", "-- +migrate Down", "with `notransaction` on the marker"),
    "liquibase": (
        "",
        "--rollback SELECT 1; -- replace with the SQL that undoes it",
        "in a changeset with runInTransaction:false",
    ),
}


def _single_file(
    project: Project,
    config: Config,
    location: Path,
    shown: Callable[[Path], str],
    layout: str,
    version: str,
    name: str,
    env: Any,
    values: dict[str, Any],
    now: datetime,
) -> list[NewFile]:
    """One file with both sections (goose, dbmate, sql-migrate) or a Liquibase changeset with its rollback."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise _reject(name, f"{version}_{name}.sql", "use letters, digits, `_` and `-` only")
    up, down, concurrently = SECTION_LAYOUTS[layout]
    file_name = f"{version}_{name}.sql"
    header = ""
    if layout == "liquibase":
        header = "--liquibase formatted sql"
        up = f"--changeset {values['author'].replace(':', ' ')}:{version}-{name}"
    path = location / file_name
    if layout != "liquibase":
        migration = classify(path, shown(path), location, config)
        if migration.kind != "versioned" or migration.name_problem:
            raise _reject(name, file_name, migration.name_problem or "not a versioned migration name")
    body = env.get_template("new_sections.sql.j2").render(
        file_name=file_name,
        description=name.replace("_", " "),
        header=header,
        up=up,
        down=down,
        concurrently=concurrently,
        **values,
    )
    return [NewFile(path, shown(path), body)]


def _sqitch(
    config: Config,
    location: Path,
    shown: Callable[[Path], str],
    name: str,
    env: Any,
    values: dict[str, Any],
    now: datetime,
) -> list[NewFile]:
    """Sqitch: deploy, revert and verify scripts, and the change's line appended to sqitch.plan."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise _reject(name, f"deploy/{name}.sql", "use letters, digits, `_` and `-` only")
    plan_path = location / "sqitch.plan"
    if not plan_path.is_file():
        raise UsageError(f"{shown(plan_path)} not found: start the project with `sqitch init`")
    text = plan_path.read_text(encoding="utf-8")
    from .listings import sqitch_plan

    if any(change == name for change, _ in sqitch_plan(text)):
        raise UsageError(f"change {name!r} is already in {shown(plan_path)} (use `sqitch rework` to change it)")
    email = _email(config.root)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{name} {stamp} {values['author']} <{email}> # {name.replace('_', ' ')}\n"
    plan = text + ("" if text.endswith("\n") or not text else "\n") + line
    files = []
    for folder, comment in (("deploy", "Deploy"), ("revert", "Revert"), ("verify", "Verify")):
        path = location / folder / f"{name}.sql"
        closing = "ROLLBACK;" if folder == "verify" else "COMMIT;"
        body = f"-- {comment} {name}\n\nBEGIN;\n\n-- XXX Add the {folder} SQL here.\n\n{closing}\n"
        files.append(NewFile(path, shown(path), body))
    files.append(NewFile(plan_path, shown(plan_path), plan, append=True))
    return files


def _email(root: Path) -> str:
    from .history.git import GitError, git

    try:
        email = git(["config", "user.email"], root).strip()
    except (GitError, OSError):
        email = ""
    return email or "unknown@example.com"


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
