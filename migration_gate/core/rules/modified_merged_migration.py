from __future__ import annotations

from collections.abc import Iterator

from ..context import ChangedMigration, ChangeSetContext, DatabaseState, RunnerFacts
from ..findings import Finding
from ..integrity import runner
from ..migration import MigrationFile
from ..severity import Severity
from .base import ChangeSetRule


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
    is info.

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
                    yield from self._liquibase(change, base)
                elif layout != "sqitch":  # Sqitch: by change, from the plan (below)
                    yield from self._runner(change, merged, base, ctx.runners.get(merged.location))
        for facts in sorted(ctx.runners.values(), key=lambda f: f.display):
            yield from self._atlas_sum(facts)
            yield from self._sqitch(facts, base)
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

    # ----------------------------------------------------------------- runners other than Flyway

    def _runner(
        self, change: ChangedMigration, merged: MigrationFile, base: str, facts: RunnerFacts | None
    ) -> Iterator[Finding]:
        """golang-migrate, goose, dbmate, sql-migrate, sqlx, Diesel, pop, Prisma, Atlas, drizzle, pattern."""
        who = runner(merged.layout)
        what = _what(merged, facts)
        if change.status == "deleted":
            yield self.finding(
                f"{change.display} ({what}) is merged on {base} and was deleted: {_deleted(merged.layout, merged)}",
                help="restore the file (`git checkout <base> -- <path>`); undo its effect in a new migration",
                path=change.display,
            )
            return
        if change.status == "renamed":
            kept = _identity_kept(change, merged, facts)
            if not kept:
                yield self.finding(
                    f"{what} is merged on {base} as {change.old_display} and was renamed to {change.display}: "
                    f"{_renamed(merged.layout, change, merged, facts)}",
                    help="rename it back; a new name or version is a new migration",
                    path=change.display,
                    offset=0,
                )
                return
            if not change.content_changed:
                yield self.finding(
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
            yield from self._edited(change, merged, base, what, facts)

    def _edited(
        self, change: ChangedMigration, merged: MigrationFile, base: str, what: str, facts: RunnerFacts | None
    ) -> Iterator[Finding]:
        layout = merged.layout
        path, offset = change.display, change.first_difference
        old, new = _short(change.merged_runner_checksum), _short(change.runner_checksum)
        if layout == "sqlx":
            version = merged.version
            if change.runner_accepts:
                setting = facts.setting("ignored-chars") if facts is not None else None
                ignored = f" ({setting.source} ignores {setting.value!r})" if setting is not None else ""
                yield self.finding(
                    f"{what} is merged on {base} and was edited, but only in characters sqlx's checksum ignores"
                    f"{ignored}: its checksum is unchanged ({old}), so sqlx accepts it",
                    help="revert the edit to keep the history byte-identical",
                    severity=Severity.INFO,
                    path=path,
                    offset=offset,
                )
                return
            yield self.finding(
                f"{what} is merged on {base} and was edited (sqlx checksum {old} -> {new or 'none'}): sqlx refuses "
                f'to migrate every database that applied it ("migration {version} was previously applied but has '
                'been modified")',
                path=path,
                offset=offset,
            )
            return
        if layout == "prisma":
            name = _folder(merged)
            if change.runner_accepts:
                yield self.finding(
                    f"{what} is merged on {base} and was edited, but only in line endings: Prisma accepts the "
                    f"LF/CRLF variant of the applied checksum ({old})",
                    help="revert the edit to keep the history byte-identical",
                    severity=Severity.INFO,
                    path=path,
                    offset=offset,
                )
                return
            yield self.finding(
                f"{what} is merged on {base} and was edited (Prisma checksum {old} -> {new or 'none'}): "
                "`prisma migrate deploy` never compares checksums, so databases that applied it keep the old "
                "version while new databases get the new one, and `prisma migrate dev` stops with "
                f'"The migration `{name}` was modified after it was applied." and asks to reset the database',
                path=path,
                offset=offset,
            )
            return
        if change.statements_unchanged:
            tail = "; atlas.sum must still be re-hashed" if layout == "atlas" else ""
            yield self.finding(
                f"{what} is merged on {base} and was edited, but only in comments, whitespace or line endings: "
                f"{_never_rerun(layout)}, and the SQL it would run is unchanged{tail}",
                help="revert the edit to keep the history byte-identical",
                severity=Severity.INFO,
                path=path,
                offset=offset,
            )
            return
        yield self.finding(
            f"{what} is merged on {base} and was edited: {_never_rerun(layout)}, so databases that applied "
            "it keep the old version while new databases get the new one",
            path=path,
            offset=offset,
        )

    def _liquibase(self, change: ChangedMigration, base: str) -> Iterator[Finding]:
        """Liquibase: each changeset by id, author and changelog path, with its MD5SUM."""
        moved = [c for c in change.changesets if c.key_now is not None]
        if change.status == "renamed" and moved:
            first = moved[0]
            count = f"its {len(moved)} changesets run" if len(moved) > 1 else "its changeset runs"
            yield self.finding(
                f"{change.old_display} is merged on {base} and was moved to {change.display}: Liquibase identifies "
                f"a changeset by id, author and changelog path, so {count} again where they were applied "
                f"({first.key} becomes {first.key_now})",
                help="move it back, or keep the old path with `logicalFilePath:` in its header line",
                path=change.display,
                offset=0,
            )
        if change.status == "deleted":
            yield self.finding(
                f"{change.display} is merged on {base} and was deleted: databases that applied its changesets "
                "keep their effect while new databases never get it",
                help="restore the file (`git checkout <base> -- <path>`); undo its effect in a new changeset",
                path=change.display,
            )
            return
        if change.content_changed and change.current is not None and not change.changesets:
            yield self.finding(
                f"{change.display} is merged on {base} and was edited, but none of its changesets changed in "
                "Liquibase's terms (line endings, or text outside the changesets): Liquibase accepts it",
                help="revert the edit to keep the history byte-identical",
                path=change.display,
                offset=change.first_difference,
                severity=Severity.INFO,
            )
        for item in change.changesets:
            path, offset = change.display, item.offset if item.offset is not None else 0
            if item.checksum is None:
                yield self.finding(
                    f"changeset {item.key} is merged on {base} and is gone from the changelog (removed, or its id or "
                    "author changed): databases that applied it keep its effect, and a changeset under a new id or "
                    "author runs again",
                    help="restore the changeset; undo its effect in a new changeset",
                    path=path,
                    offset=offset,
                )
            elif item.checksum == item.merged_checksum:
                if item.whitespace_only:
                    older = (
                        " (a DATABASECHANGELOG row still holding an 8: checksum, written by Liquibase before 4.22, "
                        "fails validation until Liquibase upgrades it)"
                        if item.v8_changed
                        else ""
                    )
                    yield self.finding(
                        f"changeset {item.key} is merged on {base} and was edited, but only in whitespace: its "
                        f"checksum is unchanged ({item.checksum}), so Liquibase accepts it{older}",
                        help="revert the edit to keep the history byte-identical",
                        severity=Severity.INFO,
                        path=path,
                        offset=offset,
                    )
            elif item.run_on_change:
                yield self.finding(
                    f"changeset {item.key} is merged on {base} and was edited ({item.merged_checksum} -> "
                    f"{item.checksum}); it has runOnChange (or runAlways), so Liquibase runs it again on every "
                    "database that applied it",
                    help="make sure it can run again on databases that applied the old version",
                    severity=Severity.INFO,
                    path=path,
                    offset=offset,
                )
            elif item.accepted:
                yield self.finding(
                    f"changeset {item.key} is merged on {base} and was edited ({item.merged_checksum} -> "
                    f"{item.checksum}); a --validCheckSum accepts it, so Liquibase never runs the new version "
                    "where the old one was applied",
                    help="put the change in a new changeset unless databases must keep the old version",
                    severity=Severity.INFO,
                    path=path,
                    offset=offset,
                )
            else:
                yield self.finding(
                    f"changeset {item.key} is merged on {base} and was edited: Liquibase's validation fails on "
                    f'every database that applied it ("Validation Failed: 1 changesets check sum {item.key} was: '
                    f'{item.merged_checksum} but is now: {item.checksum}")',
                    help="revert the change and put it in a new changeset; merged changesets are never edited",
                    path=path,
                    offset=offset,
                )

    def _sqitch(self, facts: RunnerFacts, base: str) -> Iterator[Finding]:
        for item in facts.sqitch:
            if item.kind == "script":
                signature = f'"Script signatures diverge at change {item.change}"'
                if item.statements_unchanged:
                    yield self.finding(
                        f"the deploy script of change {item.change}, merged on {base}, was edited, but only in "
                        "comments, whitespace or line endings: `sqitch deploy` never runs it again, but "
                        f"`sqitch check` fails ({signature})",
                        help="revert the edit (or rework the change with `sqitch rework`)",
                        path=item.path,
                        offset=item.offset,
                        severity=Severity.WARNING,
                    )
                else:
                    yield self.finding(
                        f"the deploy script of change {item.change}, merged on {base}, was edited (script_hash "
                        f"{_short(item.merged_value)} -> {_short(item.value) or 'none'}): `sqitch deploy` never runs "
                        "a deployed change again, so databases that deployed it keep the old version while new "
                        f"databases get the new one (`sqitch check`: {signature})",
                        help="revert the edit and change a deployed change with `sqitch rework`",
                        path=item.path,
                        offset=item.offset,
                    )
            elif item.kind == "id":
                now = f"is now {_short(item.value)}" if item.value else "is gone"
                yield self.finding(
                    f"change {item.change} is merged on {base} and its plan line changed (or was removed): its "
                    f"change ID {_short(item.merged_value)} {now}, and so is every later change's (each ID hashes "
                    "its parent's), so `sqitch deploy` stops on every database that deployed the merged plan "
                    f'("Cannot find change {item.last_id} ({item.last_change}) in {_plan_name(facts)}")',
                    help="restore the plan line; add new changes at the end of the plan",
                    path=item.path,
                    offset=item.offset,
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


def _short(value: str | None) -> str | None:
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


def _plan_name(facts: RunnerFacts) -> str:
    shown = facts.plan_display or "sqitch.plan"
    return shown.rsplit("/", 1)[-1]
