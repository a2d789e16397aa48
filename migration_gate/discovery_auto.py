"""``layout: auto``: each location gets its runner, split into the folders the runners' markers point at."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from .core.config import Config, LocationConfig, location_key
from .discovery_files import absolute_key, walk

if TYPE_CHECKING:
    from .detection import Found

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
    resolution = _Resolution()
    for location, display in locations:
        configured = config.location_config(location)
        layout = configured.layout if configured is not None else config.layout
        if layout != "auto":
            resolution.explicit(location, display, layout, configured, notes)
        else:
            resolution.auto(location, display, configured, notes, keep_rest=keep_rest, searched=searched)
    kept = [loc for loc in config.locations if loc.layout != "auto"]
    layouts = resolution.layouts
    new = config.replace(locations=(*kept, *resolution.added), layout=layouts.pop() if len(layouts) == 1 else "auto")
    return _skip_nested(resolution.resolved), new


@dataclass(slots=True)
class _Resolution:
    """What :func:`resolve_layouts` gathers: the locations to discover, their configuration, the layouts seen."""

    resolved: list[Located] = field(default_factory=list)
    added: list[LocationConfig] = field(default_factory=list)
    layouts: set[str] = field(default_factory=set)

    def explicit(
        self, location: Path, display: str, layout: str, configured: LocationConfig | None, notes: list[str]
    ) -> None:
        """A location whose layout is configured: the runner settings its repository holds are added."""
        self.resolved.append((location, display, frozenset()))
        self.layouts.add(layout)
        if layout == "prisma":
            notes.extend(_prisma8_notes(location, display))
        found_settings = _repository_settings(location, layout)
        if found_settings:  # what the runner's own files say, under what the configuration says
            base = configured or LocationConfig(path=str(location), layout=layout)
            merged = MappingProxyType({**found_settings, **base.runner_options})
            self.added.append(replace(base, key=location_key(location), runner_options=merged))

    def auto(
        self,
        location: Path,
        display: str,
        configured: LocationConfig | None,
        notes: list[str],
        *,
        keep_rest: bool,
        searched: bool,
    ) -> None:
        """A ``layout: auto`` location: the runners found in it, or the Flyway default."""
        from .detection import detect

        options = dict(configured.runner_options) if configured is not None else {}
        base = configured or LocationConfig(path=str(location))
        found = detect(location) if location.is_dir() else []
        if not found:
            if location.is_dir() and any(name.endswith(".sql") for _, _, names in walk(location) for name in names):
                notes.append(
                    f"migration-gate: {display}: flyway (no runner's markers found: the default; set migrations.layout)"
                )
            self.added.append(replace(base, layout="flyway", key=location_key(location)))
            self.resolved.append((location, display, frozenset()))
            self.layouts.add("flyway")
            return
        if not searched and all(f.layout == "flyway" for f in found):
            line = found[0].line(display)
            notes.append(line)
            self.added.append(
                replace(
                    base,
                    layout="flyway",
                    key=location_key(location),
                    detected=line,
                    runner_options=MappingProxyType({**found[0].options, **options}),
                )
            )
            self.resolved.append((location, display, frozenset()))
            self.layouts.add("flyway")
            return
        self.split(location, display, base, options, found, notes, keep_rest=keep_rest)

    def split(
        self,
        location: Path,
        display: str,
        base: LocationConfig,
        options: dict[str, str],
        found: list[Found],
        notes: list[str],
        *,
        keep_rest: bool,
    ) -> None:
        """A location split into the folders found (with the rest of it, when it was given as a PATH)."""
        subs = frozenset(location_key(f.folder) for f in found if location_key(f.folder) != location_key(location))
        for item in found:
            rel = os.path.relpath(item.folder, location)
            shown = display if rel == "." else (rel if display in ("", ".") else os.path.join(display, rel))
            line = item.line(shown)
            notes.append(line)
            merged = MappingProxyType({**item.options, **options})
            self.added.append(
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
            self.resolved.append((item.folder, shown, inner))
            self.layouts.add(item.layout)
        if keep_rest and location_key(location) not in {location_key(f.folder) for f in found}:
            self.added.append(replace(base, layout="flyway", key=location_key(location)))
            self.resolved.append((location, display, subs))


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
