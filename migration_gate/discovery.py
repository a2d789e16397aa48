"""What to check: the scope of a run (the project and the files to report on), from PATHs or the configuration.

Which files are migrations, and of which kind, is :mod:`.discovery_files`; ``layout: auto`` is
:mod:`.discovery_auto`.  Their public names are re-exported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from .core.config import Config
from .core.migration import MigrationFile, Project
from .discovery_auto import Located as Located
from .discovery_auto import resolve_layouts as resolve_layouts
from .discovery_files import absolute_key as absolute_key
from .discovery_files import build_project as build_project
from .discovery_files import classify as classify
from .discovery_files import configured_locations as configured_locations
from .discovery_files import discover_location as discover_location
from .discovery_files import location_of as location_of
from .discovery_files import walk
from .errors import UsageError

# --------------------------------------------------------------------------- what to check


class HistorySource(Protocol):
    """What the scope knows of the history it is checked against (``history.git.History`` is one)."""

    @property
    def active(self) -> bool: ...

    def added_paths(self) -> set[Path] | None:
        """The files the change adds (absent from the base); None without a base."""

    def base_content(self, path: Path) -> bytes | None:
        """The base's content of a merged file the change edited or renamed."""


@dataclass(slots=True)
class Scope:
    """What to check: the project (for context) and the files to report on."""

    project: Project
    files: list[MigrationFile]  # analysed and reported on, in order
    change_set: bool = False  # True when ``files`` is a change set against a base
    #: A base and/or the database's history for the change-set rules (``history.git.History``).
    history: HistorySource | None = None
    #: What ``layout: auto`` found, one line per migrations folder (printed on stderr).
    notes: list[str] = field(default_factory=list)


def scope_from_paths(paths: list[str], config: Config) -> Scope:
    """``check PATH …``: exactly these files (folders recursively, every ``.sql``).

    With ``layout: auto`` each folder's runner is found first (``Scope.notes`` says what was found);
    the scope's project carries the configuration with the layouts found.
    """
    wanted, locations = _given(paths, config)
    notes: list[str] = []
    resolved, config = resolve_layouts(_unique(locations), config, notes, keep_rest=True)
    project = build_project(resolved, config)
    chosen = _Chosen()
    known: dict[str, MigrationFile] | None = None
    for raw, wanted_path in wanted:
        if wanted_path is None:  # a folder: the files discovery found in it (listed once)
            chosen.folder(raw, project, Path(paths[-1]))
            continue
        if known is None:
            known = {absolute_key(f.path): f for f in project.files}
        key = absolute_key(wanted_path)
        found = known.get(key)
        if found is None:
            found = classify(wanted_path, raw, location_of(wanted_path, config), config)
            project.add(found)
        chosen.take(key, found, raw)
    return Scope(project, in_run_order(chosen.files), notes=notes)


def _given(paths: list[str], config: Config) -> tuple[list[tuple[str, Path | None]], list[tuple[Path, str]]]:
    """The PATHs as (as given, the file; None for a folder), and the locations they lie in."""
    wanted: list[tuple[str, Path | None]] = []
    locations: list[tuple[Path, str]] = []
    configured = configured_locations(config) if config.paths_configured else []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            wanted.append((raw, None))
            inside = _configured_inside(path, raw, configured)
            if inside:  # the configured folders are the locations; the rest of PATH is checked too
                locations.extend(inside)
                if not any(absolute_key(loc) == absolute_key(path) for loc, _ in inside):
                    locations.append((path, raw))
            else:
                locations.append((path, raw))
        elif path.exists():
            wanted.append((raw, path))
            location = location_of(path, config)
            locations.append((location, _location_display(raw, path, location)))
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return wanted, locations


@dataclass(slots=True)
class _Chosen:
    """The files a ``check PATH …`` reports on, each once, shown as the PATH named it."""

    files: list[MigrationFile] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def take(self, key: str, migration: MigrationFile, display: str) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        self.files.append(migration if migration.display == display else _with_display(migration, display))

    def folder(self, raw: str, project: Project, last: Path) -> None:
        """The files discovery found in a folder given as PATH, and in the locations inside it.

        ``last``: the last PATH given, whose contents the "no migration files" message describes (as on main).
        """
        root = absolute_key(raw)
        prefix = "" if raw in (".", "") else raw.rstrip("/") + "/"
        inner = [
            files_
            for key_, files_ in sorted(project.by_location.items())
            if key_.startswith(root + os.sep)  # folders configured or found by layout: auto inside it
        ]
        if not project.by_location.get(root) and not any(inner):
            raise UsageError(f"no migration files found in {raw} (no .sql file in it or its subfolders{_why(last)})")
        for migration in project.by_location.get(root, ()):
            self.take(f"{root}/{migration.relpath}", migration, prefix + migration.relpath)
        for found_files in inner:
            for migration in found_files:
                self.take(absolute_key(migration.path), migration, migration.display)


