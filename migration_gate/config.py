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

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .core.config import (
    DAY,
    DEFAULT_DOCS_URL,
    DEFAULT_MAX_FILE_SIZE,
    DESCRIPTION_STYLES,
    FAIL_ON,
    LAYOUTS,
    PRESETS,
    STATEMENT_DELIVERIES,
    SUPPORTED_PG_VERSIONS,
    TRANSACTION_MODES,
    Config,
    LocationConfig,
    RuleSetting,
    SizeLimit,
    TableSizeSettings,
    Throughput,
    VerifySettings,
)
from .core.severity import Severity
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


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``; did you mean `x`?`` for the closest candidate (difflib), or an empty string."""
    import difflib

    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[c] for c in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return f"; did you mean `{close[0]}`?" if close else ""


class _Reader:
    """Takes keys out of a mapping, type-checking each and naming it on error."""

    def __init__(self, data: Mapping, file: Path | None, prefix: str = ""):
        if not isinstance(data, Mapping):
            raise ConfigError(f"{file}: {prefix.rstrip('.') or 'config'}: must be a mapping")
        self.data = dict(data)
        self.file = file
        self.prefix = prefix
        self.known: set[str] = set()  # every key asked for: what an unknown key may have meant

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file or 'config'}: {self.prefix}{key}: {problem}")

    def take(self, key: str, kind: type | tuple, default: Any = None) -> Any:
        self.known.add(key)
        if key not in self.data:
            return default
        value = self.data.pop(key)
        if kind is int and isinstance(value, bool):
            raise self.fail(key, f"expected a number, got {value!r}")
        if not isinstance(value, kind):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, f"expected {_article(names)}, got {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.take(key, str, default)
        if value is not None and value not in choices:
            raise self.fail(key, f"{value!r} is not one of {', '.join(choices)}{did_you_mean(value, choices)}")
        return value

    def finish(self) -> None:
        if self.data:
            key = sorted(map(str, self.data))[0]
            raise self.fail(key, f"unknown setting{did_you_mean(key, self.known)}")


def _article(names: str) -> str:
    return ("an " if names[0] in "aeiou" else "a ") + names


def parse_config(data: Mapping, *, file: Path | None = None, root: Path | None = None) -> Config:
    from .core.rules import registry

    top = _Reader(data, file)
    values: dict[str, Any] = {"root": root or Path.cwd(), "file": file}

    migrations = top.take("migrations", (dict, list), {})
    if isinstance(migrations, list):
        values.update(_migration_list(migrations, file))
    else:
        section = _Reader(migrations, file, "migrations.")
        paths = section.take("path", (str, list), None)
        values["paths_configured"] = paths is not None
        if paths is None:
            paths = "migrations"
        if isinstance(paths, str):
            paths = [paths]
        if not paths or not all(isinstance(p, str) and p for p in paths):
            raise section.fail("path", "expected a folder or a list of folders")
        values["migration_paths"] = tuple(paths)
        values["layout"] = section.choice("layout", LAYOUTS, "auto")
        values["description_style"] = section.choice("description_style", DESCRIPTION_STYLES, "snake_case")
        values["rollback_path"] = section.take("rollback_path", str)
        values["pattern"] = _pattern(section, values["layout"])
        values["runner_options"] = _options(section)
        section.finish()

    pg_version = top.take("pg_version", int, 15)
    if pg_version not in SUPPORTED_PG_VERSIONS:
        raise top.fail("pg_version", f"{pg_version} is not a PostgreSQL major version from 9 to 18")
    values["pg_version"] = pg_version
    values["transaction"] = top.choice("transaction", TRANSACTION_MODES, None)
    values["statement_delivery"] = top.choice("statement_delivery", STATEMENT_DELIVERIES, None)
    if "runner_options" in top.data:
        values["runner_options"] = MappingProxyType({**_options(top), **values.get("runner_options", {})})
    values["mixed"] = top.take("mixed", bool, False)

    placeholders = top.take("placeholders", dict, {})
    for name, value in placeholders.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise top.fail(f"placeholders.{name}", "expected a text value")
    values["placeholders"] = MappingProxyType({str(k): str(v) for k, v in placeholders.items()})
    values["placeholder_replacement"] = top.take("placeholder_replacement", bool)

    values["fail_on"] = top.choice("fail_on", FAIL_ON, "error")
    values["preset"] = top.choice("preset", PRESETS, "recommended")
    docs_url = top.take("docs_url", str, DEFAULT_DOCS_URL)
    if "{name}" not in docs_url and "{code}" not in docs_url:
        raise top.fail("docs_url", "must contain {name} or {code}")
    values["docs_url"] = docs_url
    max_size = top.take("max_file_size", (int, str), DEFAULT_MAX_FILE_SIZE)
    values["max_file_size"] = _size(max_size, top)

    rules = top.take("rules", dict, {})
    settings: dict[str, RuleSetting] = {}
    # An alias may name several rules: its setting applies to each; a rule's own code or name wins.
    for key, raw in sorted(rules.items(), key=lambda item: not registry.is_alias(str(item[0]))):
        named = registry.lookup_all(str(key))
        if not named:
            hint = did_you_mean(str(key), registry.rule_keys())
            raise top.fail(f"rules.{key}", f"unknown rule{hint} (see `migration-gate rules`)")
        for rule in named:
            setting = _rule_setting(rule, raw, _Reader({}, file, f"rules.{key}."), key)
            scope = rule.alias_scopes.get(str(key).strip().lower()) if registry.is_alias(str(key)) else None
            if scope is not None:
                setting = _scoped(rule, scope, setting, settings.get(rule.name))
            settings[rule.name] = setting
    values["rules"] = MappingProxyType(settings)

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
    values["baseline"] = baseline
    values["out_of_order"] = top.choice("out_of_order", ("deny", "allow"), "deny")
    values["ignore_rollback_collision"] = top.take("ignore_rollback_collision", bool, False)
    values["style"] = top.choice("style", ("sqlfluff",), None)
    style_level = top.take("style_level", (str, bool), "info")
    values["style_level"] = _level(style_level, _Reader({}, file, ""), "style_level", prefix="")
    values["cache_dir"] = top.take("cache_dir", str)

    values["verify"] = _verify_settings(_Reader(top.take("verify", dict, {}), file, "verify."))
    values["table_stats"] = top.take("table_stats", str)
    max_age = top.take("table_stats_max_age", (int, float, str), 30)
    values["table_stats_max_age"] = _duration(max_age, top, "table_stats_max_age", bare=DAY)
    values["table_size"] = _table_size(_Reader(top.take("table_size", dict, {}), file, "table_size."))
    values["throughput"] = _throughput(_Reader(top.take("throughput", dict, {}), file, "throughput."))

    top.finish()
    return Config(**values)


def _pattern(reader: _Reader, layout: str | None) -> str | None:
    """``pattern``: a regular expression with a ``version`` group (for ``layout: pattern``)."""
    import re

    pattern = reader.take("pattern", str)
    if layout == "pattern" and pattern is None:
        raise reader.fail("pattern", "layout: pattern needs a regular expression with a (?P<version>…) group")
    if pattern is not None:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise reader.fail("pattern", f"not a regular expression: {exc}") from None
        if "version" not in compiled.groupindex:
            raise reader.fail("pattern", "needs a named group (?P<version>…)")
        unknown = sorted(set(compiled.groupindex) - {"version", "name", "direction"})
        if unknown:
            raise reader.fail("pattern", f"unknown group {unknown[0]!r} (use version, name, direction)")
    return pattern


def _options(reader: _Reader) -> MappingProxyType:
    """``runner_options``: runner settings such as golang-migrate's ``x-multi-statement`` or Atlas's ``tx-mode``."""
    raw = reader.take("runner_options", dict, {})
    options = {}
    for name, value in raw.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, (str, int, float)):
            raise reader.fail(f"runner_options.{name}", "expected a text value")
        options[str(name)] = str(value)
    return MappingProxyType(options)


def _migration_list(items: list, file: Path | None) -> dict[str, Any]:
    """``migrations:`` as a list of folders, each with its own layout and runner settings."""
    if not items:
        raise ConfigError(f"{file or 'config'}: migrations: the list is empty")
    locations = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            item = {"path": item}
        reader = _Reader(item, file, f"migrations[{index}].")
        path = reader.take("path", str)
        if not path:
            raise reader.fail("path", "required: the folder")
        layout = reader.choice("layout", LAYOUTS, "auto") or "auto"
        locations.append(
            LocationConfig(
                path=path,
                layout=layout,
                transaction=reader.choice("transaction", TRANSACTION_MODES, None),
                statement_delivery=reader.choice("statement_delivery", STATEMENT_DELIVERIES, None),
                runner_options=_options(reader),
                pattern=_pattern(reader, layout),
                description_style=reader.choice("description_style", DESCRIPTION_STYLES, None),
            )
        )
        reader.finish()
    layouts = {loc.layout for loc in locations}
    return {
        "migration_paths": tuple(loc.path for loc in locations),
        "paths_configured": True,
        "locations": tuple(locations),
        "layout": layouts.pop() if len(layouts) == 1 else "auto",
    }


def _rule_setting(rule, raw: Any, reader: _Reader, key: str) -> RuleSetting:
    if isinstance(raw, bool):  # YAML reads bare off/on as false/true
        if not raw:
            return RuleSetting(level=Severity.OFF)
        on = rule.strict_level or rule.level
        return RuleSetting(level=on if on != Severity.OFF else Severity.ERROR)
    if isinstance(raw, str):
        return RuleSetting(level=_level(raw, reader, key))
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{reader.file or 'config'}: rules.{key}: expected a level (off, info, warning, error) "
            "or a mapping with `level` and options"
        )
    options = dict(raw)
    level = options.pop("level", None)
    level = _level(level, reader, key) if level is not None else None
    try:
        rule.validate_options(options)
    except ValueError as exc:
        raise ConfigError(f"{reader.file or 'config'}: rules.{key}.{exc}") from None
    return RuleSetting(level=level, options=MappingProxyType(options))


def _scoped(rule, scope: tuple[str, tuple[str, ...]], setting: RuleSetting, earlier: RuleSetting | None) -> RuleSetting:
    """A level set by an alias that names part of a rule (``ban-drop-index``: the index part of
    ``dropped-object``): off takes that part out of the rule's option, another level puts it in."""
    option, values = scope
    base = earlier if earlier is not None else RuleSetting()
    current = set(base.options.get(option, getattr(rule.Options(), option)))
    options = dict(base.options)
    if setting.level == Severity.OFF:
        remaining = current - set(values)
        if not remaining:
            return RuleSetting(level=Severity.OFF, options=MappingProxyType(options))
        options[option] = sorted(remaining)
        return RuleSetting(level=base.level, options=MappingProxyType(options))
    options.update(setting.options)
    options[option] = sorted(current | set(values))
    return RuleSetting(level=setting.level, options=MappingProxyType(options))


