from __future__ import annotations

from collections import defaultdict

from ..severity import Severity
from .base import ProjectRule


class DuplicateMigrationVersion(ProjectRule):
    """Two versioned migrations resolve to the same version.

    ## What it does
    Groups the versioned migrations of all configured locations by version,
    compared as the runner compares them: for Flyway `V1`, `V001`, `V1.0` and
    `V1_0` are all version 1.

    ## Why is this bad?
    Flyway refuses to migrate ("Found more than one migration with version 1"),
    and golang-migrate or Diesel apply only one of the two files. It usually
    happens when two branches each add "the next" version.

    ## Example
    ```text
    migrations/V1__create_users.sql
    migrations/V001__create_orders.sql
    ```

    ## Use instead
    ```text
    migrations/V1__create_users.sql
    migrations/V2__create_orders.sql
    ```
    """

    code = "MG302"
    name = "duplicate-migration-version"
    level = Severity.ERROR
    help = "give one of them the next free version"

    def check_project(self, ctx):
        groups = defaultdict(list)
        for migration in ctx.project.versioned():
            if migration.version is not None:
                groups[migration.version].append(migration)
        for version, group in groups.items():
            if len(group) < 2:
                continue
            for migration in group:
                if not ctx.reports_on(migration):
                    continue
                others = ", ".join(m.display for m in group if m is not migration)
                yield self.finding(f"version {version} is also used by {others}", path=migration.display)
