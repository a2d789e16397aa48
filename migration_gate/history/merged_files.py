"""Where a merged migration sits: the project's locations as reports show them, and a file of the
base's tree classified as the gate classifies it (as merged: no sidecars).

Split from :mod:`migration_gate.history.changeset`, which re-exports both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from ..core.config import Config
from ..core.migration import MigrationFile
from ..discovery import classify
from .git import Resolver


def location_displays(project) -> dict[Path, str]:
    """Each location as reports show it (derived from its files' display paths)."""
    displays: dict[Path, str] = {}
    for f in project.files:
        if f.location in displays:
            continue
        display, rel = f.display.replace(os.sep, "/"), f.relpath
        if display == rel:
            displays[f.location] = "."
        elif display.endswith("/" + rel):
            displays[f.location] = f.display[: len(f.display) - len(rel) - 1]
    cwd = Path.cwd()
    for location in project.locations:
        if location not in displays:
            try:
                displays[location] = os.path.relpath(location, cwd)
            except ValueError:
                displays[location] = str(location)
    return displays


def _location_for(resolved: str, locations: list[tuple[Path, str]]) -> tuple[Path, str] | None:
    """The deepest location (as ``(location, its resolved path)``) that holds a resolved path."""
    best = None
    for location, real in locations:
        if resolved.startswith(real + os.sep) and (best is None or len(real) > len(best[1])):
            best = (location, real)
    return best


def _hidden(relpath: str) -> bool:
    return any(part.startswith(".") for part in relpath.split("/")[:-1])


class MergedFiles:
    """The files of the base's tree as the gate sees them (as merged: no sidecars), placed folder by folder.

    ``locations``: the project's locations with their resolved paths.  ``layouts``: each location's layout
    (the one that classified its files now); the configured one by default.  ``known``: the project's
    files now, by location and relpath: a file still there under the same name, shown the same, of
    the same layout and with no sidecar opting it out is classified as it is now (classification reads
    the name only), which spares a long history one classification per merged file.  A folder is
    resolved and placed in its location once for all its files (a history holds tens of thousands);
    a file that is itself a link is placed where it points.
    """

    def __init__(
        self,
        root: Path,
        locations: list[tuple[Path, str]],
        config: Config,
        displays: dict,
        resolve: Resolver,
        layouts: dict | None = None,
        known: dict[Path, dict[str, MigrationFile]] | None = None,
    ) -> None:
        self.root, self.locations, self.config, self.displays = root, locations, config, displays
        self.resolve, self.layouts, self.known = resolve, layouts or {}, known
        self._root = os.fspath(root)
        # folder → ((where in a location, its path inside + "/") or None, the names of its links or None: unknown)
        self._folders: dict[str, tuple[tuple[_At, str] | None, frozenset[str] | None]] = {}
        self._at: dict[Path, _At] = {}

    def classify(self, relpath: str) -> MigrationFile | None:
        if not relpath.endswith(".sql"):
            return None
        folder, _, name = relpath.rpartition("/")
        found = self._folders.get(folder)
        if found is None:
            found = self._folders[folder] = (
                self._folder_spot(folder),
                self.resolve.links_in(os.path.join(self._root, folder)),
            )
        placed, links = found
        if name in links if links is not None else self.resolve.is_link(os.path.join(self._root, relpath)):
            spot = self._spot(self.resolve.text(os.path.join(self._root, relpath)))
            if spot is None:
                return None
            return self._classified(self._location_at(spot[0]), spot[1])
        if placed is None:
            return None
        return self._classified(placed[0], placed[1] + name)

    def _folder_spot(self, folder: str) -> tuple[_At, str] | None:
        """Where the files of a folder (from the root) sit: their location and the folder's path in it."""
        # its files (not links) resolve to the folder's resolved path + their name: placing a stand-in
        # name there places them all
        spot = self._spot(os.path.join(self.resolve.folder(os.path.join(self._root, folder)), "_"))
        return None if spot is None else (self._location_at(spot[0]), spot[1][:-1])

    def _location_at(self, location: Path) -> _At:
        """What a location's merged files share, worked out once: not per file (a history holds tens of
        thousands, and a path is hashed by a Python method)."""
        at = self._at.get(location)
        if at is None:
            known = self.known.get(location) if self.known is not None else None
            layout = self.layouts.get(location)
            at = self._at[location] = _At(
                location, self.displays.get(location, "."), layout, layout or self.config.layout_of(location), known
            )
        return at

    def _spot(self, resolved: str) -> tuple[Path, str] | None:
        found = _location_for(resolved, self.locations)
        if found is None:
            return None
        location, real = found
        rel = resolved[len(real) + 1 :].replace(os.sep, "/")
        return None if _hidden(rel) else (location, rel)

    def _classified(self, at: _At, rel: str) -> MigrationFile:
        shown = at.shown
        # os.path.join's answer for a relative `rel`, without its cost (a history holds tens of thousands)
        display = rel if shown in ("", ".") else (shown + rel if shown.endswith(os.sep) else shown + os.sep + rel)
        now = at.known.get(rel) if at.known is not None else None
        if now is not None and not now.runner_opt_out and now.display == display and now.layout == at.layout_now:
            return now
        # as merged: no sidecars
        location = at.location
        return classify(location / rel, display, location, self.config, rel=rel, siblings=frozenset(), layout=at.layout)


class _At(NamedTuple):
    """A location as its merged files are classified in it."""

    location: Path
    shown: str  # how reports show it
    layout: str | None  # the layout its files were classified by now (None: the configured one)
    layout_now: str  # that layout, or the configured one
    known: dict[str, MigrationFile] | None  # its files now, by relpath
