from __future__ import annotations

from ..severity import Severity
from .base import ChangeSetRule


class OutOfOrderMigrationVersion(ChangeSetRule):
    """A new versioned migration is numbered below a version that is already merged or applied.

    ## What it does
    Reports a versioned migration added by the change set whose version is not
    greater than the highest version on the base branch (a version equal to a
    merged one is `duplicate-migration-version`). With `--database-url`, also
    every migration that is not applied while a higher version is.
    `out_of_order: allow` (Flyway's `outOfOrder=true`) turns the rule off.

    ## Why is this bad?
    With `outOfOrder=false` (Flyway's default) a migration below the highest
    applied version is never run: `flyway validate` (and so `migrate`, which
    validates first) fails with "Detected resolved migration not applied to
    database", or the migration is silently skipped where `ignored` migrations
    are allowed. golang-migrate only moves forward from the current version,
    so it never applies it; Diesel and pop apply it, but after migrations that
    were written later. It happens when another branch merged a higher version
    first.

    ## Example
    ```text
    migrations/V012__add_orders_index.sql   (merged on main)
    migrations/V011__add_users_column.sql   (added by this pull request)
    ```

    ## Use instead
    ```text
    migrations/V012__add_orders_index.sql
    migrations/V013__add_users_column.sql
    ```
    """

    code = "MG308"
    family = "history"
    name = "out-of-order-migration-version"
    level = Severity.ERROR
    produced_by = "history"
    help = "renumber the migration above the highest merged version (or set out_of_order: allow)"

    def check_change_set(self, ctx):
        if ctx.config.out_of_order == "allow":
            return
        merged = [m for m in ctx.merged if m.kind == "versioned" and m.version is not None]
        if merged:
            highest = max(merged, key=lambda m: (m.version.key, m.display))
            versions = {m.version for m in merged}
            for change in ctx.changes:
                current = change.current
                if not change.is_new or current.version is None or current.version in versions:
                    continue
                if current.version < highest.version:
                    consequence = (
                        "with outOfOrder=false Flyway never runs it and its validate fails"
                        if ctx.config.layout == "flyway"
                        else "golang-migrate never applies it on databases already past that version; "
                        "Diesel and pop apply it there out of order"
                    )
                    yield self.finding(
                        f"version {current.version} is new here but below version {highest.version} "
                        f"({highest.display}), merged on the base ({ctx.base.short}): {consequence}",
                        path=current.display,
                    )
        for state in ctx.database or ():
            if state.state == "ignored":
                yield self.finding(
                    f"version {state.migration.version} is not applied to the database, but a higher version is: "
                    "with outOfOrder=false Flyway reports it as ignored and its validate fails",
                    path=state.migration.display,
                )
