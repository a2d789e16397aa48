"""What ``verify`` runs, in which order: the merged migrations (the base state), the new ones, their
rollbacks, the seed files and the application's queries (see :mod:`migration_gate.verify.verification`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import Config
from ..core.load import as_rollback
from ..core.migration import MigrationFile, Project
from ..core.runners import LAYOUTS
from ..core.version import Version
from ..errors import UsageError
from .queries import Query, load_queries


@dataclass(slots=True)
class Plan:
    """What to run, in which order."""

    base: list[MigrationFile]  # merged: versioned by version, then repeatables
    new: list[MigrationFile]  # new versioned migrations, by version
    new_repeatables: list[MigrationFile]
    rollbacks: dict[tuple[object, Version], MigrationFile]  # by rollback_key()
    seeds: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    project: Project | None = None  # the discovery Project, for the lock model's column history
    queries: list[Query] = field(default_factory=list)  # verify.queries


def _keeps_rollback_inside(migration: MigrationFile) -> bool:
    layout = LAYOUTS.get(migration.layout) or LAYOUTS["flyway"]
    return layout.rollback_in_file


def rollback_key(migration: MigrationFile) -> tuple[object, Version]:
    """Which rollback undoes which migration: the same version (in the same folder, for runners that read
    one folder at a time)."""
    assert migration.version is not None
    scope = None if migration.layout in ("flyway", "up-down", "") else migration.location
    return scope, migration.version


def _versioned_order(files: list[MigrationFile]) -> list[MigrationFile]:
    return sorted(files, key=lambda f: (f.version.key if f.version else (), f.display))


def _repeatable_order(files: list[MigrationFile]) -> list[MigrationFile]:
    # Flyway applies repeatables in the order of their descriptions.
    return sorted(files, key=lambda f: ((f.description or "").lower(), f.display))


def make_plan(
    project, config: Config, *, new_paths: set[Path] | None = None, changed_paths: set[Path] | None = None
) -> Plan:
    """Split the project into base and new migrations.

    ``new_paths``: files added since the base (``None``: no base, every
    migration is new).  ``changed_paths``: files added or modified, for
    repeatables (Flyway re-runs a repeatable whose checksum changed).
    """
    versioned = _versioned_order([f for f in project.files if f.kind == "versioned"])
    repeatables = _repeatable_order([f for f in project.files if f.kind == "repeatable"])
    rollbacks: dict[tuple[object, Version], MigrationFile] = {}
    for f in sorted(project.files, key=lambda f: f.display):
        if f.kind == "rollback" and f.version is not None:
            rollbacks.setdefault(rollback_key(f), f)
        elif (
            f.kind == "versioned"
            and f.version is not None
            and LAYOUTS.get(f.layout, LAYOUTS["flyway"]).rollback_in_file
        ):
            rollbacks.setdefault(rollback_key(f), as_rollback(f))  # its down section (goose, dbmate, …)
    if new_paths is None:
        plan = Plan(base=[], new=versioned, new_repeatables=repeatables, rollbacks=rollbacks)
    else:
        is_new = [f for f in versioned if f.path.resolve() in new_paths]
        changed = changed_paths or set()
        plan = Plan(
            base=[f for f in versioned if f not in is_new]
            + [f for f in repeatables if f.path.resolve() not in new_paths],
            new=is_new,
            new_repeatables=[f for f in repeatables if f.path.resolve() in changed],
            rollbacks=rollbacks,
        )
        modified = [f for f in versioned if f.path.resolve() in changed and f not in is_new]
        if modified:
            plan.notes.append(
                f"note: {len(modified)} merged migration(s) changed since the base "
                f"({', '.join(f.display for f in modified[:3])}{' …' if len(modified) > 3 else ''}); "
                "verify applied them as they are now"
            )
    seeds: list[Path] = []
    for raw in config.verify.seed:
        path = Path(raw) if Path(raw).is_absolute() else config.root / raw
        if path.is_dir():
            seeds.extend(sorted(p for p in path.rglob("*.sql") if p.is_file()))
        elif path.is_file():
            seeds.append(path)
        else:
            where = f"{config.file}: " if config.file else ""
            raise UsageError(f"{where}verify.seed: {raw}: no such file or folder")
    plan.seeds = seeds
    plan.project = project
    if config.verify.queries:
        plan.queries = load_queries(config, plan.notes)
    return plan
