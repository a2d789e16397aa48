"""Which files are migrations, of which kind and version, in which location.

Two views are kept for every file:

* the gate's view (:attr:`MigrationFile.kind`): ``versioned``, ``repeatable``,
  ``rollback`` or ``other`` (data, callbacks, helpers, misnamed files);
* Flyway's own view (:attr:`MigrationFile.flyway_version`): Flyway scans its
  locations recursively and loads *every* ``V…__….sql`` it finds, so the
  guide's ``migrations/rollback/V001__rollback.sql`` is, to Flyway, a second
  version 1.  The history rules turn that into a finding.

Layouts:

``flyway``
    ``V<version>__<description>.sql``, ``R__<description>.sql``; rollbacks in
    ``rollback/V<version>__rollback.sql`` (or ``migrations.rollback_path``) and
    Flyway's own undo scripts ``U<version>__<description>.sql``; ``seeds/`` is
    data; Flyway callbacks (``afterMigrate.sql`` …) are recognised.
``up-down``
    golang-migrate / pop: ``<version>_<name>.up.sql`` + ``.down.sql`` in one
    folder (an optional ``.postgres`` dialect and ``.autocommit`` flag before
    the direction); Diesel: ``<version>_<name>/up.sql`` + ``down.sql``.  The down
    file is the rollback.  Files for another SQL dialect are ``other``, and a
    dialect-neutral file is ``other`` when a ``.postgres.`` twin exists (pop
    prefers the exact dialect).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from .core.config import Config
from .core.migration import MigrationFile, Project
from .core.runners import runner
from .core.runners.flyway import ROLLBACK_DIR, SEEDS_DIR
from .core.runners.up_down import POSTGRES_DIALECTS
from .errors import UsageError
from .listings import listing_for

# --------------------------------------------------------------------------- naming


def classify(
    path: Path,
    display: str,
    location: Path,
    config: Config,
    rel: str | None = None,
    siblings: set[str] | frozenset[str] | None = None,
    layout: str | None = None,
) -> MigrationFile:
    """Classify one file of a location by its layout (the configured one unless ``layout`` is given).

    ``siblings``: the names of the other files in its folder, when the caller listed it.
    """
    if rel is None:
        try:
            rel = path.relative_to(location).as_posix()
        except ValueError:
            rel = path.name
    layout = layout or config.layout_of(location)
    layout_runner = runner(layout)
    settings = config.settings_for(location)
    # a file that is not on disk (a merged file of the base, a file about to be written) is classified by
    # its name alone: the folder's current listing (Diesel folders, a journal, a plan) does not describe it
    listing = listing_for(location, layout) if siblings or path.exists() else None
    info = layout_runner.classify(rel, config.description_style_of(location), settings, listing)
    info["runner_opt_out"] = _sidecar_opt_out(path, info.get("autocommit", False), siblings, layout)
    return MigrationFile(path=path, display=display, location=location, relpath=rel, layout=layout, **info)


def _sidecar_opt_out(
    path: Path, autocommit: bool, siblings: set[str] | frozenset[str] | None, layout: str = "flyway"
) -> bool:
    """Per-file opt-outs from the runner's transaction that live next to the file.

    pop's ``.autocommit.`` names, Diesel's ``metadata.toml`` with
    ``run_in_transaction = false``, Flyway's ``V….sql.conf`` with
    ``executeInTransaction=false``.  ``siblings`` (the folder's file names)
    saves the file-system checks when discovery already listed the folder.
    """
    if autocommit:
        return True
    if path.name in ("up.sql", "down.sql"):
        if siblings is None or "metadata.toml" in siblings:
            metadata = path.parent / "metadata.toml"
            if metadata.is_file():
                import tomllib

                try:
                    data = tomllib.loads(metadata.read_text(encoding="utf-8", errors="replace"))
                except tomllib.TOMLDecodeError:
                    return False
                if layout == "diesel":  # `#[serde(default)] run_in_transaction: bool`: a missing key is false
                    return data.get("run_in_transaction") is not True
                return data.get("run_in_transaction") is False
    conf_name = path.name + ".conf"
    if siblings is None or conf_name in siblings:
        conf = path.with_name(conf_name)
        if conf.is_file():
            for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "executeInTransaction" and value.strip().lower() == "false":
                    return True
    return False


# --------------------------------------------------------------------------- walking


def _walk(folder: Path, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str, list[str]]]:
    """(folder, its path relative to ``folder`` with ``/``, sorted file names), hidden folders skipped.

    ``skip``: absolute keys of sub-folders that are locations of their own.
    """
    root = os.fspath(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (not skip or absolute_key(os.path.join(dirpath, d)) not in skip)
        )
        rel = dirpath[len(root) :].lstrip(os.sep).replace(os.sep, "/")
        yield dirpath, rel, sorted(filenames)


def discover_location(
    location: Path, display_root: str, config: Config, skip: frozenset[str] = frozenset()
) -> list[MigrationFile]:
    """Classify every ``.sql`` file of one location (``skip``: sub-folders that are locations of their own)."""
    files = []
    prefix = "" if display_root in ("", ".") else display_root.rstrip("/") + "/"
    for dirpath, rel_dir, names in _walk(location, skip):
        siblings = frozenset(names)
        for name in names:
            if not name.endswith(".sql"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            files.append(classify(Path(dirpath, name), prefix + rel, location, config, rel, siblings))
    if config.layout_of(location) in ("up-down", "pop"):
        files = _shadow_generic_twins(files)
    return files


def _shadow_generic_twins(files: list[MigrationFile]) -> list[MigrationFile]:
    """pop runs the ``.postgres.`` file and ignores a dialect-neutral twin."""
    specific = {
        (f.path.parent, f.version, f.kind) for f in files if f.note in POSTGRES_DIALECTS and f.version is not None
    }
    result = []
    for f in files:
        if f.note is None and f.version is not None and (f.path.parent, f.version, f.kind) in specific:
            f = replace(
                f,
                kind="other",
                autocommit=False,
                runner_opt_out=False,
                note="dialect-neutral twin of a .postgres. file, which pop runs instead",
            )
        result.append(f)
    return result


def configured_locations(config: Config) -> list[tuple[Path, str]]:
    """The configured migration folders as (path on disk, path to display)."""
    result = []
    cwd = Path.cwd()
    for raw in config.migration_paths:
        path = (config.root / raw) if not os.path.isabs(raw) else Path(raw)
        try:
            display = os.path.relpath(path, cwd)
        except ValueError:
            display = str(path)
        if display.startswith(".." + os.sep + ".."):
            display = str(path)
        result.append((path, display))
    return result


def location_of(path: Path, config: Config) -> Path:
    """The migrations folder a single file belongs to."""
    resolved = path.resolve()
    candidates = [loc for loc, _ in configured_locations(config)]
    candidates += [Path(loc.key) for loc in config.locations if loc.key]
    for location in sorted(candidates, key=lambda p: len(p.resolve().parts), reverse=True):
        try:
            resolved.relative_to(location.resolve())
            return location
        except ValueError:
            continue
    parent = path.parent
    layout = config.layout
    if layout in ("flyway", "auto") and parent.name in (ROLLBACK_DIR, SEEDS_DIR):
        return parent.parent
    if layout in ("up-down", "diesel", "auto") and path.name in ("up.sql", "down.sql"):
        return parent.parent
    if layout in ("prisma", "drizzle", "auto") and path.name == "migration.sql":
        return parent.parent
    if layout in ("sqitch", "auto") and parent.name in ("deploy", "revert", "verify"):
        return parent.parent
    return parent


def build_project(
    locations: Iterable[tuple[Path, str]] | Iterable[tuple[Path, str, frozenset[str]]], config: Config
) -> Project:
    located: list[Path] = []
    files: list[MigrationFile] = []
    by_location: dict[str, list[MigrationFile]] = {}
    seen: dict[Path, list[MigrationFile]] = {}
    for entry in locations:
        location, display = entry[0], entry[1]
        skip: frozenset[str] = entry[2] if len(entry) > 2 else frozenset()
        key = location.resolve()
        if key in seen:
            by_location.setdefault(absolute_key(location), seen[key])
            continue
        found = discover_location(location, display, config, skip) if location.is_dir() else []
        seen[key] = by_location[absolute_key(location)] = found
        located.append(location)
        files.extend(found)
    files.sort(key=lambda f: f.display)
    return Project(config=config, locations=located, files=files, by_location=by_location)


# --------------------------------------------------------------------------- layout: auto


Located = tuple[Path, str, frozenset[str]]  # (folder, how reports show it, sub-folders that are locations of their own)


def resolve_layouts(
    locations: list[tuple[Path, str]], config: Config, notes: list[str], *, keep_rest: bool, searched: bool = False
) -> tuple[list[Located], Config]:
    """Give every ``layout: auto`` location its runner (splitting it into the folders found), and say so.

    ``keep_rest``: the location was given as a PATH, so its ``.sql`` files outside the folders found
    are still checked (with the Flyway default); a configured or searched location keeps only those.
    A given or configured folder whose migrations are all Flyway's stays one location (Flyway reads
    its locations recursively); ``searched`` (the repository's root, searched for want of a configured
    folder) is always split into the folders found.
    Returns the locations to discover and the configuration with each folder's layout and runner
    options (``Config.locations``).
    """
    from .core.config import LocationConfig, location_key
    from .detection import detect

    resolved: list[Located] = []
    added: list[LocationConfig] = []
    kept = [loc for loc in config.locations if loc.layout != "auto"]
    layouts: set[str] = set()
    for location, display in locations:
        configured = config.location_config(location)
        layout = configured.layout if configured is not None else config.layout
        if layout != "auto":
            resolved.append((location, display, frozenset()))
            layouts.add(layout)
            if layout == "prisma":
                notes.extend(_prisma8_notes(location, display))
            found_settings = _repository_settings(location, layout)
            if found_settings:  # what the runner's own files say, under what the configuration says
                base = configured or LocationConfig(path=str(location), layout=layout)
                merged = MappingProxyType({**found_settings, **base.runner_options})
                added.append(replace(base, key=location_key(location), runner_options=merged))
            continue
        options = dict(configured.runner_options) if configured is not None else {}
        base = configured or LocationConfig(path=str(location))
        found = detect(location) if location.is_dir() else []
        if not found:
            if location.is_dir() and any(name.endswith(".sql") for _, _, names in _walk(location) for name in names):
                notes.append(
                    f"migration-gate: {display}: flyway (no runner's markers found: the default; set migrations.layout)"
                )
            added.append(replace(base, layout="flyway", key=location_key(location)))
            resolved.append((location, display, frozenset()))
            layouts.add("flyway")
            continue
        if not searched and all(f.layout == "flyway" for f in found):
            line = found[0].line(display)
            notes.append(line)
            added.append(
                replace(
                    base,
                    layout="flyway",
                    key=location_key(location),
                    detected=line,
                    runner_options=MappingProxyType({**found[0].options, **options}),
                )
            )
            resolved.append((location, display, frozenset()))
            layouts.add("flyway")
            continue
        subs = frozenset(location_key(f.folder) for f in found if location_key(f.folder) != location_key(location))
        for item in found:
            rel = os.path.relpath(item.folder, location)
            shown = display if rel == "." else (rel if display in ("", ".") else os.path.join(display, rel))
            line = item.line(shown)
            notes.append(line)
            merged = MappingProxyType({**item.options, **options})
            added.append(
                replace(
                    base,
                    path=str(item.folder),
                    layout=item.layout,
                    key=location_key(item.folder),
                    detected=line,
                    runner_options=merged,
                )
            )
            inner = frozenset(
                k for k in subs if k != location_key(item.folder) and k.startswith(location_key(item.folder) + os.sep)
            )
            resolved.append((item.folder, shown, inner))
            layouts.add(item.layout)
        if keep_rest and location_key(location) not in {location_key(f.folder) for f in found}:
            added.append(replace(base, layout="flyway", key=location_key(location)))
            resolved.append((location, display, subs))
    new = config.replace(locations=(*kept, *added), layout=layouts.pop() if len(layouts) == 1 else "auto")
    return _skip_nested(resolved), new


def _prisma8_notes(location: Path, display: str) -> list[str]:
    """A configured prisma folder holding Prisma 8 migration packages: say they are not checked."""
    from .detection import PRISMA8_REASON, prisma8_folders

    notes = []
    for folder in prisma8_folders(location):
        rel = os.path.relpath(folder, location)
        shown = display if rel == "." else (rel if display in ("", ".") else os.path.join(display, rel))
        notes.append(f"migration-gate: {shown}: {PRISMA8_REASON}")
    return notes


def _repository_settings(location: Path, layout: str) -> dict[str, str]:
    """The runner settings the repository holds for an explicitly configured folder."""
    from .detection import Found
    from .runner_settings import Hints, read_settings, repo_root

    if not location.is_dir():
        return {}
    found = Found(location, layout, "configured")
    read_settings(found, Hints(repo_root(location)))
    return found.options


def _skip_nested(resolved: list[Located]) -> list[Located]:
    """A location's walk skips the locations inside it (their files belong to them)."""
    keys = [absolute_key(location) for location, _, _ in resolved]
    out = []
    for (location, display, skip), key in zip(resolved, keys):
        inner = frozenset(k for k in keys if k != key and k.startswith(key + os.sep))
        out.append((location, display, skip | inner))
    return out


