"""Real git repositories of each migration runner, checked by the history gate in-process.

:func:`history_findings` runs the real pipeline (discovery, ``attach_history``
on the real git repository, the engine and the change-set rules) on a
repository whose migrations folder has the given layout.

Discovery classifies a file by its layout (``discovery.CLASSIFIERS``).  Until
every runner's layout is in discovery (the layouts work of issue 12, a
separate branch), :data:`STAND_INS` names files the way each runner does
(from ``/work/notes/runners``) for the layouts discovery does not know yet;
a layout discovery knows is always classified by discovery itself, so these
tests run against the real classification as soon as it exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from migration_gate import discovery
from migration_gate.core.config import LAYOUTS, Config
from migration_gate.core.version import Version, updown_version

HISTORY_RULES = ("modified-merged-migration", "out-of-order-migration-version")


def _numeric(text: str) -> Version:
    return updown_version(text)


def _text(text: str) -> Version:
    return Version(text, (1, (text,)))


def _versioned(version: Version | None, description: str | None = None) -> dict:
    return {"kind": "versioned", "version": version, "description": description}


def _golang(rel: str, config: Config) -> dict:
    match = re.fullmatch(r"(\d+)_(.*)\.(up|down)\.[^/]+", rel)
    if not match:
        return {"kind": "other"}
    kind = "versioned" if match.group(3) == "up" else "rollback"
    return {"kind": kind, "version": _numeric(match.group(1)), "description": match.group(2)}


def _goose(rel: str, config: Config) -> dict:
    match = re.fullmatch(r"(\d+)_(.+)\.sql", rel)
    return _versioned(_numeric(match.group(1)), match.group(2)) if match else {"kind": "other"}


def _dbmate(rel: str, config: Config) -> dict:
    match = re.fullmatch(r"(\d+)(.*)\.sql", rel)  # the digit run, compared as text
    return _versioned(_text(match.group(1)), match.group(2).lstrip("_")) if match else {"kind": "other"}


def _sql_migrate(rel: str, config: Config) -> dict:
    if "/" in rel or not rel.endswith(".sql"):
        return {"kind": "other"}
    match = re.match(r"(\d+)", rel)  # numeric prefix first, ties by name; the identity is the file name
    return _versioned(Version(rel, (0, (int(match.group(1)), rel)) if match else (1, (rel,))), rel[:-4])


def _sqlx(rel: str, config: Config) -> dict:
    match = re.fullmatch(r"(\d+)_(.+?)(\.up|\.down)?\.sql", rel)
    if not match:
        return {"kind": "other"}
    kind = "rollback" if match.group(3) == ".down" else "versioned"
    return {"kind": kind, "version": _numeric(match.group(1)), "description": match.group(2)}


def _diesel(rel: str, config: Config) -> dict:
    match = re.fullmatch(r"([0-9-]+)_([^/]+)/(up|down)\.sql", rel)
    if not match:
        return {"kind": "other"}
    kind = "versioned" if match.group(3) == "up" else "rollback"
    version = Version(match.group(1), (1, (match.group(1).replace("-", ""),)))  # text order, `-` ignored
    return {"kind": kind, "version": version, "description": match.group(2)}


def _prisma(rel: str, config: Config) -> dict:
    match = re.fullmatch(r"([^/]+)/migration\.sql", rel)
    return _versioned(_text(match.group(1)), match.group(1)) if match else {"kind": "other"}


def _atlas(rel: str, config: Config) -> dict:
    if "/" in rel or not rel.endswith(".sql"):
        return {"kind": "other"}
    version, _, description = rel[:-4].partition("_")
    return _versioned(_text(version), description or None)


def _liquibase(rel: str, config: Config) -> dict:
    return _versioned(None, rel[:-4]) if rel.endswith(".sql") else {"kind": "other"}


def _sqitch(rel: str, config: Config) -> dict:
    folder, _, name = rel.partition("/")
    kind = {"deploy": "versioned", "revert": "rollback"}.get(folder, "other")
    return {"kind": kind, "version": None, "description": name[:-4]}


def _drizzle(rel: str, config: Config) -> dict:
    journal = re.fullmatch(r"(\d{4})_(.+)\.sql", rel)
    if journal:  # the journal's order (its tag's number here)
        return _versioned(Version(rel[:-4], (0, (int(journal.group(1)),))), journal.group(2))
    folder = re.fullmatch(r"((\d{14})_[^/]+)/migration\.sql", rel)
    return _versioned(_text(folder.group(1)), folder.group(1)) if folder else {"kind": "other"}


STAND_INS: dict[str, Callable[[str, Config], dict]] = {
    "golang-migrate": _golang,
    "goose": _goose,
    "dbmate": _dbmate,
    "sql-migrate": _sql_migrate,
    "sqlx": _sqlx,
    "diesel": _diesel,
    "pop": _golang,
    "prisma": _prisma,
    "atlas": _atlas,
    "liquibase": _liquibase,
    "sqitch": _sqitch,
    "drizzle": _drizzle,
}


def use_layout(monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    """Make discovery classify ``layout`` (its own classifier when it has one)."""
    if layout not in LAYOUTS and layout not in discovery.CLASSIFIERS:
        monkeypatch.setitem(discovery.CLASSIFIERS, layout, STAND_INS[layout])


def runner_scope(monkeypatch: pytest.MonkeyPatch, root: Path, layout: str, location: str, base: str = "main"):
    """The scope of ``root`` with its history against ``base``, as `check` builds it (cwd = the repository)."""
    from migration_gate.discovery import scope_from_config
    from migration_gate.history.changeset import attach_history

    use_layout(monkeypatch, layout)
    monkeypatch.chdir(root)
    config = Config(root=root, migration_paths=(location,), layout=layout)
    scope = scope_from_config(config)
    return attach_history(scope, base=base, auto=False, start=root, env={}), config


def history_findings(
    monkeypatch: pytest.MonkeyPatch, root: Path, layout: str, location: str, rules=HISTORY_RULES
) -> list[tuple]:
    """(code, severity, path, line, column, message) of the history rules, in report order."""
    from migration_gate.run import run_check

    scope, config = runner_scope(monkeypatch, root, layout, location)
    result = run_check(scope, config, only=rules)
    return [(v.code, v.severity.label, v.path, v.line, v.column, v.message) for v in result.violations]
