"""The table statistics snapshot file (``migration-gate stats`` writes it, ``check --table-stats`` reads it).

A JSON document, schema version 1::

    {"schema_version": 1, "tool": {...}, "taken_at": "2026-12-05T22:10:00Z",
     "server_version": "15.18 (…)", "database": "shop", "sample_seconds": 30.0,
     "tables": [{"schema": "public", "name": "orders", "kind": "table", "rows": 48000000,
                 "heap_bytes": …, "index_bytes": …, "total_bytes": …,
                 "indexes": [{"name": "orders_pkey", "bytes": …, "columns": ["id"]}],
                 "writes_per_second": 350.2, "inserts_per_second": …, "updates_per_second": …,
                 "deletes_per_second": …, "error": null}]}

It holds names, sizes and counts, never a row of data.  Reading it checks its shape and says
what is wrong on one line (exit code 2).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..core.config import Config
from ..core.sizing import Sizing
from ..core.tablestats import IndexStats, StatsSnapshot, TableStats
from ..errors import UsageError

SCHEMA_VERSION = 1


def render(document: dict) -> str:
    """The snapshot as written: indented, keys in a fixed order, tables sorted."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def read_snapshot(path: Path, shown: str | None = None) -> StatsSnapshot:
    """Read and check a snapshot file; a problem is a :class:`UsageError` naming the file."""
    shown = shown or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the table statistics: {exc.strerror or exc}") from None
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{shown}: not a table statistics snapshot (invalid JSON: {exc})") from None
    try:
        return _snapshot(document, hashlib.sha256(data).hexdigest(), shown)
    except (KeyError, TypeError, ValueError) as exc:
        problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise UsageError(
            f"{shown}: not a table statistics snapshot of schema version {SCHEMA_VERSION} "
            f"(written by `migration-gate stats`): {problem}"
        ) from None


def _snapshot(document: Any, digest: str, shown: str) -> StatsSnapshot:
    if not isinstance(document, dict):
        raise ValueError("the top level is not an object")
    version = document["schema_version"]
    if version != SCHEMA_VERSION:
        raise ValueError(f"schema_version is {version!r}")
    taken_at = _text(document, "taken_at")
    parse_time(taken_at)
    tables: dict[str, TableStats] = {}
    raw_tables = document["tables"]
    if not isinstance(raw_tables, list):
        raise ValueError("tables is not a list")
    for index, raw in enumerate(raw_tables):
        if not isinstance(raw, dict):
            raise ValueError(f"tables[{index}] is not an object")
        where = f"tables[{index}]"
        indexes = []
        raw_indexes = raw.get("indexes") or []
        if not isinstance(raw_indexes, list):
            raise ValueError(f"{where}.indexes is not a list")
        for item in raw_indexes:
            columns = item.get("columns") or []
            if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
                raise ValueError(f"{where}.indexes: columns must be a list of names")
            indexes.append(IndexStats(_text(item, "name"), _count(item, "bytes", where), tuple(columns)))
        table = TableStats(
            schema=_text(raw, "schema"),
            name=_text(raw, "name"),
            rows=_count(raw, "rows", where),
            heap_bytes=_count(raw, "heap_bytes", where),
            index_bytes=_count(raw, "index_bytes", where),
            total_bytes=_count(raw, "total_bytes", where),
            indexes=tuple(indexes),
            writes_per_second=_rate(raw, "writes_per_second", where),
            error=raw.get("error") if isinstance(raw.get("error"), str) else None,
        )
        tables[table.qualified] = table
    return StatsSnapshot(
        taken_at=taken_at,
        server_version=str(document.get("server_version") or ""),
        tables=MappingProxyType(tables),
        digest=digest,
        source=shown,
    )


def _text(raw: dict, key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a text")
    return value


def _count(raw: dict, key: str, where: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{where}.{key} is not a count: {value!r}")
    return int(value)


def _rate(raw: dict, key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{where}.{key} is not a rate: {value!r}")
    return float(value)


# --------------------------------------------------------------------------- for a run


def load_sizing(option: str | None, config: Config, notes: list[str], now: datetime | None = None) -> Sizing | None:
    """The snapshot named by ``--table-stats`` (relative to the working directory) or by the
    configuration's ``table_stats`` (relative to its file), ready for the run; None when neither."""
    if option:
        path, shown = Path(option), option
    elif config.table_stats:
        path = Path(config.table_stats)
        if not path.is_absolute():
            path = config.root / path
        where = f"{config.file}: " if config.file else ""
        shown = f"{where}table_stats {config.table_stats}" if not path.is_file() else config.table_stats
    else:
        return None
    snapshot = read_snapshot(path, shown)
    now = now or datetime.now(UTC)
    age = (now - parse_time(snapshot.taken_at)).total_seconds()
    sizing = Sizing.from_config(snapshot, config, max(age, 0.0))
    if sizing.stale:
        notes.append(
            f"note: table statistics {shown} were taken {age / 86400:.0f} days ago, more than "
            f"table_stats_max_age ({_days(config.table_stats_max_age)}): sizes are shown, but no level is lowered"
        )
    return sizing


def _days(seconds: float) -> str:
    days = seconds / 86400
    if days >= 1 and days == int(days):
        return f"{int(days)} day{'s' * (days != 1)}"
    return f"{seconds / 3600:g} hours"