def absolute_key(path: Path | str) -> str:
    """A cheap identity for a path (no symlink resolution: no system calls)."""
    return os.path.normpath(os.path.abspath(path))


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
    wanted: list[tuple[str, Path | None]] = []  # (as given, the file; None for a folder)
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
    notes: list[str] = []
    resolved, config = resolve_layouts(_unique(locations), config, notes, keep_rest=True)
    project = build_project(resolved, config)
    known: dict[str, MigrationFile] | None = None
    files: list[MigrationFile] = []
    seen: set[str] = set()

    def take(key: str, migration: MigrationFile, display: str) -> None:
        if key in seen:
            return
        seen.add(key)
        files.append(migration if migration.display == display else _with_display(migration, display))

    for raw, wanted_path in wanted:
        if wanted_path is None:  # a folder: the files discovery found in it (listed once)
            root = absolute_key(raw)
            prefix = "" if raw in (".", "") else raw.rstrip("/") + "/"
            inner = [
                files_
                for key_, files_ in sorted(project.by_location.items())
                if key_.startswith(root + os.sep)  # folders configured or found by layout: auto inside it
            ]
            if not project.by_location.get(root) and not any(inner):
                raise UsageError(
                    f"no migration files found in {raw} (no .sql file in it or its subfolders{_why(path)})"
                )
            for migration in project.by_location.get(root, ()):
                take(f"{root}/{migration.relpath}", migration, prefix + migration.relpath)
            for found_files in inner:
                for migration in found_files:
                    take(absolute_key(migration.path), migration, migration.display)
            continue
        if known is None:
            known = {absolute_key(f.path): f for f in project.files}
        key = absolute_key(wanted_path)
        found = known.get(key)
        if found is None:
            found = classify(wanted_path, raw, location_of(wanted_path, config), config)
            project.files.append(found)
        take(key, found, raw)
    return Scope(project, _in_run_order(files), notes=notes)


def _prisma8_only(path: Path) -> bool:
    """A folder holding Prisma 8 migration packages and no ``.sql`` file: nothing the gate checks."""
    from .detection import prisma8_folders

    if any(name.endswith(".sql") for _, _, names in _walk(path) for name in names):
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


def scope_from_config(config: Config) -> Scope:
    """The configured migration folders; with ``layout: auto`` and no ``migrations.path``, the repository's."""
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
    return Scope(project, _in_run_order(list(project.files)), notes=notes)


def _shown(path: Path) -> str:
    try:
        display = os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)
    return str(path) if display.startswith(".." + os.sep + "..") else display


def _in_run_order(files: list[MigrationFile]) -> list[MigrationFile]:
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
