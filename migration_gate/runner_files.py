"""Runner settings in the runners' own configuration files (Flyway, sqlx.toml, atlas.hcl, Liquibase) and in
database URLs committed next to the migrations."""

from __future__ import annotations

import re

from .runner_hints import Found, Hints, ancestors

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


def flyway_settings(found: Found, hints: Hints) -> None:
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


def committed_urls(found: Found, hints: Hints) -> None:
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


def sqlx_toml(found: Found, hints: Hints) -> None:
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


def atlas_hcl(found: Found, hints: Hints) -> None:
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


def liquibase_settings(found: Found, hints: Hints) -> None:
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
