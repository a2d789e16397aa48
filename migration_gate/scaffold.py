"""``migration-gate new NAME``: the next versioned migration and its rollback, from the guide's templates.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
    highest = _highest(project)
    version = next_version(_version_text(highest) if highest else None, config.layout, now)
    diesel = highest is not None and highest.path.name == "up.sql"

    def shown(path: Path) -> str:
        rel = path.relative_to(location).as_posix()
        return rel if location_display in ("", ".") else os.path.join(location_display, rel)

    if config.layout == "flyway":
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
    else:
        file_name = f"{version}_{name}.up.sql"
        path, rollback = location / file_name, location / f"{version}_{name}.down.sql"
        rollback_name = rollback.name
        rollback_shown = shown(rollback)
    migration = classify(path, shown(path), location, config)
    if migration.kind != "versioned" or migration.name_problem:
        raise _reject(name, file_name, migration.name_problem or migration.note or "not a versioned migration name")
    if config.layout != "flyway" and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        raise _reject(name, file_name, "use letters, digits, `_` and `-` only")
    if (
        highest is not None
        and migration.version is not None
        and highest.version is not None
        and migration.version <= highest.version
    ):  # pragma: no cover - defensive
        raise UsageError(f"cannot find a version above {highest.version}")

    from .docs import _environment

    env = _environment()
    values = {
        "author": _author(config.root),
        "date": now.date().isoformat(),
        "explicit": config.transaction_mode == "explicit",
    }
    body = env.get_template("new_migration.sql.j2").render(
        file_name=file_name, description=name.replace("_", " "), rollback=_relative(rollback, config.root), **values
    )
    undo = env.get_template("new_rollback.sql.j2").render(file_name=rollback_name, migration_name=file_name, **values)
    files = [NewFile(path, shown(path), body), NewFile(rollback, rollback_shown, undo)]
    existing = [f.display for f in files if f.path.exists()]
    if existing:
        raise UsageError(f"{existing[0]} already exists; nothing written (migration-gate new never overwrites)")
    return files


def write(files: list[NewFile]) -> None:
    """Create the files; none is overwritten (and a partial write is undone)."""
    written: list[Path] = []
    try:
        for f in files:
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
