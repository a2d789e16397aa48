"""``verify.queries``: the application's queries, planned before and after each new migration.

The files hold SQL statements (``SELECT``, ``INSERT``, ``UPDATE``, ``DELETE``, ``MERGE``); a
comment ``-- name: NAME`` right before a statement names it (as sqlc and yesql do).  A query
with parameters (``$1``, ``$2`` …) needs values in ``verify.query_params`` (by name or by
``path:line``): PostgreSQL 15 cannot plan an unbound ``$1`` ("there is no parameter $1"), and
a typed ``NULL`` would plan as a constant-false filter, so the query is planned with
``PREPARE`` and ``EXPLAIN EXECUTE name(values)`` (each value sent as an untyped literal, typed
by the parameter it fills).

Each query is planned with ``EXPLAIN (FORMAT JSON, VERBOSE)`` (``ANALYZE`` too with
``verify.explain_analyze``, inside a transaction that is rolled back) on verify's database,
after ``ANALYZE`` so that the planner sees the seed data.  Comparing two plans gives
:class:`Regression` reasons: an index the query used is gone, a table it read through an index
is now scanned sequentially, or its estimated cost grew more than ``verify.cost_ratio``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import Config
from ..core.parse import parse_source
from ..core.source import UnreadableSource, read_source
from ..core.sqlnodes import walk
from ..errors import UsageError

QUERY_KINDS = {"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"}
_NAME = re.compile(r"--\s*name:\s*([A-Za-z_][\w.-]*)")
_PREPARED = "mg_verify_query"
_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Tid Range Scan"}
_INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


@dataclass(frozen=True, slots=True)
class Query:
    path: str  # as reports show it
    line: int
    name: str | None
    sql: str
    values: tuple[str | None, ...] | None  # for $1, $2 …; None: the query has no parameters

    @property
    def label(self) -> str:
        return f"{self.path}:{self.line}" + (f" ({self.name})" if self.name else "")


def load_queries(config: Config, notes: list[str]) -> list[Query]:
    """The queries of ``verify.queries`` (files or folders of ``*.sql``), checked against
    ``verify.query_params``; a problem with the files or the values is a :class:`UsageError`."""
    settings = config.verify
    where = f"{config.file}: " if config.file else ""
    files = _query_files(config, where)
    queries: list[Query] = []
    used: set[str] = set()
    for path, shown in files:
        try:
            source = read_source(path, shown, config.max_file_size)
        except UnreadableSource as exc:
            raise UsageError(f"verify.queries {shown}: {exc}") from None
        parsed = parse_source(source)
        if parsed.error is not None:
            line = source.position(parsed.error.offset)[0]
            raise UsageError(f"verify.queries {shown}:{line}: does not parse: {parsed.error.message}")
        previous_end = 0
        for stmt in parsed.statements:
            line = source.position(stmt.start)[0]
            names = _NAME.findall(source.text[previous_end : stmt.start])
            previous_end = stmt.end
            name = names[-1] if names else None
            if stmt.kind not in QUERY_KINDS:
                notes.append(
                    f"note: verify.queries {shown}:{line}: not a query (EXPLAIN plans SELECT, INSERT, "
                    f"UPDATE, DELETE and MERGE); skipped"
                )
                continue
            count = max((n.get("number", 0) for k, n in walk(stmt.node) if k == "ParamRef"), default=0)
            key = name if name is not None and name in settings.query_params else f"{shown}:{line}"
            values = settings.query_params.get(key)
            if values is not None:
                used.add(key)
            label = f"{shown}:{line}" + (f" ({name})" if name else "")
            if count and values is None:
                notes.append(
                    f"note: verify.queries {label} has ${count} parameter{'s' * (count > 1)} but "
                    f"verify.query_params gives no values for it (by name or as {shown}:{line}); not checked"
                )
                continue
            if values is not None and len(values) < count:
                raise UsageError(
                    f"{where}verify.query_params.{key}: {len(values)} value{'s' * (len(values) != 1)} "
                    f"for a query with {count} parameters ({label})"
                )
            queries.append(Query(shown, line, name, stmt.text, values[:count] if count and values else None))
    unknown = sorted(set(settings.query_params) - used)
    if unknown:
        raise UsageError(
            f"{where}verify.query_params.{unknown[0]}: no query of that name (-- name: …) or path:line "
            "in verify.queries"
        )
    return queries


def _query_files(config: Config, where: str) -> list[tuple[Path, str]]:
    """(path, as shown) of every file ``verify.queries`` names, folders read for their ``*.sql``."""
    files: list[tuple[Path, str]] = []
    for raw in config.verify.queries:
        path = Path(raw) if Path(raw).is_absolute() else config.root / raw
        if path.is_dir():
            files.extend((p, _shown(p)) for p in sorted(path.rglob("*.sql")) if p.is_file())
        elif path.is_file():
            files.append((path, _shown(path)))
        else:
            raise UsageError(f"{where}verify.queries: {raw}: no such file or folder")
    return files


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True, slots=True)
class Scan:
    node: str  # "Seq Scan", "Index Scan", …
    table: str | None  # schema.table
    index: str | None  # the index it reads (for a bitmap heap scan: its bitmap index scan's)

    def text(self) -> str:
        from ..core.names import display_name

        table = display_name(self.table) if self.table else "?"
        if self.node == "Bitmap Heap Scan" and self.index:
            return f"Bitmap Heap Scan on {table} (Bitmap Index Scan using {self.index})"
        if self.index:
            return f"{self.node} using {self.index} on {table}"
        return f"{self.node} on {table}"


@dataclass(slots=True)
class QueryPlan:
    error: str | None = None
    error_line: int | None = None  # the line of the queries file the error points at
    cost: float = 0.0
    scans: list[Scan] = field(default_factory=list)
    actual_ms: float | None = None  # with verify.explain_analyze

    @property
    def ok(self) -> bool:
        return self.error is None

    def tables(self) -> set[str]:
        return {s.table for s in self.scans if s.table}

    def summary(self) -> str:
        scans = ", ".join(dict.fromkeys(s.text() for s in self.scans)) or "no table scan"
        timing = f"; {self.actual_ms:.1f} ms" if self.actual_ms is not None else ""
        return f"{scans} (cost {_cost(self.cost)}{timing})"


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def plan_query(conn, query: Query, analyze: bool = False, timeout_ms: int = 30_000) -> QueryPlan:
    """The query's plan on ``conn`` (an idle autocommit connection), or the error PostgreSQL gave."""
    import psycopg

    options = "FORMAT JSON, VERBOSE" + (", ANALYZE" if analyze else "")
    prefix = ""
    if query.values is None:
        sql = f"EXPLAIN ({options}) {query.sql}"
        prefix = f"EXPLAIN ({options}) "
    else:
        sql = f"EXPLAIN ({options}) EXECUTE {_PREPARED}({', '.join(map(_literal, query.values))})"
    prepared = False
    try:
        conn.execute("BEGIN")
        conn.execute(f"SET LOCAL statement_timeout = {timeout_ms}")
        if query.values is not None:
            prefix = f"PREPARE {_PREPARED} AS "
            conn.execute(f"{prefix}{query.sql}")
            prepared = True
            prefix = ""  # the EXPLAIN EXECUTE's errors point into no text of the query
        document = conn.execute(sql).fetchone()[0]
    except psycopg.Error as exc:
        return QueryPlan(error=_message(exc), error_line=_error_line(exc, query, prefix))
    finally:
        conn.execute("ROLLBACK")
        if prepared:
            conn.execute(f"DEALLOCATE {_PREPARED}")
    top = document[0]
    plan = top["Plan"]
    scans: list[Scan] = []
    _collect(plan, scans)
    actual = top.get("Execution Time") if analyze else None
    return QueryPlan(cost=float(plan.get("Total Cost", 0.0)), scans=scans, actual_ms=actual)


