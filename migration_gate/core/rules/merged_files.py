"""What modified-merged-migration says for runners that identify a migration by its file.

By version, file name, folder name or drizzle journal entry: golang-migrate, goose, dbmate, sql-migrate, sqlx,
Diesel, pop, Prisma, Atlas, drizzle and ``pattern`` (the rule's page: ``modified_merged_migration``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ChangedMigration, RunnerFacts
from ..findings import Finding
from ..integrity import runner
from ..migration import MigrationFile
from ..severity import Severity
from .base import Rule


def runner_findings(
    rule: Rule, change: ChangedMigration, merged: MigrationFile, base: str, facts: RunnerFacts | None
) -> Iterator[Finding]:
    """golang-migrate, goose, dbmate, sql-migrate, sqlx, Diesel, pop, Prisma, Atlas, drizzle, pattern."""
    who = runner(merged.layout)
    what = _what(merged, facts)
    if change.status == "deleted":
        yield rule.finding(
            f"{change.display} ({what}) is merged on {base} and was deleted: {_deleted(merged.layout, merged)}",
            help="restore the file (`git checkout <base> -- <path>`); undo its effect in a new migration",
            path=change.display,
        )
        return
    if change.status == "renamed":
        kept = _identity_kept(change, merged, facts)
        if not kept:
            yield rule.finding(
                f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}: "
                f"{_renamed(merged.layout, change, merged, facts)}",
                help="rename it back; a new name or version is a new migration",
                path=change.display,
                offset=0,
            )
            return
        if not change.content_changed:
            yield rule.finding(
                f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}, "
                f"keeping its {kept}: {who.name} identifies it by its {kept}, so nothing runs again"
                + (" (atlas.sum must be re-hashed: it hashes file names)" if merged.layout == "atlas" else ""),
                help="move it back to keep the history tidy",
                path=change.display,
                offset=0,
                severity=Severity.INFO,
            )
            return
    if change.content_changed:
        yield from _edited(rule, change, merged, base, what, facts)


def _edited(
    rule: Rule, change: ChangedMigration, merged: MigrationFile, base: str, what: str, facts: RunnerFacts | None
) -> Iterator[Finding]:
    layout = merged.layout
    if layout == "sqlx":
        yield from _sqlx_edited(rule, change, merged, base, what, facts)
        return
    if layout == "prisma":
        yield from _prisma_edited(rule, change, merged, base, what)
        return
    path, offset = change.display, change.first_difference
    if change.statements_unchanged:
        tail = "; atlas.sum must still be re-hashed" if layout == "atlas" else ""
        yield rule.finding(
            f"{what} is merged on {base} and was edited, but only in comments, whitespace or line endings: "
            f"{_never_rerun(layout)}, and the SQL it would run is unchanged{tail}",
            help="revert the edit to keep the history byte-identical",
            severity=Severity.INFO,
            path=path,
            offset=offset,
        )
        return
    if change.up_unchanged:
        yield rule.finding(
            f"{what} is merged on {base} and only its down section was edited: the SQL it applied is unchanged, "
            "so every database keeps the same schema; a rollback now runs the new down section",
            help="make sure the new down section undoes exactly what the up section does",
            severity=Severity.INFO,
            path=path,
            offset=offset,
        )
        return
    yield rule.finding(
        f"{what} is merged on {base} and was edited: {_never_rerun(layout)}, so databases that applied "
        "it keep the old version while new databases get the new one",
        path=path,
        offset=offset,
    )


def _sqlx_edited(
    rule: Rule, change: ChangedMigration, merged: MigrationFile, base: str, what: str, facts: RunnerFacts | None
) -> Iterator[Finding]:
    path, offset = change.display, change.first_difference
    old, new = shorten(change.merged_runner_checksum), shorten(change.runner_checksum)
    version = merged.version
    if change.runner_accepts:
        setting = facts.setting("ignored-chars") if facts is not None else None
        ignored = f" ({setting.source} ignores {setting.value!r})" if setting is not None else ""
        yield rule.finding(
            f"{what} is merged on {base} and was edited, but only in characters sqlx's checksum ignores"
            f"{ignored}: its checksum is unchanged ({old}), so sqlx accepts it",
            help="revert the edit to keep the history byte-identical",
            severity=Severity.INFO,
            path=path,
            offset=offset,
        )
        return
    yield rule.finding(
        f"{what} is merged on {base} and was edited (sqlx checksum {old} -> {new or 'none'}): sqlx refuses "
        f'to migrate every database that applied it ("migration {version} was previously applied but has '
        'been modified")',
        path=path,
        offset=offset,
    )


def _prisma_edited(
    rule: Rule, change: ChangedMigration, merged: MigrationFile, base: str, what: str
) -> Iterator[Finding]:
    path, offset = change.display, change.first_difference
    old, new = shorten(change.merged_runner_checksum), shorten(change.runner_checksum)
    name = _folder(merged)
    if change.runner_accepts:
        yield rule.finding(
            f"{what} is merged on {base} and was edited, but only in line endings: Prisma accepts the "
            f"LF/CRLF variant of the applied checksum ({old})",
            help="revert the edit to keep the history byte-identical",
            severity=Severity.INFO,
            path=path,
            offset=offset,
        )
        return
    yield rule.finding(
        f"{what} is merged on {base} and was edited (Prisma checksum {old} -> {new or 'none'}): "
        "`prisma migrate deploy` never compares checksums, so databases that applied it keep the old "
        "version while new databases get the new one, and `prisma migrate dev` stops with "
        f'"The migration `{name}` was modified after it was applied." and asks to reset the database',
        path=path,
        offset=offset,
    )


def shorten(value: str | None) -> str | None:
    """A long hash as messages show it (the first 16 characters)."""
    if value is None:
        return None
    return value if len(value) <= 16 else value[:16] + "…"


def _folder(migration: MigrationFile) -> str:
    """Prisma's and drizzle 1.0's migration name: the folder of ``migration.sql``."""
    parts = migration.relpath.split("/")
    return parts[-2] if len(parts) > 1 else migration.relpath


def _what(migration: MigrationFile, facts: RunnerFacts | None) -> str:
    layout = migration.layout
    if layout == "prisma" or (layout == "drizzle" and facts is not None and facts.drizzle_major == 1):
        return f"migration `{_folder(migration)}`"
    if layout == "sql-migrate":
        return f"migration {migration.name}"
    if layout == "drizzle":  # 0.x: a journal entry, named by its tag
        return f"migration {migration.name.removesuffix('.sql')}"
    return f"version {migration.version}" if migration.version is not None else f"migration {migration.name}"


def _identity_kept(change: ChangedMigration, merged: MigrationFile, facts: RunnerFacts | None) -> str | None:
    """What still identifies a renamed migration to its runner, or None when the runner sees a new one."""
    current = change.current
    layout = merged.layout
    if current is None or current.kind != merged.kind:
        return None
    if layout == "sql-migrate":
        return "file name" if current.name == merged.name else None
    if layout == "prisma" or (layout == "drizzle" and facts is not None and facts.drizzle_major == 1):
        return "folder name" if _folder(current) == _folder(merged) else None
    if layout == "drizzle" and facts is not None:
        old_when = facts.journal_whens_base.get(merged.name.removesuffix(".sql"))
        new_when = facts.journal_whens.get(current.name.removesuffix(".sql"))
        return "journal `when`" if old_when is not None and old_when == new_when else None
    return "version" if current.version == merged.version else None


def _renamed(layout: str, change: ChangedMigration, merged: MigrationFile, facts: RunnerFacts | None) -> str:
    current = change.current
    if layout == "sql-migrate":
        return (
            "sql-migrate records the file name (gorp_migrations.id), so databases that applied it stop with "
            f'"Unable to create migration plan because of {merged.name}: unknown migration in database" '
            f"(with IgnoreUnknown set, they run {current.name if current else 'it'} again)"
        )
    if layout == "prisma" or (layout == "drizzle" and facts is not None and facts.drizzle_major == 1):
        who = "Prisma" if layout == "prisma" else "drizzle"
        new = _folder(current) if current is not None else "it"
        return (
            f"{who} identifies a migration by its folder name, so it runs `{new}` again where "
            f"`{_folder(merged)}` was applied"
        )
    if layout == "drizzle":
        return (
            "drizzle's journal does not give the renamed file the `when` of the merged entry: the migrator stops "
            "when a journal entry's file is missing, and runs an entry with a newer `when` again"
        )
    who = runner(layout).name
    tail = (
        f'; sqlx also stops there ("migration {merged.version} was previously applied but is missing in the '
        'resolved migrations")'
        if layout == "sqlx"
        else ""
    )
    return (
        f"{who} identifies migrations by version, so databases that applied version {merged.version} run it again "
        f"as version {current.version if current else '?'}{tail}"
    )


def _deleted(layout: str, merged: MigrationFile) -> str:
    base = "databases that applied it keep its effect while new databases never get it"
    if layout == "sqlx":
        return (
            f'sqlx stops on every database that applied it ("migration {merged.version} was previously applied '
            'but is missing in the resolved migrations") unless it runs with --ignore-missing'
        )
    if layout == "sql-migrate":
        return (
            f'sql-migrate stops on every database that applied it ("Unable to create migration plan because of '
            f'{merged.name}: unknown migration in database") unless IgnoreUnknown is set'
        )
    if layout == "golang-migrate":
        return base + " (and golang-migrate stops when the database's current version has no file)"
    if layout == "atlas":
        return base + "; atlas.sum must be re-hashed"
    return base


def _never_rerun(layout: str) -> str:
    who = runner(layout).name
    if layout == "atlas":
        return "Atlas never compares an applied file with its revision once atlas.sum is re-hashed"
    if layout == "drizzle":
        return "drizzle stores a hash of each migration but never compares it, and never runs an applied one again"
    return f"{who} keeps no checksum and never runs an applied migration again"
