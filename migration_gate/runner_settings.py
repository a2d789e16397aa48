"""What the repository says about a runner: its version and the settings that change what it does.

Read for each folder ``layout: auto`` found (:mod:`migration_gate.detection`) and
for configured folders: the result goes into the folder's ``runner_options``
(configured values win) and into the detection line on stderr, which also says
what was assumed when nothing was found.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Protocol


class Found(Protocol):
    """A migrations folder whose runner is known (``detection.Found`` is one)."""

    folder: Path
    layout: str
    options: dict[str, str]
    facts: list[str]


def repo_root(start: Path) -> Path:
    """The repository's root (the folder holding ``.git``), else the filesystem root."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path(start.anchor)


def ancestors(folder: Path, top: Path) -> list[Path]:
    """``folder`` and its parents up to ``top`` (inclusive), nearest first."""
    folder = folder.resolve()
    out = []
    for candidate in (folder, *folder.parents):
        out.append(candidate)
        if candidate == top:
            break
    return out


class Hints:
    """Project files near a folder (go.mod, Cargo.toml, package.json, …), read once."""

    def __init__(self, top: Path):
        self.top = top
        self._cache: dict[Path, str | None] = {}

    def read(self, path: Path) -> str | None:
        if path not in self._cache:
            self._cache[path] = _read(path) if path.is_file() else None
        return self._cache[path]

    def nearest(self, folder: Path, name: str) -> tuple[Path, str] | None:
        for candidate in ancestors(folder, self.top):
            text = self.read(candidate / name)
            if text is not None:
                return candidate / name, text
        return None

    def pair_runner(self, folder: Path) -> tuple[str, str] | None:
        """Which runner a project dependency names for ``.up.sql`` pairs: (layout, reason)."""
        gomod = self.nearest(folder, "go.mod")
        if gomod:
            text = gomod[1]
            for module, layout in (
                ("github.com/golang-migrate/migrate", "golang-migrate"),
                ("github.com/gobuffalo/pop", "pop"),
                ("github.com/ory/x", "pop"),
                ("github.com/ory/pop", "pop"),
            ):
                if module in text:
                    return layout, f"from {module} in go.mod"
        cargo = self.nearest(folder, "Cargo.toml")
        if cargo:
            if re.search(r"^\s*diesel(_migrations)?\s*=", cargo[1], re.M):
                return "diesel", "from diesel in Cargo.toml"
            if re.search(r"^\s*sqlx(-cli)?\s*=", cargo[1], re.M):
                return "sqlx", "from sqlx in Cargo.toml"
        return None


def read_settings(found: Found, hints: Hints) -> None:
    """Fill ``found.options`` and ``found.facts`` for its layout."""
    reader = _READERS.get(found.layout)
    if reader is not None:
        reader(found, hints)


def _package_version(found: Found, hints: Hints, packages: tuple[str, ...]) -> tuple[str, str] | None:
    """(version, where) of the first of ``packages`` in the nearest package.json or lock file."""
    for lock in ("package-lock.json",):
        nearest = hints.nearest(found.folder, lock)
        if nearest:
            try:
                data = json.loads(nearest[1])
            except ValueError:
                data = {}
            for name in packages:
                entry = (data.get("packages") or {}).get(f"node_modules/{name}") or (
                    data.get("dependencies") or {}
                ).get(name)
                if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                    return entry["version"], lock
    for lock in ("pnpm-lock.yaml", "yarn.lock"):
        nearest = hints.nearest(found.folder, lock)
        if nearest:
            for name in packages:
                match = re.search(rf"(?:^|\n)\s*['\"/]?{re.escape(name)}@(\d+\.\d+\.\d+)", nearest[1])
                if match:
                    return match.group(1), lock
    nearest = hints.nearest(found.folder, "package.json")
    if nearest:
        try:
            data = json.loads(nearest[1])
        except ValueError:
            return None
        for section in ("dependencies", "devDependencies"):
            deps = data.get(section) or {}
            for name in packages:
                if isinstance(deps.get(name), str):
                    return deps[name], "package.json"
    return None


def _prisma(found: Found, hints: Hints) -> None:
    version = _package_version(found, hints, ("prisma", "@prisma/client"))
    if version is None:
        found.facts.append("Prisma version not found: assumed 7.3 or older, one query string per file")
        return
    found.options["version"] = version[0]
    from .core.runners.prisma import SPLITS_FROM, parse_semver

    parsed = parse_semver(version[0])
    delivery = "statements one at a time" if parsed and parsed[:2] >= SPLITS_FROM else "one query string per file"
    found.facts.append(f"Prisma {version[0]} from {version[1]}: {delivery}")


def _drizzle(found: Found, hints: Hints) -> None:
    version = _package_version(found, hints, ("drizzle-orm",))
    if version is None:
        found.facts.append("drizzle-orm version not found: assumed 0.x (journal)")
        return
    found.options["version"] = version[0]
    found.facts.append(f"drizzle-orm {version[0]} from {version[1]}")


def _cargo_version(found: Found, hints: Hints, crate: str) -> tuple[str, str] | None:
    lock = hints.nearest(found.folder, "Cargo.lock")
    if lock:
        match = re.search(rf'name = "{re.escape(crate)}"\nversion = "([^"]+)"', lock[1])
        if match:
            return match.group(1), "Cargo.lock"
    manifest = hints.nearest(found.folder, "Cargo.toml")
    if manifest:
        match = re.search(
            rf'^\s*{re.escape(crate)}\s*=\s*(?:"([^"]+)"|\{{[^}}]*version\s*=\s*"([^"]+)")', manifest[1], re.M
        )
        if match:
            return match.group(1) or match.group(2), "Cargo.toml"
    return None


def _sqlx(found: Found, hints: Hints) -> None:
    version = _cargo_version(found, hints, "sqlx")
    if version is None:
        found.facts.append("sqlx version not found: assumed 0.8")
    else:
        found.options["version"] = version[0]
        found.facts.append(f"sqlx {version[0]} from {version[1]}")


def _go_version(found: Found, hints: Hints, module: str) -> str | None:
    gomod = hints.nearest(found.folder, "go.mod")
    if gomod:
        match = re.search(rf"{re.escape(module)}\S*\s+(v[0-9][^\s]*)", gomod[1])
        if match:
            return match.group(1)
    return None


def _goose(found: Found, hints: Hints) -> None:
    version = _go_version(found, hints, "github.com/pressly/goose")
    if version:
        found.options["version"] = version
        found.facts.append(f"goose {version} from go.mod")


def _golang_migrate(found: Found, hints: Hints) -> None:
    version = _go_version(found, hints, "github.com/golang-migrate/migrate")
    if version:
        found.options["version"] = version
        found.facts.append(f"golang-migrate {version} from go.mod")


_READERS = {
    "prisma": _prisma,
    "drizzle": _drizzle,
    "sqlx": _sqlx,
    "goose": _goose,
    "golang-migrate": _golang_migrate,
}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
