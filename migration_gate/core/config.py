"""The settings the analysis runs with, as validated values (loaded by :mod:`migration_gate.config`)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .runners import LAYOUTS as _RUNNERS
from .runners import NAMES
from .runners.base import DELIVERIES, Settings
from .severity import Severity

LAYOUTS = NAMES  # every runner's name, and `auto`
TRANSACTION_MODES = ("explicit", "per-file", "flyway")
STATEMENT_DELIVERIES = DELIVERIES
DESCRIPTION_STYLES = ("snake_case", "words", "any")
PRESETS = ("recommended", "strict")
FAIL_ON = ("error", "warning", "info", "never")
DEFAULT_DOCS_URL = "https://github.com/migration-gate/migration-gate/blob/main/rules/{name}.md"
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
SUPPORTED_PG_VERSIONS = range(9, 19)


@dataclass(frozen=True, slots=True)
class RuleSetting:
    level: Severity | None = None  # None: the preset decides
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


KB, MB, GB = 1024, 1024**2, 1024**3
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class SizeLimit:
    rows: int
    bytes: int


@dataclass(frozen=True, slots=True)
class TableSizeSettings:
    """``table_size``: a table is small below both of ``small``, large above either of ``large``."""

    small: SizeLimit = SizeLimit(10_000, 10 * MB)
    large: SizeLimit = SizeLimit(10_000_000, 10 * GB)


@dataclass(frozen=True, slots=True)
class Throughput:
    """``throughput``: bytes of a table's heap per second, per kind of work (the duration model).

    Defaults: measured on PostgreSQL 15 with the data in the page cache and an idle server
    (see the README); real servers under load are slower, so the estimates are lower bounds.
    """

    scan: float = 1.0 * GB
    index_build: float = 150.0 * MB
    rewrite: float = 110.0 * MB
    backfill: float = 25.0 * MB


@dataclass(frozen=True, slots=True)
class VerifySettings:
    seed: tuple[str, ...] = ()
    #: Files of the application's queries, planned before and after each new migration.
    queries: tuple[str, ...] = ()
    #: Parameter values ($1, $2, …) by query name (``-- name: x``) or ``path:line``; None is SQL NULL.
    query_params: Mapping[str, tuple[str | None, ...]] = field(default_factory=lambda: MappingProxyType({}))
    explain_analyze: bool = False
    cost_ratio: float = 10.0
    max_duration: float = 60.0  # seconds


@dataclass(frozen=True, slots=True)
class LocationConfig:
    """One migrations folder: its layout and what applies to its runner.

    ``path`` is as configured (relative to the config's folder) or absolute;
    ``key`` the absolute, normalised path (set once the folder is resolved).
    ``runner_options``: from the configuration and, for what it does not say,
    from the runner's own files in the repository.  ``detected``: the line
    ``layout: auto`` printed about the folder.
    """

    path: str
    layout: str = "auto"
    transaction: str | None = None
    statement_delivery: str | None = None
    runner_options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    pattern: str | None = None
    description_style: str | None = None
    key: str = ""
    detected: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    root: Path = field(default_factory=Path.cwd)  # folder that relative paths start from
    file: Path | None = None  # where the settings came from
    migration_paths: tuple[str, ...] = ("migrations",)
    #: ``migrations.path`` was given (without it, ``layout: auto`` searches the repository).
    paths_configured: bool = False
    layout: str = "auto"
    description_style: str = "snake_case"
    rollback_path: str | None = None  # None: ``rollback/`` inside each location
    pg_version: int = 15
    transaction: str | None = None  # None: the layout's default
    statement_delivery: str | None = None  # None: the layout's (for per-file: assumed one-query)
    runner_options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    pattern: str | None = None  # layout: pattern
    #: The migrations folders with their own settings (a ``migrations:`` list, or resolved by discovery).
    locations: tuple[LocationConfig, ...] = ()
    mixed: bool = False
    placeholders: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    placeholder_replacement: bool | None = None  # None: on for flyway, off otherwise
    fail_on: str = "error"
    preset: str = "recommended"
    docs_url: str = DEFAULT_DOCS_URL
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    rules: Mapping[str, RuleSetting] = field(default_factory=lambda: MappingProxyType({}))
    baseline: str | None = None
    out_of_order: str = "deny"
    ignore_rollback_collision: bool = False
    style: str | None = None
    style_level: Severity = Severity.INFO
    cache_dir: str | None = None
    verify: VerifySettings = field(default_factory=VerifySettings)
    #: Glob patterns of files not to check (``.squawk.toml``'s ``excluded_paths``; ``*`` matches ``/`` too).
    excluded_paths: tuple[str, ...] = ()
    table_stats: str | None = None  # a `migration-gate stats` snapshot (relative to root)
    table_stats_max_age: float = 30 * DAY  # seconds; an older snapshot lowers no level
    table_size: TableSizeSettings = field(default_factory=TableSizeSettings)
    throughput: Throughput = field(default_factory=Throughput)
    #: What :meth:`location_config`, :meth:`settings_for` and :meth:`description_style_of` found for a
    #: folder, looked up once: a run asks for every file of a folder (tens of thousands in a long history).
    #: Not configuration: left out of comparisons and of the cache's fingerprint; a ``replace`` starts empty.
    _by_location: dict[tuple[str, Path | str], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def transaction_mode(self) -> str:
        if self.transaction:
            return self.transaction
        return "flyway" if self.layout in ("flyway", "auto") else "per-file"

    @property
    def substitutes_placeholders(self) -> bool:
        return self.substitutes_placeholders_for(self.concrete_layout)

    def substitutes_placeholders_for(self, layout: str) -> bool:
        if self.placeholder_replacement is not None:
            return self.placeholder_replacement
        runner = _RUNNERS.get(layout)
        return runner.placeholders if runner is not None else False

    @property
    def concrete_layout(self) -> str:
        """The layout when it is not ``auto``; ``flyway`` (the historical default) when it still is."""
        return self.layout if self.layout != "auto" else "flyway"

    def location_config(self, location: Path | str) -> LocationConfig | None:
        """The configured (or resolved) settings of a migrations folder, if it has any."""
        if not self.locations:
            return None
        memo = ("location", location)
        if memo in self._by_location:
            found: LocationConfig | None = self._by_location[memo]
            return found
        found = None
        key = location_key(location if os.path.isabs(location) else self.root / location)
        for candidate in self.locations:
            if (candidate.key or location_key(self.root / candidate.path)) == key:
                found = candidate
                break
        self._by_location[memo] = found
        return found

    def layout_of(self, location: Path | str) -> str:
        """The concrete layout of a migrations folder."""
        found = self.location_config(location)
        if found is not None and found.layout != "auto":
            return found.layout
        return self.concrete_layout

    def settings_for(self, location: Path | str) -> Settings:
        """What the runner of a folder is told: transaction and delivery overrides, runner options."""
        memo = ("settings", location)
        settings: Settings | None = self._by_location.get(memo)
        if settings is None:
            settings = self._by_location[memo] = self._settings_for(location)
        return settings

    def _settings_for(self, location: Path | str) -> Settings:
        found = self.location_config(location)
        options = dict(self.runner_options)
        transaction, delivery, pattern = self.transaction, self.statement_delivery, self.pattern
        if found is not None:
            options.update(found.runner_options)
            transaction = found.transaction or transaction
            delivery = found.statement_delivery or delivery
            pattern = found.pattern or pattern
        if pattern:
            options["pattern"] = pattern
        mixed = self.mixed or options.get("mixed") == "true"
        return Settings(transaction=transaction, delivery=delivery, mixed=mixed, options=options)

    def description_style_of(self, location: Path | str) -> str:
        found = self.location_config(location)
        return (found.description_style if found is not None else None) or self.description_style

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def location_key(path: Path | str) -> str:
    """A folder's identity: its absolute, normalised path (no symlink resolution, no system call)."""
    return os.path.normpath(os.path.abspath(path))
