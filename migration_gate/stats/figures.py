"""The figures a statistics reading collects per table, and the snapshot document made of them
(:mod:`migration_gate.stats.snapshot` reads it back); a partitioned table gets its partitions' sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .. import __version__

_KINDS = {"r": "table", "p": "partitioned table", "m": "materialized view"}


@dataclass
class IndexFigures:
    oid: int
    name: str
    columns: list[str]
    bytes: int | None = None


@dataclass
class TableFigures:
    oid: int
    schema: str
    name: str
    kind: str
    rows: float | None
    indexes: list[IndexFigures] = field(default_factory=list)
    heap: int | None = None
    index_bytes: int | None = None
    total: int | None = None
    error: str | None = None
    counters: tuple[int, int, int] | None = None
    rates: tuple[float, float, float] | None = None
    partitions: list[int] = field(default_factory=list)


def sum_partitions(tables: list[TableFigures], by_oid: dict[int, TableFigures]) -> None:
    """A partitioned table's rows, sizes and write rates are those of its partitions, summed."""

    def leaves(table: TableFigures, seen: set[int]) -> list[TableFigures]:
        if table.kind != "p":
            return [table]
        out = []
        for child in table.partitions:
            if child in by_oid and child not in seen:
                seen.add(child)
                out.extend(leaves(by_oid[child], seen))
        return out

    for table in tables:
        if table.kind != "p":
            continue
        parts = leaves(table, set())
        if not parts:
            table.heap = table.index_bytes = table.total = 0
            table.rows = table.rows if table.rows is not None else None
            continue
        missing = [p for p in parts if p.total is None]
        if missing:
            table.error = f"partition {missing[0].schema}.{missing[0].name} not sized"
        else:
            table.heap = sum(p.heap or 0 for p in parts)
            table.index_bytes = sum(p.index_bytes or 0 for p in parts)
            table.total = sum(p.total or 0 for p in parts)
        if all(p.rows is not None for p in parts):
            table.rows = sum(p.rows or 0 for p in parts)
        if all(p.rates is not None for p in parts):
            table.rates = tuple(sum(p.rates[k] for p in parts if p.rates) for k in range(3))  # type: ignore[assignment]


def _rate(value: float) -> float:
    return round(value, 2)


def document(taken_at: datetime, version: str, database: str, sample: float | None, tables: list[TableFigures]) -> dict:
    out = []
    for t in sorted(tables, key=lambda t: (t.schema, t.name)):
        rates = t.rates
        out.append(
            {
                "schema": t.schema,
                "name": t.name,
                "kind": _KINDS.get(t.kind, t.kind),
                "rows": None if t.rows is None else round(t.rows),
                "heap_bytes": t.heap,
                "index_bytes": t.index_bytes,
                "total_bytes": t.total,
                "indexes": [
                    {"name": i.name, "bytes": i.bytes, "columns": i.columns} for i in sorted(t.indexes, key=_name)
                ],
                "writes_per_second": None if rates is None else _rate(sum(rates)),
                "inserts_per_second": None if rates is None else _rate(rates[0]),
                "updates_per_second": None if rates is None else _rate(rates[1]),
                "deletes_per_second": None if rates is None else _rate(rates[2]),
                "error": t.error,
            }
        )
    return {
        "schema_version": 1,
        "tool": {"name": "migration-gate", "version": __version__},
        "taken_at": taken_at.isoformat().replace("+00:00", "Z"),
        "server_version": version,
        "database": database,
        "sample_seconds": sample,
        "tables": out,
    }


def _name(index: IndexFigures) -> str:
    return index.name
