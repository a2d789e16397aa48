"""The sizing stage: table statistics turn lock findings into sized ones.

Runs once per file, after dispatch and before suppression (:func:`apply_sizing`).  A lock
finding names its table (``Finding.table``) and, when the statement works through the table
while it holds the lock, the kind of work (``Finding.hazard``: a scan, a rewrite, an index
build or rebuild, a backfill).  For a table the snapshot knows:

* every lock finding gets the table's size and write rate in its message;
* a finding with a hazard also gets an order-of-magnitude duration from the throughput
  model (``throughput``), and its level follows the table's size: a small table
  (``table_size.small``: under both limits) lowers it to ``info``, a large one
  (``table_size.large``: over either limit) raises it to ``error``, with the reason;
* a finding without a hazard (the lock-acquisition risk: ``missing-lock-timeout``, the
  transaction rules) keeps its level whatever the size;
* the user's settings win: a level set for the rule in the configuration is kept (a rule
  turned off never gets here, an ignore comment still suppresses), and a snapshot older
  than ``table_stats_max_age`` lowers nothing and says so;
* a level the rule set itself (a warning for a hazard it cannot be sure of, such as a
  rewrite that depends on a type it could not find) may be lowered on a small table,
  never raised on a large one.

Tables the snapshot does not know are left as they are.  The same numbers go into the lock
reports (``LockReport.rows``, ``bytes``, ``estimated_seconds``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .config import Config, TableSizeSettings, Throughput
from .context import StatementContext
from .findings import BACKFILL, INDEX_BUILD, INDEX_REBUILD, REWRITE, SCAN, Finding
from .locks import LockEffect
from .names import display_name
from .severity import Severity
from .tablestats import StatsSnapshot, TableStats

SMALL, LARGE = "small", "large"

#: What a lock on a table does, from the statement's kind and the lock model's flags, for the lock
#: reports of statements no rule described (a rule's ``hazard`` wins: it knows the statement).
_BACKFILL_KINDS = frozenset({"UpdateStmt", "DeleteStmt", "InsertStmt"})


@dataclass(frozen=True, slots=True)
class Sizing:
    """A snapshot and the settings that read it: what the sizing stage needs, as plain data."""

    snapshot: StatsSnapshot
    sizes: TableSizeSettings
    throughput: Throughput
    stale: bool = False  # older than table_stats_max_age: lowers no level

    @classmethod
    def from_config(cls, snapshot: StatsSnapshot, config: Config, age_seconds: float | None) -> Sizing:
        stale = age_seconds is not None and age_seconds > config.table_stats_max_age
        return cls(snapshot, config.table_size, config.throughput, stale)

    def key(self) -> str:
        """What the results depend on (a cache key part)."""
        return f"{self.snapshot.digest}|{self.sizes}|{self.throughput}|stale={self.stale}"

    def table(self, name: str | None) -> TableStats | None:
        return self.snapshot.tables.get(name) if name else None

    def size_class(self, stats: TableStats) -> str | None:
        """``small``, ``large`` or None (in between, or not known well enough to say)."""
        rows, size = stats.rows, stats.total_bytes
        large = self.sizes.large
        if (rows is not None and rows > large.rows) or (size is not None and size > large.bytes):
            return LARGE
        small = self.sizes.small
        if size is not None and size < small.bytes and (rows is None or rows < small.rows):
            return SMALL
        return None

    def estimate(self, stats: TableStats, hazard: str | None) -> float | None:
        """Seconds the work takes by the throughput model; None when unknown."""
        heap = stats.heap_bytes
        if hazard is None or heap is None:
            return None
        model = self.throughput
        indexes = len(stats.indexes)
        if hazard == SCAN:
            return heap / model.scan
        if hazard == INDEX_BUILD:
            return heap / model.index_build
        if hazard == INDEX_REBUILD:
            return heap / model.index_build * max(indexes, 1)
        if hazard == REWRITE:
            return heap / model.rewrite + heap / model.index_build * indexes
        if hazard == BACKFILL:
            return heap / model.backfill
        return None


# --------------------------------------------------------------------------- the stage


def apply_sizing(findings: Iterable[Finding], sizing: Sizing, config: Config) -> None:
    """Add sizes (and durations, and the level that follows) to the lock findings on known tables."""
    for finding in findings:
        stats = sizing.table(finding.table)
        if stats is None:
            continue
        parts = [facts_phrase(stats)]
        hazard = finding.hazard
        if hazard is not None:
            seconds = sizing.estimate(stats, hazard)
            parts.append(work_phrase(hazard, None if seconds is None else round_seconds(seconds), stats))
            level = _level_clause(finding, stats, sizing, config)
            if level:
                parts.append(level)
        finding.message = f"{finding.message} — {'; '.join(parts)}"


def _level_clause(finding: Finding, stats: TableStats, sizing: Sizing, config: Config) -> str | None:
    setting = config.rules.get(finding.rule.name)
    if setting is not None and setting.level is not None:
        return None  # the user's level wins
    size = sizing.size_class(stats)
    if size == LARGE:
        if finding.severity is not None:
            return None  # the rule chose a level for what it cannot be sure of (a warning): size does not raise it
        finding.severity = Severity.ERROR
        return f"large table (over {limit_phrase(sizing.sizes.large.rows, sizing.sizes.large.bytes, 'or')}): error"
    if size == SMALL:
        small = f"small table (under {limit_phrase(sizing.sizes.small.rows, sizing.sizes.small.bytes, 'and')})"
        if sizing.stale:
            return f"{small}, but the snapshot is older than table_stats_max_age: level kept"
        finding.severity = Severity.INFO
        return f"{small}: info, the work is brief"
    return None


def size_lock(
    effect: LockEffect, kind: str, sizing: Sizing | None, hazard: str | None = None
) -> tuple[int | None, int | None, float | None]:
    """(rows, bytes, estimated seconds) of a predicted lock; Nones for a table the snapshot lacks."""
    stats = sizing.table(effect.table) if sizing is not None else None
    if stats is None or sizing is None:
        return None, None, None
    seconds = sizing.estimate(stats, hazard or work_of(kind, effect))
    return stats.rows, stats.total_bytes, None if seconds is None else round_seconds(seconds)


def work_of(kind: str, effect: LockEffect) -> str | None:
    """The work a statement of ``kind`` does through a table, from the lock model's flags."""
    if kind == "TruncateStmt":
        return None  # new empty files: no work proportional to the table
    if effect.index:
        return INDEX_BUILD if effect.rewrite else None
    if effect.rewrite:
        return REWRITE
    if kind == "IndexStmt":
        return INDEX_BUILD
    if kind == "ReindexStmt":
        return INDEX_REBUILD
    if effect.scan:
        return BACKFILL if kind in _BACKFILL_KINDS else SCAN
    return None


