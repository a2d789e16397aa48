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
    if found.layout not in ("flyway", "liquibase", "sqitch", "prisma", "drizzle"):
        _committed_urls(found, hints)


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


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------- Flyway


def flyway_conf(text: str) -> dict[str, str]:
    """``flyway.conf`` (Java properties, ``flyway.<key>=value``) → {key: value}."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = _property(line)
        if sep and key.startswith("flyway."):
            values[key[len("flyway.") :]] = value
    return values


def _property(line: str) -> tuple[str, str, str]:
    match = re.match(r"([^=:\s]+)\s*([=:\s])\s*(.*)", line)
    if not match:
        return line, "", ""
    return match.group(1), match.group(2), match.group(3).strip()


def _table(data: dict[str, object], key: str) -> dict[str, object]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def flyway_toml(text: str) -> dict[str, str]:
    """``flyway.toml``: ``[flyway]`` keys, and the selected environment's (``[flyway] environment``, else
    ``default``) ``schemas`` and ``initSql`` (flyway/flyway ConfigurationModel, EnvironmentModel)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    values: dict[str, str] = {}
    flyway = _table(data, "flyway")
    for key, value in flyway.items():
        if key == "placeholders" and isinstance(value, dict):
            for name, text_value in value.items():
                values[f"placeholders.{name}"] = str(text_value)
        elif isinstance(value, (str, int, float, bool)):
            values[key] = str(value).lower() if isinstance(value, bool) else str(value)
        elif isinstance(value, list):
            values[key] = ",".join(map(str, value))
    environments = _table(data, "environments")
    selected = environments.get(str(flyway.get("environment", "default")))
    if isinstance(selected, dict):
        for key in ("schemas", "initSql", "url"):
            value = selected.get(key)
            if isinstance(value, list):
                values.setdefault(key, ",".join(map(str, value)))
            elif isinstance(value, str):
                values.setdefault(key, value)
    return values


def _flyway(found: Found, hints: Hints) -> None:
    values: dict[str, str] = {}
    where = None
    for name in ("flyway.toml", "flyway.conf", "conf/flyway.conf"):
        nearest = hints.nearest(found.folder, name)
        if nearest:
            values = flyway_toml(nearest[1]) if name.endswith(".toml") else flyway_conf(nearest[1])
            where = name
            break
    if not values or where is None:
        return
    read = []
    schema = values.get("defaultSchema") or (values.get("schemas") or "").split(",")[0].strip()
    if schema:
        found.options["default-schema"] = schema
        read.append(f"defaultSchema {schema} (prepended to search_path)")
    for key in ("group", "mixed", "outOfOrder", "executeInTransaction"):
        if key in values:
            found.options[key] = values[key].strip().lower()
            read.append(f"{key} = {values[key]}")
    for key, value in values.items():
        if key.startswith("placeholders."):
            found.options[f"placeholder.{key[len('placeholders.') :]}"] = value
    placeholders = sum(1 for key in values if key.startswith("placeholders."))
    if placeholders:
        read.append(f"{placeholders} placeholder{'s' * (placeholders != 1)}")
    init = values.get("initSql", "")
    if re.search(r"\b(lock_timeout|statement_timeout)\b", init, re.I):
        found.options["lock-timeout"] = "initSql"
        read.append("a timeout in initSql")
    _url_settings(found, values.get("url", ""))
    if read:
        found.facts.append(f"{where}: " + ", ".join(read))


# --------------------------------------------------------------------------- committed URLs

_URL = re.compile(r"postgres(?:ql)?://[^\s'\"`]+")


def _url_settings(found: Found, text: str) -> None:
    """Settings in a database URL: golang-migrate's x-multi-statement / x-statement-timeout, search_path,
    and a lock_timeout or statement_timeout in ``options=-c …``."""
    from urllib.parse import parse_qs, unquote, urlsplit

    for url in _URL.findall(text):
        query = parse_qs(urlsplit(url).query)
        for key in ("x-multi-statement", "x-statement-timeout", "search_path"):
            if key in query:
                found.options.setdefault(key, query[key][0])
        options = unquote(" ".join(query.get("options", [])))
        if re.search(r"\b(lock_timeout|statement_timeout)\b", options) or "x-statement-timeout" in query:
            found.options.setdefault("lock-timeout", "the database URL")


def _committed_urls(found: Found, hints: Hints) -> None:
    """Database URLs committed next to the migrations (.env, Makefile, compose files)."""
    seen = []
    for name in (".env", "Makefile", "docker-compose.yml", "docker-compose.yaml", "compose.yaml", "dbconfig.yml"):
        nearest = hints.nearest(found.folder, name)
        if nearest and _URL.search(nearest[1]):
            before = dict(found.options)
            _url_settings(found, nearest[1])
            if found.options != before:
                seen.append(name)
    if seen:
        keys = [
            k for k in ("x-multi-statement", "x-statement-timeout", "search_path", "lock-timeout") if k in found.options
        ]
        found.facts.append(f"{', '.join(keys)} from the database URL in {', '.join(seen)}")