def _prisma8_only(path: Path) -> bool:
    """A folder holding Prisma 8 migration packages and no ``.sql`` file: nothing the gate checks."""
    from .detection import prisma8_folders

    if any(name.endswith(".sql") for _, _, names in walk(path) for name in names):
        return False
    return bool(prisma8_folders(path))


def _why(path: Path) -> str:
    """What a folder without ``.sql`` files holds instead, when the gate knows it (Prisma 8 packages)."""
    from .detection import prisma8_folders

    if prisma8_folders(path):
        return (
            "; it holds Prisma 8 migration packages, <dir>/migration.ts and ops.json, which the gate does not check: "
            "the prisma layout covers Prisma ORM 7 and earlier, <folder>/migration.sql"
        )
    return ""


def _configured_inside(path: Path, raw: str, configured: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """The configured migration folders inside (or equal to) a folder given as PATH, shown under it."""
    root = absolute_key(path)
    found = []
    for location, _ in configured:
        key = absolute_key(location)
        if key == root or key.startswith(root + os.sep):
            rel = os.path.relpath(key, root)
            shown = raw if rel == "." else (rel if raw in ("", ".") else os.path.join(raw, rel))
            found.append((location, shown))
    return found


def _unique(locations: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    seen: set[str] = set()
    out = []
    for location, display in locations:
        key = absolute_key(location)
        if key not in seen:
            seen.add(key)
            out.append((location, display))
    return out


def scope_from_config(config: Config, *, ordered: bool = True) -> Scope:
    """The configured migration folders; with ``layout: auto`` and no ``migrations.path``, the repository's.

    ``ordered=False``: the files in discovery's order, for a caller that narrows them to a change set first
    and puts what is left in run order after (:func:`in_run_order`: 11 ms on 20,000 files).
    """
    configured = configured_locations(config)
    locations = configured
    searched = config.layout == "auto" and not config.paths_configured
    if searched and not any(path.is_dir() and not _prisma8_only(path) for path, _ in locations):
        locations = [(config.root, _shown(config.root))]  # Prisma 8 keeps its packages in `migrations/` too
    missing = [display for path, display in locations if not path.is_dir()]
    not_found = UsageError(
        f"{configured[0][1]}: migrations folder not found (set migrations.path in .migration-gate.yml or pass a PATH)"
    )
    if missing and len(missing) == len(locations):
        raise not_found
    notes: list[str] = []
    root_searched = searched and locations[0][0] == config.root
    resolved, config = resolve_layouts(locations, config, notes, keep_rest=False, searched=root_searched)
    if root_searched and not any(loc.detected for loc in config.locations):
        raise not_found
    project = build_project(resolved, config)
    files = list(project.files)
    return Scope(project, in_run_order(files) if ordered else files, notes=notes)


def _shown(path: Path) -> str:
    try:
        display = os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)
    return str(path) if display.startswith(".." + os.sep + "..") else display


def in_run_order(files: list[MigrationFile]) -> list[MigrationFile]:
    """Versioned by version, then repeatables, rollbacks and others by path."""
    order = {"versioned": 0, "repeatable": 1, "rollback": 2, "other": 3}
    return sorted(
        files, key=lambda f: (order[f.kind], f.version.key if f.kind == "versioned" and f.version else (), f.display)
    )


def _location_display(raw: str, path: Path, location: Path) -> str:
    """The location's display form, derived from how the file was named."""
    rel_parts = len(path.relative_to(location).parts) if path.is_relative_to(location) else 1
    display = raw
    for _ in range(rel_parts):
        display = os.path.dirname(display)
    return display or "."


def _with_display(migration: MigrationFile, display: str) -> MigrationFile:
    return replace(migration, display=display)


def without_excluded(scope: Scope, config: Config) -> Scope:
    """The scope without the files ``excluded_paths`` matches (their display path, or relative to the config)."""
    if not config.excluded_paths:
        return scope
    import fnmatch

    def excluded(migration: MigrationFile) -> bool:
        shown = migration.display.removeprefix("./")
        try:
            relative = os.path.relpath(migration.path, config.root).replace(os.sep, "/")
        except ValueError:
            relative = shown
        return any(fnmatch.fnmatchcase(p, pattern) for p in (shown, relative) for pattern in config.excluded_paths)

    return replace(scope, files=[f for f in scope.files if not excluded(f)])