def _collect(node: dict, out: list[Scan]) -> None:
    kind = node.get("Node Type", "")
    table = f"{node['Schema']}.{node['Relation Name']}" if node.get("Relation Name") and node.get("Schema") else None
    if kind in _SCANS:
        index = node.get("Index Name")
        if kind == "Bitmap Heap Scan":
            inner = [p.get("Index Name") for p in _descendants(node) if p.get("Node Type") == "Bitmap Index Scan"]
            index = ", ".join(i for i in inner if i) or None
        out.append(Scan(kind, table, index))
    for child in node.get("Plans", ()):
        if kind == "Bitmap Heap Scan" and child.get("Node Type") in ("Bitmap Index Scan", "BitmapAnd", "BitmapOr"):
            continue
        _collect(child, out)


def _descendants(node: dict):
    for child in node.get("Plans", ()):
        yield child
        yield from _descendants(child)


def _message(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    lines = str(exc).strip().splitlines()
    return " ".join((primary or (lines[0] if lines else type(exc).__name__)).split())


def _error_line(exc: BaseException, query: Query, prefix: str) -> int | None:
    diag = getattr(exc, "diag", None)
    position = getattr(diag, "statement_position", None) if diag is not None else None
    if not prefix or not position or not str(position).isdigit():
        return None
    offset = int(position) - 1 - len(prefix)
    if not 0 <= offset <= len(query.sql):
        return None
    return query.line + query.sql.count("\n", 0, offset)


def _cost(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


# --------------------------------------------------------------------------- comparing


def regression(before: QueryPlan, after: QueryPlan, cost_ratio: float, gone: set[str]) -> list[str]:
    """Why ``after`` is worse than ``before`` (empty: it is not): ``gone`` are the indexes of
    ``before`` that no longer exist."""
    reasons = []
    used_before = {(s.table, i.strip()) for s in before.scans if s.index for i in s.index.split(",")}
    used_after = {(s.table, i.strip()) for s in after.scans if s.index for i in s.index.split(",")}
    for _table, index in sorted(used_before - used_after, key=lambda pair: (pair[1], str(pair[0]))):
        if index in gone:
            reasons.append(f"index {index} it used is gone")
    indexed_before = {table for table, _ in used_before}
    scanned_after = {s.table for s in after.scans if s.node == "Seq Scan"}
    indexed_after = {table for table, _ in used_after}
    from ..core.names import display_name

    for table in sorted(t for t in indexed_before & scanned_after - indexed_after if t):
        reasons.append(f"it now scans {display_name(table)} instead of reading it through an index")
    if before.cost > 0 and after.cost > before.cost * cost_ratio:
        reasons.append(
            f"its estimated cost grew from {_cost(before.cost)} to {_cost(after.cost)} "
            f"(×{after.cost / before.cost:,.0f}, more than verify.cost_ratio {cost_ratio:g})"
        )
    return reasons


def indexes_gone(conn, plan: QueryPlan) -> set[str]:
    """The indexes ``plan`` used that the database no longer has."""
    gone = set()
    for scan in plan.scans:
        if not scan.index or not scan.table:
            continue
        schema = scan.table.split(".", 1)[0]
        for index in (i.strip() for i in scan.index.split(",")):
            row = conn.execute(
                "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = %s AND n.nspname = %s AND c.relkind IN ('i', 'I')",
                [index, schema],
            ).fetchone()
            if row is None:
                gone.add(index)
    return gone
