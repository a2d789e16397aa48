"""A squawk configuration (``.squawk.toml``) read as migration-gate settings.

squawk 2.70 reads these keys (``crates/squawk/src/config.rs``); each becomes a
migration-gate setting:

``excluded_rules``
    the rules its names alias are turned off;
``included_rules``
    squawk's opt-in rules: the rules they alias are turned on (at their
    ``strict`` level, or warning);
``pg_version``
    a string (``"11"``, ``"11.0"``, ``"11.0.0"``): the major version is the
    target ``pg_version`` (newer than 18: checked as 18, with a warning);
``assume_in_transaction``
    ``true``: ``transaction: per-file`` (the runner wraps each file) and
    ``statement_delivery: per-statement`` (squawk reads a file that opts out,
    ``squawk-disable-assume-in-transaction``, statement by statement);
    ``false`` or absent: the layout's default transaction mode;
``excluded_paths``
    glob patterns of files not to check (``*`` also matches ``/``, as in
    squawk);
``[upload_to_github]``
    squawk's GitHub upload command only: read and not used.

Anything else is a warning naming the key, never an error: the file belongs
to squawk.  An unknown rule name is a warning too.  Every other setting is
migration-gate's default (``recommended`` preset): squawk's own default-on
style rules that migration-gate keeps for ``strict`` (``char-column``,
``integer-column``, …) stay off unless ``included_rules`` names them.

Where an alias names only part of a rule (``ban-drop-index`` is the index
part of ``dropped-object``), including or excluding it turns that part of the
rule's option on or off (``Rule.alias_scopes``) rather than the whole rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.config import SUPPORTED_PG_VERSIONS
from .core.severity import Severity
from .errors import ConfigError

NAME = ".squawk.toml"
#: squawk 2.70's 76 rules (the ``Rule`` enum of ``crates/squawk_linter/src/lib.rs``, each name checked against
#: the 2.70.0 binary with ``squawk --include=<name>``).
RULES_2_70 = (
    "adding-field-with-default",
    "adding-foreign-key-constraint",
    "adding-not-nullable-field",
    "adding-required-field",
    "adding-serial-primary-key-field",
    "ban-add-column",
    "ban-add-composite-attribute",
    "ban-add-enum-value",
    "ban-alter-database-options",
    "ban-alter-domain-with-add-constraint",
    "ban-alter-extension",
    "ban-alter-function-options",
    "ban-alter-generated-expression",
    "ban-alter-identity",
    "ban-alter-policy-condition",
    "ban-alter-policy-roles",
    "ban-alter-role-options",
    "ban-alter-row-level-security",
    "ban-alter-sequence-values",
    "ban-alter-system-options",
    "ban-alter-view-options",
    "ban-char-field",
    "ban-concurrent-index-creation-in-transaction",
    "ban-create-domain-with-constraint",
    "ban-create-policy",
    "ban-detach-inheritance",
    "ban-disable-trigger",
    "ban-drop-column",
    "ban-drop-constraint",
    "ban-drop-database",
    "ban-drop-default",
    "ban-drop-domain",
    "ban-drop-extension",
    "ban-drop-function",
    "ban-drop-generated-expression",
    "ban-drop-index",
    "ban-drop-not-null",
    "ban-drop-policy",
    "ban-drop-schema",
    "ban-drop-sequence",
    "ban-drop-table",
    "ban-drop-trigger",
    "ban-drop-type",
    "ban-drop-view",
    "ban-duplicate-column-assignments",
    "ban-new-write-restriction",
    "ban-replace-view-function",
    "ban-replica-identity",
    "ban-revoke",
    "ban-set-default",
    "ban-set-schema",
    "ban-truncate-cascade",
    "ban-uncommitted-transaction",
    "changing-column-type",
    "constraint-missing-not-valid",
    "disallowed-unique-constraint",
    "identifier-too-long",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-repack",
    "prefer-robust-stmts",
    "prefer-text-field",
    "prefer-timestamp-tz",
    "renaming-column",
    "renaming-object",
    "renaming-table",
    "require-concurrent-index-creation",
    "require-concurrent-index-deletion",
    "require-concurrent-partition-detach",
    "require-concurrent-reindex",
    "require-enum-value-ordering",
    "require-lock-timeout",
    "require-statement-timeout",
    "require-table-schema",
    "transaction-nesting",
)
#: The 26 of them squawk 2.70 runs only when ``included_rules`` names them (``Rule::is_opt_in``).
OPT_IN_2_70 = (
    "ban-add-column",
    "ban-add-composite-attribute",
    "ban-add-enum-value",
    "ban-alter-database-options",
    "ban-alter-extension",
    "ban-alter-function-options",
    "ban-alter-generated-expression",
    "ban-alter-policy-condition",
    "ban-alter-policy-roles",
    "ban-alter-role-options",
    "ban-alter-row-level-security",
    "ban-alter-sequence-values",
    "ban-alter-system-options",
    "ban-alter-view-options",
    "ban-create-policy",
    "ban-detach-inheritance",
    "ban-disable-trigger",
    "ban-drop-index",
    "ban-drop-policy",
    "ban-drop-trigger",
    "ban-new-write-restriction",
    "ban-replace-view-function",
    "ban-replica-identity",
    "ban-revoke",
    "ban-set-default",
    "require-table-schema",
)
#: Names squawk 2.70 also accepts: a deprecated alias of both timeout rules, and an older spelling.
ALSO_ACCEPTED = ("require-timeout-settings", "prefer-timestamptz")
KNOWN_KEYS = ("excluded_rules", "included_rules", "pg_version", "assume_in_transaction", "excluded_paths")
IGNORED_KEYS = ("upload_to_github",)  # squawk's own GitHub command


@dataclass
class Translation:
    """What a ``.squawk.toml`` means to migration-gate: settings to validate, and warnings to print."""

    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: What was read, for the one line that says the file was used.
    used: list[str] = field(default_factory=list)


def read(path: Path, shown: str | None = None) -> Translation:
    """Read and translate a squawk configuration file (``shown``: how messages name it)."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return translate(data, shown or str(path))


