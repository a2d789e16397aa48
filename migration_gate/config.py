"""Configuration: ``.migration-gate.yml`` or ``[tool.migration-gate]``, validated.

The file is found by ``--config FILE`` or by walking up from the first PATH (or
the working directory) to the repository root, looking for
``.migration-gate.yml``, ``.migration-gate.yaml`` or a ``pyproject.toml`` that
has a ``[tool.migration-gate]`` table.  Relative paths in the file are relative
to the file's folder.  A repository with none of them but a ``.squawk.toml``
(found the same way, or named by ``--config``) gets squawk's settings
translated (:mod:`migration_gate.squawk_config`); one line on stderr says so.

Every key is checked: an unknown key, rule or a bad value is a
:class:`ConfigError` whose message names the file and the key; the CLI prints it
on one line and exits with 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .config_reader import Reader, read_duration, read_level, read_size
from .config_reader import did_you_mean as did_you_mean
from .config_sections import (
    migration_list,
    migrations_section,
    read_options,
    rules_section,
    table_size_section,
    throughput_section,
    verify_section,
)
from .core.config import (
    DAY,
    DEFAULT_DOCS_URL,
    DEFAULT_MAX_FILE_SIZE,
    FAIL_ON,
    PRESETS,
    STATEMENT_DELIVERIES,
    SUPPORTED_PG_VERSIONS,
    TRANSACTION_MODES,
    Config,
)
from .errors import ConfigError

CONFIG_NAMES = (".migration-gate.yml", ".migration-gate.yaml")


def find_config_file(start: Path) -> Path | None:
    """Walk up from ``start`` to the repository (or filesystem) root."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            path = candidate / name
            if path.is_file():
                return path
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _pyproject_has_section(pyproject):
            return pyproject
        if (candidate / ".git").exists():
            break
    return None


def _pyproject_has_section(path: Path) -> bool:
    try:
        return "[tool.migration-gate]" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def load_config(path: Path | None, *, search_from: Path | None = None) -> Config:
    """Load and validate the configuration (defaults when there is no file)."""
    if path is None:
        path = find_config_file(search_from or Path.cwd())
        if path is None:
            path = find_squawk_file(search_from or Path.cwd())
            if path is None:
                return Config(root=Path.cwd())
    elif not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    if is_squawk_file(path):
        return _load_squawk(path)
    data = _read(path)
    return parse_config(data, file=_shown(path), root=path.resolve().parent)


def find_squawk_file(start: Path) -> Path | None:
    """A ``.squawk.toml`` in ``start`` or a folder above it, up to the repository root."""
    from .squawk_config import NAME

    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if (candidate / NAME).is_file():
            return candidate / NAME
        if (candidate / ".git").exists():
            break
    return None


def is_squawk_file(path: Path) -> bool:
    """squawk's format: ``.squawk.toml``, or any other ``.toml`` than ``pyproject.toml`` named by --config."""
    return path.suffix == ".toml" and path.name != "pyproject.toml"


def _load_squawk(path: Path) -> Config:
    import sys

    from . import squawk_config

    shown = _shown(path)
    translation = squawk_config.read(path, str(shown))
    excluded_paths = tuple(translation.settings.pop("excluded_paths", ()))
    config = parse_config(translation.settings, file=shown, root=path.resolve().parent)
    read = f" ({', '.join(translation.used)})" if translation.used else ""
    print(f"migration-gate: using squawk's settings from {shown}{read}", file=sys.stderr)
    for warning in translation.warnings:
        print(f"migration-gate: warning: {warning}", file=sys.stderr)
    return config.replace(excluded_paths=excluded_paths) if excluded_paths else config


