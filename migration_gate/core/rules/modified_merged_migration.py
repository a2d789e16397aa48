from __future__ import annotations

from collections.abc import Iterator

from ..context import ChangedMigration, ChangeSetContext, DatabaseState, RunnerFacts
from ..findings import Finding
from ..migration import MigrationFile
from ..severity import Severity
from .base import ChangeSetRule
from .merged_changelogs import liquibase_findings, sqitch_findings
from .merged_files import runner_findings


class ModifiedMergedMigration(ChangeSetRule):
    """A versioned migration that is already merged was edited, renamed or deleted.

    ## What it does
    Compares every versioned migration on the base branch with the working
    tree, in the terms of the runner its folder uses (the layout that
    classified its files).

    **Flyway**: an edit that changes Flyway's checksum, a rename and a
    deletion are errors. An edit Flyway cannot see (line endings, blank lines,
    a BOM: the checksum is unchanged) is reported as info. With
    `--database-url`, a file whose checksum differs from the one recorded in
    `flyway_schema_history`, or an applied version whose file is gone, is
    reported too. Repeatable (`R__`) migrations may change: that is their
    purpose. Renaming or deleting one is a warning, because Flyway reports the
    applied repeatable as missing when it validates.

    **Runners that check a checksum before every deploy**, with the runner's
    own error in the message:

    - sqlx: SHA-384 of the file's bytes (`_sqlx_migrations.checksum`), after
      removing sqlx 0.9's `ignored-chars` (`sqlx.toml`): "migration 1 was
      previously applied but has been modified". An edit the checksum ignores
      is info (sqlx-core `migrate/migration.rs`, `migrator.rs`, `error.rs`).
    - Liquibase, per changeset (id, author, changelog path): MD5 checksum
      version 9 (Liquibase 4.22 and later; version 8 when the repository pins
      an older Liquibase): "Validation Failed: 1 changesets check sum …". A
      whitespace-only edit keeps the version 9 checksum: info. Moving a
      changelog, or changing a changeset's id or author, makes Liquibase run it
      again: error (unless `logicalFilePath` keeps the path). `runOnChange` and
      `--validCheckSum` edits are info.
    - Atlas: `atlas.sum` must match the directory, or Atlas refuses to apply
      anything ("You have a checksum error in your migration directory."); the
      first stale line of `atlas.sum` is reported there. Once re-hashed, Atlas
      never compares an applied file again, so the edit itself is an error.

    **Runners that compare only outside the deploy**: Prisma's
    `migrate deploy` never compares `_prisma_migrations.checksum` (SHA-256);
    `migrate dev` stops with "The migration `…` was modified after it was
    applied." and asks to reset. A re-save in the other line ending is info
    (Prisma accepts the LF/CRLF variants). Sqitch's `deploy` never compares a
    deployed change's `script_hash`; `sqitch check` reports "Script signatures
    diverge at change …" (error; a warning when only comments or whitespace
    changed). Editing or removing a merged line of `sqitch.plan` changes the
    change IDs, and `sqitch deploy` stops ("Cannot find change … in
    sqitch.plan"). A deploy script changed through `sqitch rework` is fine.

    **Runners without a checksum** (golang-migrate, goose, dbmate,
    sql-migrate, Diesel, pop, drizzle, whose stored hash is never compared, and
    `pattern`): they never run an applied migration again, so any change to
    the SQL is an error; a change to comments, whitespace or line endings only
    is info, and so is a change confined to the down section of a goose,
    dbmate or sql-migrate file (what the migration applied is unchanged; only
    a rollback runs the new SQL).

    **Renames** follow what identifies a migration to the runner: its version
    (most runners: keeping it is info), its file name (sql-migrate:
    "unknown migration in database"), its folder name (Prisma, drizzle 1.0),
    its journal `when` (drizzle 0.x).

    ## Why is this bad?
    Every database that already ran the migration keeps the old version.
    Flyway's validate (run before every migrate by default) then fails with
    "Migration checksum mismatch for migration version 3" and the deploy stops;
    databases created afterwards get the new text, so environments silently
    diverge. A renamed file is a description mismatch, a deleted one
    "Detected applied migration not resolved locally". Runners without a
    checksum never notice: the edit is simply never applied where the
    migration already ran, and a renumbered file runs a second time.

    ## Example
    ```text
    migrations/V3__add_email.sql   (merged, then edited in this pull request)
    ```

    ## Use instead
    ```text
    migrations/V3__add_email.sql   (unchanged)
    migrations/V4__fix_email.sql   (the change, as a new migration)
    ```
    """

    code = "MG306"
    family = "history"
    name = "modified-merged-migration"
    level = Severity.ERROR
    produced_by = "history"
    help = "revert the change and put it in a new migration; merged migrations are never edited"

    def check_change_set(self, ctx: ChangeSetContext) -> Iterator[Finding]:
        base = f"the base ({ctx.base.short})" if ctx.base is not None else "the base"
        for change in ctx.changes:
            merged = change.merged
            if merged is None:
                continue
            layout = merged.layout or ctx.config.layout
            if merged.kind == "repeatable":
                yield from self._repeatable(change, merged, base)
            elif merged.kind == "versioned":
                if layout == "flyway":
                    yield from self._versioned(change, merged, base)
                elif layout == "up-down":
                    yield from self._up_down(change, merged, base)
                elif layout == "liquibase":
                    yield from liquibase_findings(self, change, base)
                elif layout != "sqitch":  # Sqitch: by change, from the plan (below)
                    yield from runner_findings(self, change, merged, base, ctx.runners.get(merged.location))
        for facts in sorted(ctx.runners.values(), key=lambda f: f.display):
            yield from self._atlas_sum(facts)
            yield from sqitch_findings(self, facts, base)
        for state in ctx.database or ():
            yield from self._database(state, ctx)

    def _versioned(self, change: ChangedMigration, merged: MigrationFile, base: str) -> Iterator[Finding]:
        what = f"version {merged.version}"
        if change.status == "deleted":
            yield self.finding(
                f"{change.display} ({what}) is merged on {base} and was deleted: databases that applied it "
                "fail Flyway's validate (\"Detected applied migration not resolved locally\")",
                help="restore the file (`git checkout <base> -- <path>`); undo its effect in a new migration",
                path=change.display,
            )
        elif (
            change.status == "renamed"
            and _same_identity(change)
            and (not change.content_changed or change.checksum_unchanged)
        ):
            yield self.finding(
                f"{what} is merged on {base} as {change.old_display} and was moved to {change.display}, keeping "
                "its version, description and checksum: Flyway validates those, not the path, so it accepts this",
                help="move it back to keep the history tidy",
                path=change.display,
                offset=0,
                severity=Severity.INFO,
            )
        elif change.status == "renamed":
            edited = (
                ""
                if not change.content_changed or change.checksum_unchanged
                else (f" and its content changed (checksum {change.merged_checksum} -> {change.checksum})")
            )
            yield self.finding(
                f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}{edited}: "
                "databases record the old name, so Flyway's validate fails (description or version mismatch)",
                help="rename it back; a new name or version is a new migration",
                path=change.display,
                offset=0 if change.current is not None else None,
            )
        elif change.content_changed:
            if change.checksum_unchanged:
                yield self.finding(
                    f"{what} is merged on {base} and was edited, but only in line endings, blank lines or a BOM: "
                    f"Flyway's checksum is unchanged ({change.checksum}), so Flyway accepts it",
                    help="revert the edit to keep the history byte-identical",
                    path=change.display,
                    offset=change.first_difference,
                    severity=Severity.INFO,
                )
            else:
                new = change.checksum if change.checksum is not None else "none (the file cannot be read as UTF-8)"
                yield self.finding(
                    f"{what} is merged on {base} and was edited (Flyway checksum {change.merged_checksum} -> {new}): "
                    f"every database that applied it fails Flyway's validate "
                    f"(\"Migration checksum mismatch for migration version {merged.version}\")",
                    path=change.display,
                    offset=change.first_difference,
                )

    def _up_down(self, change: ChangedMigration, merged: MigrationFile, base: str) -> Iterator[Finding]:
        """golang-migrate, Diesel and pop record only the version: no checksum, no name."""
        what = f"version {merged.version}"
        if change.status == "deleted":
            yield self.finding(
                f"{change.display} ({what}) is merged on {base} and was deleted: databases that applied it keep "
                "its effect while new databases never get it (and golang-migrate stops when the applied version's "
                "file is missing)",
                help="restore the file (`git checkout <base> -- <path>`); undo its effect in a new migration",
                path=change.display,
            )
        elif (
            change.status == "renamed"
            and _same_identity(change, version_only=True)
            and (not change.content_changed or change.checksum_unchanged)
        ):
            yield self.finding(
                f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}, keeping "
                "its version and content: the runner records only the version, so nothing re-runs",
                path=change.display,
                offset=0,
                severity=Severity.INFO,
            )
        elif change.status == "renamed":
            yield self.finding(
                f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}: the "
                "runner identifies migrations by version, so databases that applied the old one run it again",
                help="rename it back; a new name or version is a new migration",
                path=change.display,
                offset=0 if change.current is not None else None,
            )
        elif change.content_changed:
            if change.checksum_unchanged:
                yield self.finding(
                    f"{what} is merged on {base} and was edited, but only in line endings, blank lines or a BOM",
                    help="revert the edit to keep the history byte-identical",
                    path=change.display,
                    offset=change.first_difference,
                    severity=Severity.INFO,
                )
            else:
                yield self.finding(
                    f"{what} is merged on {base} and was edited: databases that already applied it keep the old "
                    "version (the runner never re-runs it) while new databases get the new one",
                    path=change.display,
                    offset=change.first_difference,
                )

    def _atlas_sum(self, facts: RunnerFacts) -> Iterator[Finding]:
        if facts.sum_display is None or not facts.sum_problems or facts.sum_broken_on_base:
            return
        problem = facts.sum_problems[0]
        yield self.finding(
            f"{facts.sum_display} line {problem.line}: {problem.reason}: Atlas refuses to apply any migration of "
            'this directory ("You have a checksum error in your migration directory.")',
            help="run `atlas migrate hash` and commit atlas.sum (after reverting any edit of a merged migration)",
            path=facts.sum_display,
            offset=problem.offset,
        )

    def _repeatable(self, change: ChangedMigration, merged: MigrationFile, base: str) -> Iterator[Finding]:
        if change.status not in ("deleted", "renamed") or (change.status == "renamed" and _same_identity(change)):
            return
        what = f"repeatable migration {merged.display}"
        done = "deleted" if change.status == "deleted" else f"renamed to {change.display}"
        yield self.finding(
            f"{what} is merged on {base} and was {done}: Flyway's validate reports the applied "
            f"repeatable \"{(merged.description or '').replace('_', ' ')}\" as missing",
            help="keep the file (edit its content instead), or add `*:missing` to Flyway's ignoreMigrationPatterns",
            path=change.display,
            severity=Severity.WARNING,
        )

    def _database(self, state: DatabaseState, ctx: ChangeSetContext) -> Iterator[Finding]:
        row = state.row
        if row is None:
            return
        if state.state == "checksum-mismatch" and state.migration is not None:
            yield self.finding(
                f"version {state.migration.version} was applied to the database with checksum {row.checksum} "
                f"(on {row.installed_on}); the file's checksum is {state.checksum}: Flyway's validate fails",
                help="revert the file to what was applied (or, if the edit is intended, run `flyway repair`)",
                path=state.migration.display,
            )
        elif state.state == "missing":
            location = ctx.project.locations[0] if ctx.project.locations else None
            path = ctx.display_in(location, row.script) if location is not None else row.script
            yield self.finding(
                f"version {row.version_text} ({row.script}) is applied in the database (on {row.installed_on}) "
                "but its file is missing: Flyway's validate fails "
                '("Detected applied migration not resolved locally")',
                help="restore the file from the commit that added it",
                path=path,
            )


def _same_identity(change: ChangedMigration, *, version_only: bool = False) -> bool:
    """Still the same migration to the runner: same kind and version, and for Flyway the same description."""
    current, merged = change.current, change.merged
    return (
        current is not None
        and merged is not None
        and current.kind == merged.kind
        and current.version == merged.version
        and (version_only or current.description == merged.description)
    )