def _level(raw: Any, reader: _Reader, key: str, prefix: str = "rules.") -> Severity:
    if raw is False:  # YAML reads a bare `off` as false
        return Severity.OFF
    if not isinstance(raw, str):
        raise ConfigError(f"{reader.file or 'config'}: {prefix}{key}: expected a level, got {raw!r}")
    try:
        return Severity.parse(raw)
    except ValueError as exc:
        hint = did_you_mean(raw, ("off", "info", "warning", "error"))
        raise ConfigError(f"{reader.file or 'config'}: {prefix}{key}: {exc}{hint}") from None


def _size(value: Any, reader: _Reader, key: str = "max_file_size") -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise reader.fail(key, "must be positive")
        return int(value)
    if not isinstance(value, str):
        raise reader.fail(key, f"{value!r} is not a size like 10MB")
    text = value.strip().upper().replace(" ", "")
    for suffix, factor in (("TB", 1024**4), ("GB", 1024**3), ("MB", 1024**2), ("KB", 1024), ("B", 1)):
        number = text[: -len(suffix)]
        if text.endswith(suffix) and number.replace(".", "", 1).isdigit() and float(number) > 0:
            return int(float(number) * factor)
    raise reader.fail(key, f"{value!r} is not a size like 10MB")


_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": DAY, "day": DAY, "days": DAY, "w": 7 * DAY}


