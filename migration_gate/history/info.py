"""``migration-gate info``: every migration with its version, checksum and state, like ``flyway info``.

State relative to the base: ``merged`` (on the base, unchanged), ``new``,
``modified``, ``renamed`` (``previous_path`` says from where) or ``deleted``;
``null`` when there is no base.  With ``--database-url`` each row also has the
database's view (see :mod:`migration_gate.schema_history`), and applied
migrations whose file is gone appear as rows of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import __version__
from ..core.checksum import checksum_of_bytes
from ..core.config import Config
from ..discovery import Scope


@dataclass(slots=True)
class InfoRow:
    path: str
    kind: str  # versioned | repeatable
    version: str | None
    description: str | None
    checksum: int | None
    state: str | None
    previous_path: str | None = None
    rollback: str | None = None
    database: dict | None = None
    sort_key: tuple = field(default=(), repr=False)
    #: The checksum the file's runner stores, for runners other than Flyway: (field named for it, value).
    runner: tuple[str, object] | None = None


@dataclass(slots=True)
class Info:
    base: dict | None
    rows: list[InfoRow]
    notes: list[str]


def build_info(scope: Scope, config: Config, notes: list[str]) -> Info:
    from .changeset import build_context
    from .integrity import CLASSIC, runner_checksums

    project = scope.project
    history = scope.history
    ctx = build_context(scope, [], config) if history is not None and history.active else None
    checksums = dict(ctx.current_checksums) if ctx is not None else {}
    changes = {c.current.path: c for c in ctx.changes if c.current is not None} if ctx else {}
    base_known = ctx is not None and ctx.base is not None
    rollbacks: dict = {}
    for rollback in sorted(project.rollbacks(), key=lambda f: f.display):
        rollbacks.setdefault(rollback.version, rollback.display)
    database = {s.migration.path: s for s in ctx.database or () if s.migration is not None} if ctx else {}
    runner_values = runner_checksums(project, config, ctx.runners if ctx is not None else None)

    rows: list[InfoRow] = []
    for migration in project.files:
        if not migration.is_migration:
            continue
        if (migration.layout or config.layout) not in CLASSIC:
            checksums[migration.path] = None  # Flyway's CRC means nothing to this runner: see ``runner``
        elif migration.path not in checksums:
            try:
                checksums[migration.path] = checksum_of_bytes(migration.path.read_bytes())
            except OSError:
                checksums[migration.path] = None
        state, previous = _state(migration, changes, ctx) if base_known else (None, None)
        row = InfoRow(
            migration.display,
            migration.kind,
            _text(migration.version),
            migration.description,
            checksums[migration.path],
            state,
            previous,
            rollbacks.get(migration.version) if migration.kind == "versioned" else None,
            _database(database.get(migration.path)),
            _order(migration.kind, migration.version, migration.display),
            runner_values.get(migration.path),
        )
        rows.append(row)
    if ctx is not None:
        rows.extend(_gone(ctx, project))
    rows.sort(key=lambda r: r.sort_key)
    base = {"sha": ctx.base.sha, "source": ctx.base.source} if ctx is not None and ctx.base is not None else None
    return Info(base, rows, notes)


def _state(migration, changes: dict, ctx) -> tuple[str | None, str | None]:
    """(state relative to the base, the path it was renamed from)."""
    state = previous = None
    change = changes.get(migration.path)
    if change is None:
        state = "merged" if _on_base(migration, ctx) else "new"
    elif change.status == "renamed" and change.merged is not None:
        state, previous = "renamed", change.old_display
    elif change.merged is None:
        state = "new"
    else:
        state = "modified" if change.content_changed else "merged"
    return state, previous


def _gone(ctx, project) -> list[InfoRow]:
    """Rows for what has no file now: migrations the change set deleted, and applied ones whose file is gone."""
    rows: list[InfoRow] = []
    for change in ctx.changes:
        merged = change.merged
        if change.status == "deleted" and merged is not None and merged.is_migration:
            rows.append(
                InfoRow(
                    change.display,
                    merged.kind,
                    _text(merged.version),
                    merged.description,
                    change.merged_checksum,
                    "deleted",
                    sort_key=_order(merged.kind, merged.version, change.display),
                )
            )
    for db_state in ctx.database or ():
        if db_state.migration is None and db_state.row is not None:
            applied = db_state.row
            location = project.locations[0] if project.locations else None
            path = ctx.display_in(location, applied.script) if location is not None else applied.script
            rows.append(
                InfoRow(
                    path,
                    "versioned",
                    applied.version_text,
                    applied.description.replace(" ", "_"),
                    applied.checksum,
                    None,
                    database=_database(db_state),
                    sort_key=_order("versioned", applied.version, path),
                )
            )
    return rows


def _on_base(migration, ctx) -> bool:
    return any(m.location == migration.location and m.relpath == migration.relpath for m in ctx.merged)


def _text(version) -> str | None:
    return str(version) if version is not None else None


def _order(kind: str, version, display: str) -> tuple:
    if kind == "versioned":
        return (0, version.key if version is not None else (), display)
    return (1, (), display)


def _database(state) -> dict | None:
    if state is None:
        return None
    row = state.row
    return {
        "state": state.state,
        "checksum": row.checksum if row is not None else None,
        "installed_rank": row.installed_rank if row is not None else None,
        "installed_on": row.installed_on if row is not None else None,
    }


# --------------------------------------------------------------------------- rendering


def render_json(info: Info) -> str:
    doc = {
        "schema_version": 1,
        "tool": {"name": "migration-gate", "version": __version__},
        "base": info.base,
        "migrations": [_row_json(r) for r in info.rows],
        "notes": info.notes,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _row_json(r: InfoRow) -> dict[str, object]:
    row: dict[str, object] = {
        "path": r.path,
        "kind": r.kind,
        "version": r.version,
        "description": r.description,
        "checksum": r.checksum,
    }
    if r.runner is not None:  # named for the runner's own column: sqlx_checksum, liquibase_md5sum, …
        row[r.runner[0]] = r.runner[1]
    row.update(state=r.state, previous_path=r.previous_path, rollback=r.rollback, database=r.database)
    return row


def _runner_cell(value: object) -> str:
    if isinstance(value, list):
        return " ".join(str(item.get("md5sum", "")) for item in value if isinstance(item, dict))
    return str(value)


def render_text(info: Info, *, with_database: bool) -> str:
    out: list[str] = []
    if info.base is not None:
        out.append(f"Base: {info.base['sha'][:12]} ({info.base['source']})")
        out.append("")
    from ..core.integrity import RUNNERS

    fields = sorted({r.runner[0] for r in info.rows if r.runner is not None})
    flyway_column = not fields or any(r.runner is None for r in info.rows)
    columns = {runner.field: runner.column for runner in RUNNERS.values() if runner.field is not None}
    header = ["Version", "Description", "Kind", *(["Checksum"] if flyway_column else [])]
    header += [columns.get(f) or f for f in fields] + ["State", "Rollback"]
    if with_database:
        header.append("Database")
    table = [header]
    for r in info.rows:
        state = r.state or "-"
        if r.previous_path:
            state = f"{state} (from {r.previous_path})"
        line = [r.version or "", (r.description or "").replace("_", " "), r.kind]
        if flyway_column:
            line.append("" if r.checksum is None else str(r.checksum))
        line += [_runner_cell(r.runner[1]) if r.runner is not None and r.runner[0] == f else "" for f in fields]
        line += [state, r.rollback or ""]
        if with_database:
            line.append(r.database["state"] if r.database else "")
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out.append(rule)
    for i, row in enumerate(table):
        out.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
        if i == 0:
            out.append(rule)
    out.append(rule)
    if not info.rows:
        out.append("no migrations found")
    out.extend(info.notes)
    return "\n".join(out) + "\n"
