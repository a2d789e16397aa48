"""Flyway's ``flyway_schema_history``, read-only, and the migrations compared with it.

``--database-url URL`` (on ``check`` and ``info``) reads the table with
psycopg 3, imported only then, in a ``READ ONLY`` transaction that is rolled
back: the gate never writes to the database.  The table layout is Flyway's
(``createMetaDataTable.sql`` for PostgreSQL): ``installed_rank``, ``version``,
``description``, ``type``, ``script``, ``checksum``, ``installed_by``,
``installed_on``, ``execution_time``, ``success``.

:func:`compare` is a pure function: each local migration's state the way
``flyway info`` names it (applied, pending, failed, ignored, below baseline,
outdated for a changed repeatable, missing for a row without its file), plus
``checksum-mismatch`` for what ``flyway validate`` rejects.
"""

from __future__ import annotations

import re

from ..core.context import AppliedMigration, ChangeSetContext, DatabaseState
from ..core.version import InvalidVersion, Version, flyway_version
from ..errors import UsageError

TABLE = "flyway_schema_history"
_QUERY = (
    f"SELECT installed_rank, version, description, type, script, checksum, success, installed_on "
    f"FROM {TABLE} ORDER BY installed_rank"
)
# Row types that stand for a migration file (Flyway's MigrationType names).
_FILE_TYPES = {"SQL", "SQL_BASELINE", "UNDO_SQL", "SCRIPT", "SCRIPT_BASELINE", "UNDO_SCRIPT"}


def _redact(message: str, url: str) -> str:
    """Never echo a password (libpq repeats a malformed connection string in its errors)."""
    secret = re.search(r"://[^:/@\s]*:([^@/\s]+)@", url)
    if secret:
        message = message.replace(secret.group(1), "***")
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", message, flags=re.I)


def _one_line(exc: Exception, url: str) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return _redact(lines[0] if lines else type(exc).__name__, url)


def read_applied(url: str) -> tuple[list[AppliedMigration], str | None]:
    """The table's rows, oldest first, and a note when there is no table (nothing applied yet)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        raise UsageError("--database-url needs psycopg 3 (pip install 'psycopg[binary]')") from None
    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except (psycopg.Error, ValueError) as exc:
        raise UsageError(f"--database-url: cannot connect: {_one_line(exc, url)}") from None
    try:
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,))
            found = cur.fetchone()
            if not (found and found[0]):
                return [], (
                    f"database: no {TABLE} table on the search path: no migration is applied yet "
                    "(or Flyway uses another schema or table)"
                )
            cur.execute(_QUERY)
            rows = cur.fetchall()
    except psycopg.Error as exc:
        raise UsageError(f"--database-url: cannot read {TABLE}: {_one_line(exc, url)}") from None
    finally:
        try:
            conn.rollback()
        finally:
            conn.close()
    return [_row(r) for r in rows], None


def _row(row: tuple) -> AppliedMigration:
    rank, version_text, description, kind, script, checksum, success, installed_on = row
    version = None
    if version_text:
        try:
            version = flyway_version(version_text)
        except InvalidVersion:
            version = None
    when = (
        installed_on.isoformat(sep=" ", timespec="seconds") if hasattr(installed_on, "isoformat") else str(installed_on)
    )
    return AppliedMigration(
        int(rank), version, version_text, description or "", kind or "", script or "", checksum, bool(success), when
    )


def compare(ctx: ChangeSetContext) -> list[DatabaseState]:
    """Every local migration (and every row without its file) against the applied rows."""
    latest, repeatable, baseline = _latest_rows(ctx.applied or [])
    highest = max((v for v, r in latest.items() if r.success), default=None)
    checksums = ctx.current_checksums
    states: list[DatabaseState] = []
    seen: set[Version] = set()
    row: AppliedMigration | None
    for migration in ctx.project.versioned():
        if migration.version is None:
            continue
        checksum = checksums.get(migration.path)
        row = latest.get(migration.version)
        seen.add(migration.version)
        if row is not None:
            if not row.success:
                state = "failed"
            elif row.type == "BASELINE":
                state = "baseline"
            elif row.type in _FILE_TYPES and row.checksum is not None and checksum != row.checksum:
                state = "checksum-mismatch"
            else:
                state = "applied"
        elif baseline is not None and migration.version <= baseline:
            state = "below-baseline"
        elif highest is not None and migration.version < highest:
            state = "ignored"
        else:
            state = "pending"
        states.append(DatabaseState(state, migration, row, checksum))
    for migration in ctx.project.files:
        if migration.kind != "repeatable":
            continue
        checksum = checksums.get(migration.path)
        row = repeatable.get(_flyway_description(migration.description))
        if row is None:
            state = "pending"
        elif not row.success:
            state = "failed"
        else:
            state = "applied" if row.checksum == checksum else "outdated"
        states.append(DatabaseState(state, migration, row, checksum))
    for version, entry in latest.items():
        if version not in seen and entry.type in _FILE_TYPES and entry.success:
            states.append(DatabaseState("missing", None, entry))
    return states


def _latest_rows(
    applied: list[AppliedMigration],
) -> tuple[dict[Version, AppliedMigration], dict[str, AppliedMigration], Version | None]:
    """The latest row about each version and each repeatable (by description), and the highest baseline."""
    latest: dict[Version, AppliedMigration] = {}  # version → latest row about it
    repeatable: dict[str, AppliedMigration] = {}  # description → latest row
    baseline: Version | None = None
    for entry in applied:
        if entry.type == "BASELINE" or entry.type.endswith("_BASELINE"):
            if entry.version is not None and (baseline is None or entry.version > baseline):
                baseline = entry.version
        if entry.type == "DELETE" or (entry.type.startswith("UNDO") and entry.success):
            if entry.version is not None:
                latest.pop(entry.version, None)
            continue
        if entry.version is not None and entry.type in _FILE_TYPES | {"JDBC", "SPRING_JDBC", "BASELINE"}:
            latest[entry.version] = entry
        elif entry.version is None and entry.version_text is None and entry.type in _FILE_TYPES:
            repeatable[entry.description] = entry
    return latest, repeatable, baseline


def _flyway_description(description: str | None) -> str:
    """Flyway stores the file name's description with ``_`` read as a space."""
    return (description or "").replace("_", " ")


def database_notes(ctx: ChangeSetContext) -> list[str]:
    """One line each about failed rows and pending migrations (``check --database-url``)."""
    notes: list[str] = []
    states = ctx.database or []
    for s in states:
        if s.state == "failed" and s.row is not None:
            name = s.migration.display if s.migration else s.row.script
            notes.append(
                f"database: {name} failed (success = false, installed on {s.row.installed_on}); "
                "Flyway refuses to migrate until it is repaired"
            )
    pending = [s.migration.display for s in states if s.state == "pending" and s.migration is not None]
    if pending:
        notes.append(f"database: {len(pending)} pending migration{'s' * (len(pending) != 1)}: {', '.join(pending)}")
    return notes
