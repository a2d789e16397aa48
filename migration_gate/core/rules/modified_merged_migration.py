from __future__ import annotations

from ..severity import Severity
from .base import ChangeSetRule


class ModifiedMergedMigration(ChangeSetRule):
    """A versioned migration that is already merged was edited, renamed or deleted.

    ## What it does
    Compares every versioned migration on the base branch with the working
    tree. An edit that changes Flyway's checksum, a rename and a deletion are
    errors. An edit Flyway cannot see (line endings, blank lines, a BOM: the
    checksum is unchanged) is reported as info. With `--database-url`, a file
    whose checksum differs from the one recorded in `flyway_schema_history`, or
    an applied version whose file is gone, is reported too.

    Repeatable (`R__`) migrations may change: that is their purpose. Renaming
    or deleting one is a warning, because Flyway reports the applied
    repeatable as missing when it validates.

    ## Why is this bad?
    Every database that already ran the migration keeps the old version.
    Flyway's validate (run before every migrate by default) then fails with
    "Migration checksum mismatch for migration version 3" and the deploy stops;
    databases created afterwards get the new text, so environments silently
    diverge. A renamed file is a description mismatch, a deleted one
    "Detected applied migration not resolved locally". golang-migrate, Diesel
    and pop keep no checksum: the edit is simply never applied where the
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

    def check_change_set(self, ctx):
        base = f"the base ({ctx.base.short})" if ctx.base is not None else "the base"
        for change in ctx.changes:
            merged = change.merged
            if merged is None:
                continue
            if merged.kind == "repeatable":
                yield from self._repeatable(change, base)
            elif merged.kind == "versioned":
                flyway = ctx.config.layout == "flyway"
                yield from (self._versioned(change, base) if flyway else self._up_down(change, base))
        for state in ctx.database or ():
            yield from self._database(state, ctx)

    def _versioned(self, change, base):
        merged = change.merged
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

    def _up_down(self, change, base):
        """golang-migrate, Diesel and pop record only the version: no checksum, no name."""
        merged = change.merged
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

    def _repeatable(self, change, base):
        if change.status not in ("deleted", "renamed") or (change.status == "renamed" and _same_identity(change)):
            return
        what = f"repeatable migration {change.merged.display}"
        done = "deleted" if change.status == "deleted" else f"renamed to {change.display}"
        yield self.finding(
            f"{what} is merged on {base} and was {done}: Flyway's validate reports the applied "
            f"repeatable \"{(change.merged.description or '').replace('_', ' ')}\" as missing",
            help="keep the file (edit its content instead), or add `*:missing` to Flyway's ignoreMigrationPatterns",
            path=change.display,
            severity=Severity.WARNING,
        )

    def _database(self, state, ctx):
        row = state.row
        if state.state == "checksum-mismatch":
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


def _same_identity(change, *, version_only: bool = False) -> bool:
    """Still the same migration to the runner: same kind and version, and for Flyway the same description."""
    current, merged = change.current, change.merged
    return (
        current is not None
        and current.kind == merged.kind
        and current.version == merged.version
        and (version_only or current.description == merged.description)
    )
