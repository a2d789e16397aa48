from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..context import ProjectContext
from ..findings import Finding
from ..migration import MigrationFile
from ..severity import Severity
from .base import ProjectRule


class MissingRollback(ProjectRule):
    """A versioned migration has no rollback script.

    ## What it does
    For each versioned migration, looks for its rollback: in the Flyway layout
    `rollback/V<version>__rollback.sql` (or `migrations.rollback_path`, or
    Flyway's own `U<version>__….sql`); in up/down layouts the `.down.sql` /
    `down.sql` of the same version.

    ## Why is this bad?
    Every migration should be reversible: when a release goes wrong at 2 a.m.,
    the rollback must already exist and have been reviewed with the change.

    ## Example
    ```text
    migrations/V7__add_user_preferences.sql
    ```

    ## Use instead
    ```text
    migrations/V7__add_user_preferences.sql
    migrations/rollback/V7__rollback.sql
    ```
    """

    code = "MG303"
    name = "missing-rollback"
    level = Severity.ERROR
    help = "add the rollback script (it should undo the migration in reverse order)"

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        rollbacks = {r.version for r in ctx.project.rollbacks() if r.version is not None}
        for migration in ctx.project.versioned():
            if ctx.reports_on(migration) and migration.version not in rollbacks:
                expected = _expected(migration, ctx.config)
                yield self.finding(
                    f"no rollback for version {migration.version} (expected {expected})", path=migration.display
                )


def _expected(migration: MigrationFile, config: Config) -> str:
    if config.layout == "flyway":
        folder = config.rollback_path or "rollback"
        return f"{folder}/V{migration.version}__rollback.sql"
    if migration.path.name == "up.sql":
        return f"{migration.path.parent.name}/down.sql"
    return migration.path.name.replace(".up.sql", ".down.sql")
