"""Where a merged migration sits: the project's locations as reports show them, and a file of the
base's tree classified as the gate classifies it (as merged: no sidecars).

Split from :mod:`migration_gate.history.changeset`, which re-exports both.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    files now, by ``(location, relpath)``: a file still there under the same name, shown the same, of
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
        known: dict[tuple[Path, str], MigrationFile] | None = None,
    ) -> None:
        self.root, self.locations, self.config, self.displays = root, locations, config, displays
        self.resolve, self.layouts, self.known = resolve, layouts or {}, known
        self._root = os.fspath(root)
        # folder → ((location, its path inside + "/") or None, the names of its links or None: unknown)
        self._folders: dict[str, tuple[tuple[Path, str] | None, frozenset[str] | None]] = {}

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
            location, rel = spot
        elif placed is None:
            return None
        else:
            location, rel = placed[0], placed[1] + name
        return self._classified(location, rel)

    def _folder_spot(self, folder: str) -> tuple[Path, str] | None:
        """Where the files of a folder (from the root) sit: their location and the folder's path in it."""
        # its files (not links) resolve to the folder's resolved path + their name: placing a stand-in
        # name there places them all
        spot = self._spot(os.path.join(self.resolve.folder(os.path.join(self._root, folder)), "_"))
        return None if spot is None else (spot[0], spot[1][:-1])

    def _spot(self, resolved: str) -> tuple[Path, str] | None:
        found = _location_for(resolved, self.locations)
        if found is None:
            return None
        location, real = found
        rel = resolved[len(real) + 1 :].replace(os.sep, "/")
        return None if _hidden(rel) else (location, rel)

    def _classified(self, location: Path, rel: str) -> MigrationFile:
        shown = self.displays.get(location, ".")
        # os.path.join's answer for a relative `rel`, without its cost (a history holds tens of thousands)
        display = rel if shown in ("", ".") else (shown + rel if shown.endswith(os.sep) else shown + os.sep + rel)
        layout = self.layouts.get(location)
        now = self.known.get((location, rel)) if self.known is not None else None
        if now is not None and not now.runner_opt_out and now.display == display:
            if now.layout == (layout or self.config.layout_of(location)):
                return now
        # as merged: no sidecars
        return classify(location / rel, display, location, self.config, rel=rel, siblings=frozenset(), layout=layout)
