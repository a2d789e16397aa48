"""The version ``migration-gate new`` gives a migration: the repository's style continued from its highest
version, or the current UTC time for timestamp versions (see :mod:`migration_gate.scaffold`).
"""

from __future__ import annotations

import re
from datetime import datetime

from .core.migration import MigrationFile, Project
from .errors import UsageError

TIMESTAMP_FORMATS = {
    14: "%Y%m%d%H%M%S",
    12: "%Y%m%d%H%M",
}
_DIESEL = re.compile(r"\d{4}-\d{2}-\d{2}-\d{6}\Z")
_DIESEL_FORMAT = "%Y-%m-%d-%H%M%S"


def next_version(highest: str | None, layout: str, now: datetime) -> str:
    """The version after ``highest`` (its text as written in the file name), in the same style."""
    if highest is None:
        return "001" if layout == "flyway" else now.strftime(TIMESTAMP_FORMATS[14])
    if _DIESEL.match(highest):
        candidate = now.strftime(_DIESEL_FORMAT)
        return candidate if candidate.replace("-", "") > highest.replace("-", "") else _increment(highest)
    fmt = TIMESTAMP_FORMATS.get(len(highest)) if highest.isdigit() else None
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


def highest_version(project: Project) -> MigrationFile | None:
    versioned = [(m.version.key, m.display, m) for m in project.versioned() if m.version is not None]
    return max(versioned, key=lambda item: item[:2])[2] if versioned else None


def version_text(migration: MigrationFile) -> str:
    """The version as written in the name (Diesel folders keep their dashes)."""
    if migration.path.name in ("up.sql", "down.sql"):
        return migration.path.parent.name.split("_", 1)[0]
    if migration.layout in ("sql-migrate", "liquibase"):  # the version is the file: continue its number
        found = re.match(r"\d+", migration.path.name)
        return found.group(0) if found else str(migration.version)
    return str(migration.version)
