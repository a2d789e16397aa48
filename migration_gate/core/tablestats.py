"""A snapshot of a server's table sizes and write rates, as plain data (``migration-gate stats`` writes it).

The core never reads the file or the server: :mod:`migration_gate.tablestats` does, and hands
the run a :class:`StatsSnapshot`.  Sizes are bytes, rows are PostgreSQL's estimate
(``pg_class.reltuples``; ``None`` when the table was never analysed or vacuumed), and
``writes_per_second`` is ``None`` unless the snapshot was sampled (``stats --sample``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class IndexStats:
    name: str
    bytes: int | None
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableStats:
    schema: str
    name: str
    rows: int | None  # None: never analysed (reltuples = -1)
    heap_bytes: int | None  # the table without its indexes (pg_table_size); None: not sized
    index_bytes: int | None
    total_bytes: int | None
    indexes: tuple[IndexStats, ...] = ()
    writes_per_second: float | None = None  # None: not sampled
    error: str | None = None  # why it could not be sized

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    taken_at: str  # ISO 8601, UTC
    server_version: str
    tables: Mapping[str, TableStats] = field(default_factory=lambda: MappingProxyType({}))  # by schema.name
    digest: str = ""  # identifies the content (the result cache's key)
    source: str = ""  # where it was read (for messages)
