from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..context import ProjectContext
from ..findings import Finding
from ..severity import Severity
from .base import ProjectRule


class RollbackCollidesWithMigration(ProjectRule):
    """Rollback scripts inside a Flyway location are loaded by Flyway as migrations.

    ## What it does
    Flyway scans its locations recursively and loads every
    `V<version>__<description>.sql` it finds, in any sub-folder. So in the
    layout the migration guide recommends, `migrations/rollback/V001__rollback.sql`
    is, to Flyway, a second version 1. Reported once per location, on its
    first such rollback. `ignore_rollback_collision: true` silences it for
    runners whose configuration already excludes the folder.

    ## Why is this bad?
    Flyway refuses to migrate ("Found more than one migration with version 1"),
    or, for a rollback whose version has no migration, runs the rollback as a
    migration. The gate cannot see the runner's own `locations` setting, so
    this is a warning.

    ## Example
    ```text
    migrations/V1__create_users.sql
    migrations/rollback/V1__rollback.sql
    ```

    ## Use instead
    ```text
    migrations/V1__create_users.sql
    migrations/U1__create_users.sql
    ```
    """

    code = "MG310"
    family = "history"
    name = "rollback-collides-with-migration"
    level = Severity.WARNING
    help = (
        "move the rollbacks outside the Flyway location (e.g. db/rollback next to db/migrations), name them so "
        "Flyway ignores them (Flyway's undo prefix U<version>__…), or exclude the folder in the runner's "
        "flyway.locations; if it already does, set ignore_rollback_collision: true"
    )

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        if ctx.config.layout != "flyway" or ctx.config.ignore_rollback_collision:
            return
        loaded = defaultdict(list)
        for rollback in ctx.project.rollbacks():
            if rollback.flyway_version is not None:
                loaded[rollback.location].append(rollback)
        for location in sorted(loaded, key=str):
            files = sorted(loaded[location], key=lambda f: f.display)
            first = files[0]
            same_version = [m for m in ctx.project.versioned() if m.version == first.flyway_version]
            same_version.sort(key=lambda m: (m.location != location, m.display))
            twin = same_version[0] if same_version else None
            clash = (
                f"the same version as {twin.display}" if twin is not None else "so Flyway would run it as a migration"
            )
            others = f" (and {len(files) - 1} more rollback script{'s' * (len(files) != 2)})" if len(files) > 1 else ""
            yield self.finding(
                f"Flyway scans its locations recursively and loads {first.display} as version "
                f"{first.flyway_version}, {clash}{others}",
                path=first.display,
            )
