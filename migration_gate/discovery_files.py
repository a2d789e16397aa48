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
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .core.config import Config
from .core.migration import MigrationFile, Project
from .core.runners import runner
from .core.runners.base import Listing
from .core.runners.flyway import ROLLBACK_DIR, SEEDS_DIR
from .core.runners.up_down import POSTGRES_DIALECTS
from .discovery_walk import walk as walk
from .discovery_walk import walk_noting_links
from .listings import listing_for, needs_listing

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
    return Classifier(location, config, layout).classify(path, display, rel, siblings)


class Classifier:
    """Classifies the files of one location: what the location's settings say is worked out once, not per
    file (a history holds tens of thousands)."""

    __slots__ = ("_listing", "layout", "location", "runner", "settings", "style", "wants_listing")

    def __init__(self, location: Path, config: Config, layout: str | None = None) -> None:
        self.location = location
        self.layout = layout or config.layout_of(location)
        self.runner = runner(self.layout)
        self.settings = config.settings_for(location)
        self.style = config.description_style_of(location)
        self.wants_listing = needs_listing(self.layout)
        self._listing: list[Listing | None] = []  # the folder's listing, once read

    def classify(
        self, path: Path, display: str, rel: str, siblings: set[str] | frozenset[str] | None, name: str | None = None
    ) -> MigrationFile:
        """``name``: ``path.name``, when the caller has it."""
        # a file that is not on disk (a merged file of the base, a file about to be written) is classified by
        # its name alone: the folder's current listing (Diesel folders, a journal, a plan) does not describe it
        listing = self._folder_listing() if self.wants_listing and (siblings or path.exists()) else None
        info = self.runner.classify(rel, self.style, self.settings, listing)
        info["runner_opt_out"] = _sidecar_opt_out(
            path, info.get("autocommit", False), siblings, self.layout, name or path.name
        )
        return MigrationFile(
            path=path, display=display, location=self.location, relpath=rel, layout=self.layout, **info
        )

    def _folder_listing(self) -> Listing | None:
        if not self._listing:
            self._listing.append(listing_for(self.location, self.layout))
        return self._listing[0]


def _sidecar_opt_out(
    path: Path, autocommit: bool, siblings: set[str] | frozenset[str] | None, layout: str, name: str
) -> bool:
    """Per-file opt-outs from the runner's transaction that live next to the file.

    pop's ``.autocommit.`` names, Diesel's ``metadata.toml`` with
    ``run_in_transaction = false``, Flyway's ``V….sql.conf`` with
    ``executeInTransaction=false``.  ``siblings`` (the folder's file names)
    saves the file-system checks when discovery already listed the folder.
    """
    if autocommit:
        return True
    if name in ("up.sql", "down.sql"):
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
    conf_name = name + ".conf"
    if siblings is None or conf_name in siblings:
        conf = path.with_name(conf_name)
        if conf.is_file():
            for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "executeInTransaction" and value.strip().lower() == "false":
                    return True
    return False


# --------------------------------------------------------------------------- walking


def discover_location(
    location: Path, display_root: str, config: Config, skip: frozenset[str] = frozenset()
) -> list[MigrationFile]:
    """Classify every ``.sql`` file of one location (``skip``: sub-folders that are locations of their own)."""
    return _discover(location, display_root, config, skip)[0]


def _discover(
    location: Path, display_root: str, config: Config, skip: frozenset[str]
) -> tuple[list[MigrationFile], list[Path]]:
    """:func:`discover_location`, and the files that are symbolic links."""
    files = []
    linked: list[Path] = []
    prefix = "" if display_root in ("", ".") else display_root.rstrip("/") + "/"
    classifier = Classifier(location, config)
    for dirpath, rel_dir, names, links in walk_noting_links(location, skip):
        siblings = frozenset(names)
        folder = Path(dirpath)  # `folder / name` parses the name alone: twice as fast as Path(dirpath, name)
        for name in names:
            if not name.endswith(".sql"):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            path = folder / name
            files.append(classifier.classify(path, prefix + rel, rel, siblings, name))
            if links and name in links:
                linked.append(path)
    if config.layout_of(location) in ("up-down", "pop"):
        files = _shadow_generic_twins(files)
    return files, linked


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
    linked: list[Path] = []
    for entry in locations:
        location, display = entry[0], entry[1]
        skip: frozenset[str] = entry[2] if len(entry) > 2 else frozenset()
        key = location.resolve()
        if key in seen:
            by_location.setdefault(absolute_key(location), seen[key])
            continue
        found, links = _discover(location, display, config, skip) if location.is_dir() else ([], [])
        seen[key] = by_location[absolute_key(location)] = found
        located.append(location)
        files.extend(found)
        linked.extend(links)
    files.sort(key=lambda f: f.display)
    return Project(config=config, locations=located, files=files, by_location=by_location, linked=frozenset(linked))


def absolute_key(path: Path | str) -> str:
    """A cheap identity for a path (no symlink resolution: no system calls)."""
    return os.path.normpath(os.path.abspath(path))
