"""What the repository says about a runner: its version and the settings that change what it does.

Read for each folder ``layout: auto`` found (:mod:`migration_gate.detection`) and
for configured folders: the result goes into the folder's ``runner_options``
(configured values win) and into the detection line on stderr, which also says
what was assumed when nothing was found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from .runner_files import atlas_hcl, committed_urls, flyway_settings, liquibase_settings, sqlx_toml
from .runner_hints import Found as Found
from .runner_hints import Hints as Hints
from .runner_hints import ancestors as ancestors
from .runner_hints import repo_root as repo_root


def read_settings(found: Found, hints: Hints) -> None:
    """Fill ``found.options`` and ``found.facts`` for its layout."""
    reader = _READERS.get(found.layout)
    if reader is not None:
        reader(found, hints)
    if found.layout not in ("flyway", "liquibase", "sqitch", "prisma", "drizzle"):
        committed_urls(found, hints)


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
    """The Prisma CLI that applies ``migration.sql`` folders: ``@prisma/prisma7`` (Prisma 7 kept beside Prisma 8),
    else ``prisma``, else ``@prisma/client``.  Prisma 8's CLI applies only its own migration packages, so a version
    8 decides nothing when a Prisma 7 one is there too."""
    from .core.runners.prisma import SPLITS_FROM, parse_semver

    found_versions = [v for v in (_package_version(found, hints, (p,)) for p in PRISMA_PACKAGES) if v is not None]
    if not found_versions:
        found.facts.append("Prisma version not found: assumed 7.3 or older, one query string per file")
        return
    before8 = [v for v in found_versions if (parse_semver(v[0]) or (0,))[0] < 8]
    version = (before8 or found_versions)[0]
    found.options["version"] = version[0]
    parsed = parse_semver(version[0])
    if parsed and parsed[0] >= 8:
        found.facts.append(
            f"Prisma {version[0]} from {version[1]} applies only Prisma 8 migration packages; the Prisma 7 version "
            "that applies migration.sql was not found: assumed 7.3 or older, one query string per file"
        )
        return
    delivery = "statements one at a time" if parsed and parsed[:2] >= SPLITS_FROM else "one query string per file"
    found.facts.append(f"Prisma {version[0]} from {version[1]}: {delivery}")


#: Where the version of the CLI that runs ``prisma migrate deploy`` is read, first found first.
PRISMA_PACKAGES = ("@prisma/prisma7", "prisma", "@prisma/client")


def _drizzle(found: Found, hints: Hints) -> None:
    version = _package_version(found, hints, ("drizzle-orm",))
    if version is None:
        folders = sorted(found.folder.iterdir()) if found.folder.is_dir() else []
        if (found.folder / "meta" / "_journal.json").is_file() or not any(
            (sub / "migration.sql").is_file() for sub in folders
        ):
            found.facts.append("drizzle-orm version not found: assumed 0.x (journal)")
        else:
            found.facts.append("drizzle-orm version not found: assumed 1.x (a folder per migration, no journal)")
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


def _sqlx_all(found: Found, hints: Hints) -> None:
    sqlx_toml(found, hints)
    if "version" not in found.options:
        _sqlx(found, hints)


def _atlas(found: Found, hints: Hints) -> None:
    atlas_hcl(found, hints)


_READERS: dict[str, Callable[[Found, Hints], None]] = {
    "prisma": _prisma,
    "drizzle": _drizzle,
    "sqlx": _sqlx_all,
    "goose": _goose,
    "golang-migrate": _golang_migrate,
    "flyway": flyway_settings,
    "atlas": _atlas,
    "liquibase": liquibase_settings,
}
