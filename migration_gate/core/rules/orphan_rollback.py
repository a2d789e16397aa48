from __future__ import annotations

from collections.abc import Iterator

from ..context import ProjectContext
from ..findings import Finding
from ..severity import Severity
from .base import ProjectRule


class OrphanRollback(ProjectRule):
    """A rollback script has no migration of the same version.

    ## What it does
    Reports rollback (down) scripts whose version matches no versioned
    migration in the configured locations.

    ## Why is this bad?
    Either the migration was renamed or renumbered and the rollback was left
    behind (so the real migration has no rollback), or the rollback's name has
    a typo. Both surface only during an incident.

    ## Example
    ```text
    migrations/V7__add_user_preferences.sql
    migrations/rollback/V8__rollback.sql
    ```

    ## Use instead
    ```text
    migrations/V7__add_user_preferences.sql
    migrations/rollback/V7__rollback.sql
    ```
    """

    code = "MG304"
    name = "orphan-rollback"
    level = Severity.WARNING
    help = "rename the rollback to its migration's version, or delete it"

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        versions = {m.version for m in ctx.project.versioned() if m.version is not None}
        for rollback in ctx.project.rollbacks():
            if ctx.reports_on(rollback) and rollback.version not in versions:
                yield self.finding(
                    f"rollback for version {rollback.version}, but no migration has that version", path=rollback.display
                )
