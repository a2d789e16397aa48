"""The files ``migration-gate new`` writes for a runner that keeps up and down in one file (goose, dbmate,
sql-migrate, a Liquibase changeset) and for Sqitch (three scripts and a line of ``sqitch.plan``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .core.config import Config
from .core.migration import Project
from .discovery import classify
from .errors import UsageError


@dataclass(frozen=True, slots=True)
class NewFile:
    path: Path
    display: str
    content: str
    append: bool = False  # an existing file rewritten with a line added (Sqitch's plan), not a new one


def reject(name: str, file_name: str, problem: str) -> UsageError:
    suggestion = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    hint = f" (e.g. {suggestion})" if suggestion and suggestion != name else ""
    return UsageError(f"NAME {name!r} would give {file_name}: {problem}{hint}")


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


def single_file(
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
        raise reject(name, f"{version}_{name}.sql", "use letters, digits, `_` and `-` only")
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
            raise reject(name, file_name, migration.name_problem or "not a versioned migration name")
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


def sqitch_files(
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
        raise reject(name, f"deploy/{name}.sql", "use letters, digits, `_` and `-` only")
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
