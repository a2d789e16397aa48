"""The configuration's sections other than the top-level keys: ``migrations`` (one folder or a list, with
``pattern`` and ``runner_options``), ``rules``, ``verify``, ``table_size`` and ``throughput``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from .config_reader import Reader, did_you_mean, read_duration, read_files, read_level, read_positive, read_size
from .core.config import (
    DESCRIPTION_STYLES,
    LAYOUTS,
    STATEMENT_DELIVERIES,
    TRANSACTION_MODES,
    LocationConfig,
    RuleSetting,
    SizeLimit,
    TableSizeSettings,
    Throughput,
    VerifySettings,
)
from .core.severity import Severity
from .errors import ConfigError


def migrations_section(section: Reader) -> dict[str, Any]:
    """``migrations:`` as a mapping: its folders, layout and the runner settings they share."""
    values: dict[str, Any] = {}
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
    values["pattern"] = read_pattern(section, values["layout"])
    values["runner_options"] = read_options(section)
    section.finish()
    return values


def migration_list(items: list, file: Path | None) -> dict[str, Any]:
    """``migrations:`` as a list of folders, each with its own layout and runner settings."""
    if not items:
        raise ConfigError(f"{file or 'config'}: migrations: the list is empty")
    locations = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            item = {"path": item}
        reader = Reader(item, file, f"migrations[{index}].")
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
                runner_options=read_options(reader),
                pattern=read_pattern(reader, layout),
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


def read_pattern(reader: Reader, layout: str | None) -> str | None:
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


def read_options(reader: Reader) -> MappingProxyType:
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


def table_size_section(reader: Reader) -> TableSizeSettings:
    defaults = TableSizeSettings()
    limits = {}
    for name in ("small", "large"):
        default: SizeLimit = getattr(defaults, name)
        part = Reader(reader.take(name, dict, {}), reader.file, f"{reader.prefix}{name}.")
        rows = part.take("rows", int, default.rows)
        if rows < 0:
            raise part.fail("rows", "must not be negative")
        size = read_size(part.take("bytes", (int, float, str), default.bytes), part, "bytes")
        part.finish()
        limits[name] = SizeLimit(rows, size)
    reader.finish()
    return TableSizeSettings(**limits)


def throughput_section(reader: Reader) -> Throughput:
    defaults = Throughput()
    values = {}
    for name in ("scan", "index_build", "rewrite", "backfill"):
        raw = reader.take(name, (int, float, str), None)
        values[name] = float(read_size(raw, reader, name)) if raw is not None else getattr(defaults, name)
    reader.finish()
    return Throughput(**values)


def verify_section(verify: Reader) -> VerifySettings:
    seed = read_files(verify, "seed")
    queries = read_files(verify, "queries")
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
    cost_ratio = read_positive(verify.take("cost_ratio", (int, float), 10), verify, "cost_ratio")
    if cost_ratio <= 1:
        raise verify.fail("cost_ratio", f"must be more than 1, got {cost_ratio:g}")
    max_duration = read_duration(verify.take("max_duration", (int, float, str), 60), verify, "max_duration")
    verify.finish()
    return VerifySettings(
        seed=tuple(seed),
        queries=tuple(queries),
        query_params=MappingProxyType(params),
        explain_analyze=explain_analyze,
        cost_ratio=cost_ratio,
        max_duration=max_duration,
    )


def rules_section(top: Reader, file: Path | None) -> MappingProxyType:
    """``rules:``: a level or a mapping with ``level`` and options, by code, name or alias."""
    from .core.rules import registry

    rules = top.take("rules", dict, {})
    settings: dict[str, RuleSetting] = {}
    # An alias may name several rules: its setting applies to each; a rule's own code or name wins.
    for key, raw in sorted(rules.items(), key=lambda item: not registry.is_alias(str(item[0]))):
        named = registry.lookup_all(str(key))
        if not named:
            hint = did_you_mean(str(key), registry.rule_keys())
            raise top.fail(f"rules.{key}", f"unknown rule{hint} (see `migration-gate rules`)")
        for rule in named:
            setting = _rule_setting(rule, raw, Reader({}, file, f"rules.{key}."), key)
            scope = rule.alias_scopes.get(str(key).strip().lower()) if registry.is_alias(str(key)) else None
            if scope is not None:
                setting = _scoped(rule, scope, setting, settings.get(rule.name))
            settings[rule.name] = setting
    return MappingProxyType(settings)


def _rule_setting(rule, raw: Any, reader: Reader, key: str) -> RuleSetting:
    if isinstance(raw, bool):  # YAML reads bare off/on as false/true
        if not raw:
            return RuleSetting(level=Severity.OFF)
        on = rule.strict_level or rule.level
        return RuleSetting(level=on if on != Severity.OFF else Severity.ERROR)
    if isinstance(raw, str):
        return RuleSetting(level=read_level(raw, reader, key))
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{reader.file or 'config'}: rules.{key}: expected a level (off, info, warning, error) "
            "or a mapping with `level` and options"
        )
    options = dict(raw)
    level = options.pop("level", None)
    level = read_level(level, reader, key) if level is not None else None
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
