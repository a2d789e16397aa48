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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from .core.config import Config
from .core.migration import MigrationFile, Project
from .core.version import InvalidVersion, Version, flyway_version, updown_version
from .errors import UsageError

ROLLBACK_DIR = "rollback"
SEEDS_DIR = "seeds"

# Flyway callback event ids (org.flywaydb.core.api.callback.Event).
FLYWAY_CALLBACKS = (
    "beforeMigrate",
    "beforeRepeatables",
    "beforeEachMigrate",
    "beforeEachMigrateStatement",
    "afterEachMigrateStatement",
    "afterEachMigrateStatementError",
    "afterEachMigrate",
    "afterEachMigrateError",
    "afterMigrate",
    "afterMigrateApplied",
    "afterVersioned",
    "afterMigrateError",
    "beforeUndo",
    "beforeEachUndo",
    "beforeEachUndoStatement",
    "afterEachUndoStatement",
    "afterEachUndoStatementError",
    "afterEachUndo",
    "afterEachUndoError",
    "afterUndo",
    "afterUndoError",
    "beforeClean",
    "afterClean",
    "afterCleanError",
    "beforeInfo",
    "afterInfo",
    "afterInfoError",
    "beforeValidate",
    "afterValidate",
    "afterValidateError",
    "beforeBaseline",
    "afterBaseline",
    "afterBaselineError",
    "beforeRepair",
    "afterRepair",
    "afterRepairError",
    "createSchema",
    "beforeCreateSchema",
    "beforeConnect",
    "afterConnect",
)
_CALLBACK_PREFIXES = tuple(sorted(FLYWAY_CALLBACKS, key=len, reverse=True))