def _shown(path: Path) -> Path:
    """The config path as messages show it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        section = data.get("tool", {}).get("migration-gate")
        if section is None:
            raise ConfigError(f"{path}: no [tool.migration-gate] table")
        return section
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    return data


def parse_config(data: Mapping, *, file: Path | None = None, root: Path | None = None) -> Config:
    """Validate a configuration mapping into a :class:`Config`; keys are read in the order below, and the
    first bad one is the error."""
    top = Reader(data, file)
    values: dict[str, Any] = {"root": root or Path.cwd(), "file": file}

    migrations = top.take("migrations", (dict, list), {})
    if isinstance(migrations, list):
        values.update(migration_list(migrations, file))
    else:
        values.update(migrations_section(Reader(migrations, file, "migrations.")))

    _runner_settings(top, values)
    _report_settings(top, values)
    values["rules"] = rules_section(top, file)
    values["baseline"] = _baseline(top, values)
    _other_settings(top, file, values)

    top.finish()
    return Config(**values)


def _runner_settings(top: Reader, values: dict[str, Any]) -> None:
    """The target PostgreSQL and how the runner runs the files: transactions, delivery, placeholders."""
    pg_version = top.take("pg_version", int, 15)
    if pg_version not in SUPPORTED_PG_VERSIONS:
        raise top.fail("pg_version", f"{pg_version} is not a PostgreSQL major version from 9 to 18")
    values["pg_version"] = pg_version
    values["transaction"] = top.choice("transaction", TRANSACTION_MODES, None)
    values["statement_delivery"] = top.choice("statement_delivery", STATEMENT_DELIVERIES, None)
    if "runner_options" in top.data:
        values["runner_options"] = MappingProxyType({**read_options(top), **values.get("runner_options", {})})
    values["mixed"] = top.take("mixed", bool, False)

    placeholders = top.take("placeholders", dict, {})
    for name, value in placeholders.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise top.fail(f"placeholders.{name}", "expected a text value")
    values["placeholders"] = MappingProxyType({str(k): str(v) for k, v in placeholders.items()})
    values["placeholder_replacement"] = top.take("placeholder_replacement", bool)


def _report_settings(top: Reader, values: dict[str, Any]) -> None:
    """What fails the gate, the preset, where rule pages live, and the largest file read."""
    values["fail_on"] = top.choice("fail_on", FAIL_ON, "error")
    values["preset"] = top.choice("preset", PRESETS, "recommended")
    docs_url = top.take("docs_url", str, DEFAULT_DOCS_URL)
    if "{name}" not in docs_url and "{code}" not in docs_url:
        raise top.fail("docs_url", "must contain {name} or {code}")
    values["docs_url"] = docs_url
    max_size = top.take("max_file_size", (int, str), DEFAULT_MAX_FILE_SIZE)
    values["max_file_size"] = read_size(max_size, top)


def _baseline(top: Reader, values: dict[str, Any]) -> str | None:
    """``baseline``: a version in the layout's format (any digits with ``layout: auto``)."""
    baseline = top.take("baseline", (str, int))
    if baseline is not None:
        from .core.version import InvalidVersion, flyway_version, updown_version

        try:
            (flyway_version if values.get("layout", "auto") in ("flyway", "auto") else updown_version)(str(baseline))
        except InvalidVersion as exc:
            if values.get("layout", "auto") != "auto":
                raise top.fail("baseline", str(exc)) from None
            if not str(baseline).replace("-", "").replace("_", "").isdigit():
                raise top.fail("baseline", str(exc)) from None
        baseline = str(baseline)
    return baseline


def _other_settings(top: Reader, file: Path | None, values: dict[str, Any]) -> None:
    """Ordering, style, the cache, ``verify`` and the table statistics settings."""
    values["out_of_order"] = top.choice("out_of_order", ("deny", "allow"), "deny")
    values["ignore_rollback_collision"] = top.take("ignore_rollback_collision", bool, False)
    values["style"] = top.choice("style", ("sqlfluff",), None)
    style_level = top.take("style_level", (str, bool), "info")
    values["style_level"] = read_level(style_level, Reader({}, file, ""), "style_level", prefix="")
    values["cache_dir"] = top.take("cache_dir", str)

    values["verify"] = verify_section(Reader(top.take("verify", dict, {}), file, "verify."))
    values["table_stats"] = top.take("table_stats", str)
    max_age = top.take("table_stats_max_age", (int, float, str), 30)
    values["table_stats_max_age"] = read_duration(max_age, top, "table_stats_max_age", bare=DAY)
    values["table_size"] = table_size_section(Reader(top.take("table_size", dict, {}), file, "table_size."))
    values["throughput"] = throughput_section(Reader(top.take("throughput", dict, {}), file, "throughput."))