def _duration(value: Any, reader: _Reader, key: str, bare: float = 1.0) -> float:
    """Seconds from a number (in units of ``bare``) or a text like ``500ms``, ``60s``, ``2min``, ``30d``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise reader.fail(key, "must be positive")
        return float(value) * bare
    text = str(value).strip().lower().replace(" ", "")
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :]
    try:
        amount = float(number)
    except ValueError:
        amount = -1.0
    if unit not in _UNITS or amount <= 0:
        raise reader.fail(key, f"{value!r} is not a duration like 60s, 5min, 12h or 30d")
    return amount * _UNITS[unit]


def _positive(value: Any, reader: _Reader, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise reader.fail(key, f"expected a positive number, got {value!r}")
    return float(value)


def _table_size(reader: _Reader) -> TableSizeSettings:
    defaults = TableSizeSettings()
    limits = {}
    for name in ("small", "large"):
        default: SizeLimit = getattr(defaults, name)
        part = _Reader(reader.take(name, dict, {}), reader.file, f"{reader.prefix}{name}.")
        rows = part.take("rows", int, default.rows)
        if rows < 0:
            raise part.fail("rows", "must not be negative")
        size = _size(part.take("bytes", (int, float, str), default.bytes), part, "bytes")
        part.finish()
        limits[name] = SizeLimit(rows, size)
    reader.finish()
    return TableSizeSettings(**limits)


def _throughput(reader: _Reader) -> Throughput:
    defaults = Throughput()
    values = {}
    for name in ("scan", "index_build", "rewrite", "backfill"):
        raw = reader.take(name, (int, float, str), None)
        values[name] = float(_size(raw, reader, name)) if raw is not None else getattr(defaults, name)
    reader.finish()
    return Throughput(**values)


def _verify_settings(verify: _Reader) -> VerifySettings:
    seed = _files(verify, "seed")
    queries = _files(verify, "queries")
    raw_params = verify.take("query_params", dict, {})
    params: dict[str, tuple[str | None, ...]] = {}
    for key, raw in raw_params.items():
        values = raw if isinstance(raw, list) else [raw]
        texts: list[str | None] = []
        for value in values:
            if value is None:
                texts.append(None)
            elif isinstance(value, bool):
                texts.append("true" if value else "false")
            elif isinstance(value, (str, int, float)):
                texts.append(str(value))
            else:
                raise verify.fail(f"query_params.{key}", f"expected a value or a list of values, got {value!r}")
        params[str(key)] = tuple(texts)
    explain_analyze = verify.take("explain_analyze", bool, False)
    cost_ratio = _positive(verify.take("cost_ratio", (int, float), 10), verify, "cost_ratio")
    if cost_ratio <= 1:
        raise verify.fail("cost_ratio", f"must be more than 1, got {cost_ratio:g}")
    max_duration = _duration(verify.take("max_duration", (int, float, str), 60), verify, "max_duration")
    verify.finish()
    return VerifySettings(
        seed=tuple(seed),
        queries=tuple(queries),
        query_params=MappingProxyType(params),
        explain_analyze=explain_analyze,
        cost_ratio=cost_ratio,
        max_duration=max_duration,
    )


def _files(reader: _Reader, key: str) -> list[str]:
    value = reader.take(key, (str, list), [])
    if isinstance(value, str):
        value = [value]
    if not all(isinstance(s, str) and s for s in value):
        raise reader.fail(key, "expected a file or a list of files")
    return value