def translate(data: Mapping[str, Any], shown: str) -> Translation:
    result = Translation()
    for key in sorted(data):
        if key not in KNOWN_KEYS and key not in IGNORED_KEYS:
            result.warnings.append(f"{shown}: {key}: not a squawk setting migration-gate reads; ignored")
    excluded = _names(data, "excluded_rules", shown)
    included = _names(data, "included_rules", shown)
    if excluded or included:
        rules, unknown = rule_settings(included, excluded)
        result.settings["rules"] = rules
        result.warnings.extend(f"{shown}: {key}: unknown rule {name!r}; ignored" for key, name in unknown)
        result.used.extend(k for k in ("excluded_rules", "included_rules") if data.get(k))
    if "pg_version" in data:
        major = _pg_version(data["pg_version"], shown, result.warnings)
        result.settings["pg_version"] = major
        result.used.append(f"pg_version {major}")
    if "assume_in_transaction" in data:
        value = data["assume_in_transaction"]
        if not isinstance(value, bool):
            raise ConfigError(f"{shown}: assume_in_transaction: expected true or false, got {value!r}")
        if value:
            # squawk reads a file that opts out (`squawk-disable-assume-in-transaction`) statement by statement
            result.settings["transaction"] = "per-file"
            result.settings["statement_delivery"] = "per-statement"
            result.used.append("assume_in_transaction → transaction: per-file, statement_delivery: per-statement")
    if "excluded_paths" in data:
        patterns = data["excluded_paths"]
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise ConfigError(f"{shown}: excluded_paths: expected a list of glob patterns")
        result.settings["excluded_paths"] = list(patterns)
        result.used.append("excluded_paths")
    return result


def _names(data: Mapping[str, Any], key: str, shown: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{shown}: {key}: expected a list of rule names")
    return list(value)


def _pg_version(value: Any, shown: str, warnings: list[str]) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    major_text = text.split(".", 1)[0]
    if not major_text.isdigit() or not all(part.isdigit() for part in text.split(".")):
        raise ConfigError(f"{shown}: pg_version: {value!r} is not a version like \"15\" or \"15.2\"")
    major = int(major_text)
    newest = max(SUPPORTED_PG_VERSIONS)
    if major > newest:
        warnings.append(f"{shown}: pg_version: {major} is newer than migration-gate knows; checking as {newest}")
        return newest
    if major not in SUPPORTED_PG_VERSIONS:
        raise ConfigError(f"{shown}: pg_version: {major} is not a PostgreSQL major version from 9 to {newest}")
    return major


def rule_settings(included: Iterable[str], excluded: Iterable[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``rules:`` settings for squawk's included and excluded rule names; and the names no rule has.

    An excluded name wins over an included one (as in squawk); a name that
    scopes part of a rule turns that part on or off.
    """
    from .core.rules import registry

    unknown: list[tuple[str, str]] = []
    touched: dict[str, type] = {}
    on: dict[str, set[str] | None] = {}  # rule → scoped values included (None: the whole rule)
    off: dict[str, set[str] | None] = {}  # rule → scoped values excluded (None: the whole rule)
    for key, names, target in (("included_rules", included, on), ("excluded_rules", excluded, off)):
        for name in names:
            rules = registry.lookup_all(name)
            if not rules:
                unknown.append((key, name))
            for rule in rules:
                touched[rule.name] = rule
                scope = rule.alias_scopes.get(name)
                if scope is None:
                    target[rule.name] = None
                elif target.get(rule.name, set()) is not None:
                    target.setdefault(rule.name, set()).update(scope[1])  # type: ignore[union-attr]
    settings: dict[str, Any] = {}
    for name, rule in sorted(touched.items()):
        if name in off and off[name] is None:
            settings[name] = "off"
            continue
        option = next(iter(rule.alias_scopes.values()), (None, ()))[0]
        default_values = tuple(getattr(rule.Options(), option)) if option else ()
        default_level = rule.default_level("recommended")
        level: Severity | None = None
        values = set(default_values)
        if name in on:
            if default_level == Severity.OFF:
                level = rule.strict_level or rule.level
                level = level if level != Severity.OFF else Severity.WARNING
                if on[name] is not None:
                    values = set(on[name] or ())
            elif on[name] is not None:
                values |= on[name] or set()
        if default_level == Severity.OFF and level is None:
            continue  # off and not included: excluding a part of it changes nothing
        values -= off.get(name) or set()
        if option and not values:
            settings[name] = "off"
            continue
        entry: dict[str, Any] = {}
        if level is not None:
            entry["level"] = level.label
        if option and values != set(default_values):
            entry[option] = sorted(values)
        if entry:
            settings[name] = entry
    return settings, unknown