_DESCRIPTION_STYLES = {
    "snake_case": (re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*\Z"), "lower-case snake_case"),
    "words": (re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z"), "letters, digits, `_`, `-` and `.` only"),
    "any": (re.compile(r".+\Z", re.S), "not empty"),
}

_DIALECTS = {"postgres", "postgresql", "mysql", "sqlite", "sqlite3", "cockroach", "mssql"}
_POSTGRES_DIALECTS = {"postgres", "postgresql"}
_UPDOWN_FLAT = re.compile(
    r"(?P<version>[0-9][0-9-]*)_(?P<name>.+?)"
    r"(?:\.(?P<dialect>[a-z0-9]+))??(?P<autocommit>\.autocommit)?\.(?P<direction>up|down)\.sql\Z"
)
_UPDOWN_FOLDER = re.compile(r"(?P<version>[0-9][0-9-]*)_(?P<name>.+)\Z")


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
    layout = layout or config.layout
    info = CLASSIFIERS.get(layout, CLASSIFIERS["up-down"])(rel, config)
    info["runner_opt_out"] = _sidecar_opt_out(path, info.get("autocommit", False), siblings)
    return MigrationFile(path=path, display=display, location=location, relpath=rel, layout=layout, **info)


def _sidecar_opt_out(path: Path, autocommit: bool, siblings: set[str] | frozenset[str] | None) -> bool:
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


def _classify_flyway(rel: str, config: Config) -> dict:
    parts = rel.split("/")
    name = parts[-1]
    folders = parts[:-1]
    if SEEDS_DIR in folders:
        return {"kind": "other", "note": "seed data, not a migration"}
    in_rollback_dir = bool(folders) and folders[0] == ROLLBACK_DIR
    flyway_view = _flyway_versioned(name)
    if in_rollback_dir or name.startswith("U"):
        return _flyway_rollback(name, flyway_view)
    for prefix in _CALLBACK_PREFIXES if name.startswith(_CALLBACK_PREFIXES) else ():
        if name.startswith(prefix) and (name[len(prefix) :] in (".sql",) or name[len(prefix) :].startswith("__")):
            return {"kind": "other", "note": f"Flyway callback ({prefix})"}
    if not name.endswith(".sql"):
        return {"kind": "other", "name_problem": "does not end in .sql"}
    stem = name[:-4]
    if stem.startswith("V"):
        version_text, sep, description = stem[1:].partition("__")
        try:
            version = flyway_version(version_text)
        except InvalidVersion as exc:
            return {
                "kind": "other",
                "name_problem": f"{exc}; expected V<version>__<description>.sql "
                "(Flyway silently skips this file: it never runs)",
            }
        info = {"kind": "versioned", "version": version, "description": description or None, "flyway_version": version}
        problem = _description_problem(description, sep, config.description_style, "V" + version_text)
        if problem:
            info["name_problem"] = problem
        return info
    if stem.startswith("R"):
        version_text, sep, description = stem[1:].partition("__")
        if version_text or not sep:
            return {
                "kind": "other",
                "name_problem": "a repeatable migration is named R__<description>.sql "
                "with no version (Flyway silently skips this file: it never runs)",
            }
        info = {"kind": "repeatable", "description": description or None}
        problem = _description_problem(description, sep, config.description_style, "R")
        if problem:
            info["name_problem"] = problem
        return info
    return {
        "kind": "other",
        "name_problem": "matches no Flyway pattern (V<version>__<description>.sql or "
        "R__<description>.sql); Flyway silently skips it, so it never runs",
    }


def _flyway_versioned(name: str) -> Version | None:
    """The version Flyway reads from a ``V…`` file name, whatever folder it is in."""
    if not (name.startswith("V") and name.endswith(".sql")):
        return None
    try:
        return flyway_version(name[1:-4].partition("__")[0])
    except InvalidVersion:
        return None


def _flyway_rollback(name: str, flyway_view: Version | None) -> dict:
    if name.endswith(".sql") and name[:1] in ("V", "U"):
        version_text, _, description = name[1:-4].partition("__")
        try:
            version = flyway_version(version_text)
        except InvalidVersion as exc:
            return {
                "kind": "other",
                "name_problem": f"rollback {exc}; expected "
                "rollback/V<version>__rollback.sql or U<version>__<description>.sql",
            }
        return {
            "kind": "rollback",
            "version": version,
            "description": description or None,
            "flyway_version": flyway_view,
        }
    return {
        "kind": "other",
        "name_problem": "a rollback is named rollback/V<version>__rollback.sql or U<version>__<description>.sql",
    }


def _description_problem(description: str, sep: str, style: str, prefix: str) -> str | None:
    if not sep:
        return (
            f"no `__<description>` after {prefix}: Flyway accepts it with an empty description, "
            "but the convention is V<version>__<description>.sql"
        )
    if not description:
        return f"empty description after `{prefix}__`; expected {prefix}__<description>.sql"
    pattern, said = _DESCRIPTION_STYLES[style]
    if not pattern.match(description):
        return f"description {description!r} is not {said} (migrations.description_style: {style})"
    return None


def _classify_updown(rel: str) -> dict:
    parts = rel.split("/")
    name = parts[-1]
    if name in ("up.sql", "down.sql") and len(parts) >= 2:
        folder = _UPDOWN_FOLDER.match(parts[-2])
        if not folder:
            return {
                "kind": "other",
                "name_problem": f"folder {parts[-2]!r} does not start with "
                "<version>_ (expected <version>_<name>/up.sql and down.sql)",
            }
        return _updown_info(folder["version"], folder["name"], name[:-4], autocommit=False)
    flat = _UPDOWN_FLAT.match(name)
    if not flat:
        return {
            "kind": "other",
            "name_problem": "matches no up/down pattern "
            "(<version>_<name>.up.sql / .down.sql, or <version>_<name>/up.sql / down.sql); "
            "the runner never runs it",
        }
    dialect = flat["dialect"]
    description = flat["name"]
    if dialect and dialect not in _DIALECTS:
        description, dialect = f"{description}.{dialect}", None
    if dialect and dialect not in _POSTGRES_DIALECTS:
        return {"kind": "other", "note": f"for the {dialect} dialect, not PostgreSQL"}
    return _updown_info(
        flat["version"], description, flat["direction"], autocommit=bool(flat["autocommit"]), dialect=dialect
    )


def _updown_info(
    version_text: str, description: str, direction: str, *, autocommit: bool, dialect: str | None = None
) -> dict:
    try:
        version = updown_version(version_text)
    except InvalidVersion as exc:
        return {"kind": "other", "name_problem": str(exc)}
    kind = "versioned" if direction == "up" else "rollback"
    info = {"kind": kind, "version": version, "description": description, "autocommit": autocommit}
    if dialect:
        info["note"] = dialect
    return info


#: How each layout reads a file's name: (path inside the location, config) → MigrationFile fields.
CLASSIFIERS: dict[str, Callable[[str, Config], dict]] = {
    "flyway": _classify_flyway,
    "up-down": lambda rel, config: _classify_updown(rel),
}


# --------------------------------------------------------------------------- walking


def _walk(folder: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(folder, its path relative to ``folder`` with ``/``, sorted file names), hidden folders skipped."""
    root = os.fspath(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = dirpath[len(root) :].lstrip(os.sep).replace(os.sep, "/")
        yield dirpath, rel, sorted(filenames)


def discover_location(location: Path, display_root: str, config: Config) -> list[MigrationFile]:
    """Classify every ``.sql`` file of one location."""
    files = []
    prefix = "" if display_root in ("", ".") else display_root.rstrip("/") + "/"
    for dirpath, rel_dir, names in _walk(location):
        siblings = frozenset(names)
        for name in names:
            if not name.endswith(".sql"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            files.append(classify(Path(dirpath, name), prefix + rel, location, config, rel, siblings))
    if config.layout == "up-down":
        files = _shadow_generic_twins(files)
    return files


def _shadow_generic_twins(files: list[MigrationFile]) -> list[MigrationFile]:
    """pop runs the ``.postgres.`` file and ignores a dialect-neutral twin."""
    specific = {
        (f.path.parent, f.version, f.kind) for f in files if f.note in _POSTGRES_DIALECTS and f.version is not None
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
    for location, _ in configured_locations(config):
        try:
            resolved.relative_to(location.resolve())
            return location
        except ValueError:
            continue
    parent = path.parent
    if config.layout == "flyway" and parent.name in (ROLLBACK_DIR, SEEDS_DIR):
        return parent.parent
    if config.layout == "up-down" and path.name in ("up.sql", "down.sql"):
        return parent.parent
    return parent


def build_project(locations: Iterable[tuple[Path, str]], config: Config) -> Project:
    located: list[Path] = []
    files: list[MigrationFile] = []
    by_location: dict[str, list[MigrationFile]] = {}
    seen: dict[Path, list[MigrationFile]] = {}
    for location, display in locations:
        key = location.resolve()
        if key in seen:
            by_location.setdefault(absolute_key(location), seen[key])
            continue
        found = discover_location(location, display, config) if location.is_dir() else []
        seen[key] = by_location[absolute_key(location)] = found
        located.append(location)
        files.extend(found)
    files.sort(key=lambda f: f.display)
    return Project(config=config, locations=located, files=files, by_location=by_location)


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


def scope_from_paths(paths: list[str], config: Config) -> Scope:
    """``check PATH …``: exactly these files (folders recursively, every ``.sql``)."""
    wanted: list[tuple[str, Path | None]] = []  # (as given, the file; None for a folder)
    locations: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            wanted.append((raw, None))
            locations.append((path, raw))
        elif path.exists():
            wanted.append((raw, path))
            location = location_of(path, config)
            locations.append((location, _location_display(raw, path, location)))
        else:
            raise UsageError(f"{raw}: no such file or folder")
    project = build_project(locations, config)
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
            if not project.by_location.get(root):
                raise UsageError(f"no migration files found in {raw} (no .sql file in it or its subfolders)")
            for migration in project.by_location.get(root, ()):
                take(f"{root}/{migration.relpath}", migration, prefix + migration.relpath)
            continue
        if known is None:
            known = {absolute_key(f.path): f for f in project.files}
        key = absolute_key(wanted_path)
        found = known.get(key)
        if found is None:
            found = classify(wanted_path, raw, location_of(wanted_path, config), config)
            project.files.append(found)
        take(key, found, raw)
    return Scope(project, _in_run_order(files))


def scope_from_config(config: Config) -> Scope:
    locations = configured_locations(config)
    missing = [display for path, display in locations if not path.is_dir()]
    if missing and len(missing) == len(locations):
        raise UsageError(
            f"{missing[0]}: migrations folder not found (set migrations.path in .migration-gate.yml or pass a PATH)"
        )
    project = build_project(locations, config)
    return Scope(project, _in_run_order(list(project.files)))


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