def hazards_by_statement(
    found: Iterable[tuple[Finding, StatementContext | None]],
) -> Mapping[tuple[int, str], str]:
    """{(top-level statement index, table): hazard} from the findings that name both."""
    out: dict[tuple[int, str], str] = {}
    for finding, sctx in found:
        if finding.hazard is None or finding.table is None or sctx is None:
            continue
        top = sctx.statement.parent or sctx.statement
        out.setdefault((top.index, finding.table), finding.hazard)
    return out


# --------------------------------------------------------------------------- wording


def facts_phrase(stats: TableStats) -> str:
    """``orders: ~48M rows, 12 GB, ~350 writes/s``."""
    rows = f"~{count_text(stats.rows)} rows" if stats.rows is not None else "rows unknown (never analysed)"
    size = bytes_text(stats.total_bytes) if stats.total_bytes is not None else "size unknown"
    if stats.error:
        size += f" ({stats.error})"
    if stats.writes_per_second is None:
        writes = "write rate not sampled"
    elif stats.writes_per_second == 0:
        writes = "0 writes/s"
    elif stats.writes_per_second < 1:
        writes = "<1 write/s"
    else:
        writes = f"~{count_text(stats.writes_per_second)} writes/s"
    return f"{display_name(stats.qualified)}: {rows}, {size}, {writes}"


_WORK = {
    SCAN: "the scan",
    REWRITE: "the rewrite",
    INDEX_BUILD: "the index build",
    INDEX_REBUILD: "rebuilding its indexes",
    BACKFILL: "the backfill",
}


def work_phrase(hazard: str, seconds: float | None, stats: TableStats) -> str:
    """``the index build takes ~1 min (throughput model)``."""
    what = _WORK.get(hazard, hazard)
    if hazard == INDEX_REBUILD and stats.indexes:
        what = f"rebuilding its {len(stats.indexes)} index{'es' * (len(stats.indexes) != 1)}"
    if seconds is None:
        return f"{what}: duration unknown (size unknown)"
    tail = " if it changes every row" if hazard == BACKFILL else ""
    return f"{what} takes {duration_text(seconds)}{tail} (throughput model)"


def limit_phrase(rows: int, size: int, joiner: str) -> str:
    return f"{count_text(rows, exact=True)} rows {joiner} {bytes_text(size)}"


def count_text(value: float, exact: bool = False) -> str:
    """``48M``, ``1.2k``, ``350``; ``exact`` keeps round numbers whole (``10,000``, ``10M``)."""
    if exact and value < 1_000_000:
        return f"{int(value):,}"
    for factor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            scaled = value / factor
            return f"{scaled:.1f}".rstrip("0").rstrip(".") + suffix if scaled < 10 else f"{scaled:.0f}{suffix}"
    return f"{value:.0f}"


def bytes_text(size: float) -> str:
    """``12 GB``, ``9.6 MB``, ``812 bytes`` (units of 1024, as pg_size_pretty)."""
    if size < 1024:
        return f"{size:.0f} bytes"
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        size /= 1024
        if size < 1024 or unit == "PB":
            return f"{size:.1f} {unit}".replace(".0 ", " ") if size < 10 else f"{size:.0f} {unit}"
    raise AssertionError("unreachable")


def duration_text(seconds: float) -> str:
    """An order of magnitude: ``<1 s``, ``~12 s``, ``~4 min``, ``~3 h``, ``~2 days``."""
    if seconds < 1:
        return "<1 s"
    for limit, unit, size in ((90, "s", 1), (90 * 60, "min", 60), (48 * 3600, "h", 3600)):
        if seconds < limit:
            return f"~{_two_digits(seconds / size)} {unit}"
    return f"~{_two_digits(seconds / 86400)} days"


def _two_digits(value: float) -> str:
    """At most two significant digits: 1.5, 12, 340."""
    if value < 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    digits = len(str(int(value))) - 2
    return str(int(round(value, -digits)))


def round_seconds(seconds: float) -> float:
    """Two significant digits: an estimate's precision."""
    if seconds <= 0:
        return 0.0
    from math import floor, log10

    return round(seconds, 1 - floor(log10(seconds)))