def _sqlx_toml(found: Found, hints: Hints) -> None:
    nearest = hints.nearest(found.folder, "sqlx.toml")
    if not nearest:
        return
    import tomllib

    try:
        data = tomllib.loads(nearest[1])
    except tomllib.TOMLDecodeError:
        return
    migrate = _table(data, "migrate")
    chars = migrate.get("ignored-chars")
    if isinstance(chars, list) and all(isinstance(c, str) for c in chars):
        found.options["ignored-chars"] = "".join(chars)
        found.facts.append("sqlx.toml ignored-chars (sqlx 0.9)")
        found.options.setdefault("version", "0.9")


def _atlas_hcl(found: Found, hints: Hints) -> None:
    for candidate in ancestors(found.folder, hints.top):
        text = hints.read(candidate / "atlas.hcl")
        if text is None:
            continue
        match = re.search(r'exec_order\s*=\s*"?([\w-]+)', text)
        if match:
            found.options["exec-order"] = match.group(1)
            found.facts.append(f"atlas.hcl exec_order = {match.group(1)}")
        before = dict(found.options)
        _url_settings(found, text)
        if "search_path" in found.options and "search_path" not in before:
            found.facts.append(f"search_path {found.options['search_path']} from atlas.hcl")
        return


def _liquibase(found: Found, hints: Hints) -> None:
    """Changelog parameters and Liquibase's version."""
    _liquibase_parameters(found, hints)
    _liquibase_version(found, hints)


_XML_PROPERTY = re.compile(r"<property\b([^>]*)/?>", re.S)
_XML_ATTRIBUTE = re.compile(r"""\b(name|value)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _liquibase_parameters(found: Found, hints: Hints) -> None:
    """Changelog parameters the repository defines: ``parameter.<name>=value`` in the nearest
    liquibase.properties, ``<property name=… value=…/>`` in the folder's XML changelogs (the last one wins,
    as the gate cannot tell contexts apart). Values passed at deploy time (``-D``) stay unknown."""
    values: dict[str, str] = {}
    where: list[str] = []
    nearest = hints.nearest(found.folder, "liquibase.properties")
    if nearest:
        for raw in nearest[1].splitlines():
            key, sep, value = raw.strip().partition("=")
            if sep and key.strip().startswith("parameter."):
                values[key.strip()[len("parameter.") :]] = value.strip()
        if values:
            where.append("liquibase.properties")
    try:
        changelogs = sorted(found.folder.glob("*.xml"))
    except OSError:
        changelogs = []
    count = len(values)
    for changelog in changelogs:
        text = hints.read(changelog) or ""
        for match in _XML_PROPERTY.finditer(text):
            attributes = {
                m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
                for m in _XML_ATTRIBUTE.finditer(match.group(1))
            }
            if "name" in attributes and "value" in attributes:
                values[attributes["name"]] = attributes["value"]
    if len(values) > count:
        where.append("<property> in the changelog")
    for name, value in values.items():
        found.options[f"placeholder.{name}"] = value
    if values:
        found.facts.append(f"{len(values)} changelog parameter{'s' * (len(values) != 1)} from {' and '.join(where)}")


def _liquibase_version(found: Found, hints: Hints) -> None:
    """Liquibase's version (checksums changed from v8 to v9 in 4.22): Maven, Gradle or a Docker image."""
    checks = (
        ("pom.xml", r"<artifactId>liquibase-core</artifactId>\s*<version>([0-9][^<]*)</version>"),
        ("build.gradle", r"org\.liquibase:liquibase-core:([0-9][\w.-]*)"),
        ("build.gradle.kts", r"org\.liquibase:liquibase-core:([0-9][\w.-]*)"),
        ("Dockerfile", r"liquibase/liquibase:([0-9][\w.-]*)"),
    )
    for name, pattern in checks:
        nearest = hints.nearest(found.folder, name)
        match = re.search(pattern, nearest[1]) if nearest else None
        if match:
            found.options["version"] = match.group(1)
            found.facts.append(f"Liquibase {match.group(1)} from {name}")
            return
    found.facts.append("Liquibase version not found: assumed 4.22 or later (checksums 9:)")


def _sqlx_all(found: Found, hints: Hints) -> None:
    _sqlx_toml(found, hints)
    if "version" not in found.options:
        _sqlx(found, hints)


def _atlas(found: Found, hints: Hints) -> None:
    _atlas_hcl(found, hints)


_READERS: dict[str, Callable[[Found, Hints], None]] = {
    "prisma": _prisma,
    "drizzle": _drizzle,
    "sqlx": _sqlx_all,
    "goose": _goose,
    "golang-migrate": _golang_migrate,
    "flyway": _flyway,
    "atlas": _atlas,
    "liquibase": _liquibase,
}
