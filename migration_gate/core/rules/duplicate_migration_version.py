from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..context import ChangeSetContext, ProjectContext
from ..findings import Finding
from ..migration import MigrationFile, history_scope
from ..severity import Severity
from ..version import Version
from .base import ChangeSetRule, ProjectRule


class DuplicateMigrationVersion(ProjectRule, ChangeSetRule):
    """Two versioned migrations resolve to the same version.

    ## What it does
    Groups the versioned migrations by version, compared as the runner
    compares them: for Flyway `V1`, `V001`, `V1.0` and `V1_0` are all version
    1; for goose and sqlx `1` and `001` are the same number; for dbmate and
    Diesel versions are text (`001` is not `1`). Flyway (and the generic
    `up-down` layout) read all configured locations as one set; the other
    runners read one folder at a time, so versions are compared per folder.

    When a base is known, a migration this branch adds is also compared with
    the migrations merged on the base since the branch started: two branches
    that each added `V12` are caught on the second pull request. Two rollback
    scripts for one version are reported too.

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
    family = "history"
    name = "duplicate-migration-version"
    level = Severity.ERROR
    help = "give one of them the next free version"

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        groups = defaultdict(list)
        for migration in ctx.project.versioned():
            if migration.version is not None:
                groups[history_scope(migration), migration.version].append(migration)
        for (_, version), group in groups.items():
            if len(group) < 2:
                continue
            for migration in group:
                if not ctx.reports_on(migration):
                    continue
                others = ", ".join(m.display for m in group if m is not migration)
                yield self.finding(f"version {version} is also used by {others}", path=migration.display)
        rollbacks = defaultdict(list)
        for rollback in ctx.project.rollbacks():
            if rollback.version is not None:
                rollbacks[history_scope(rollback), rollback.version].append(rollback)
        for (_, version), group in rollbacks.items():
            if len(group) < 2:
                continue
            for rollback in group:
                if ctx.reports_on(rollback):
                    others = ", ".join(m.display for m in group if m is not rollback)
                    yield self.finding(
                        f"two rollback scripts for version {version}: this one and {others}; "
                        "nobody can tell which one undoes the migration",
                        path=rollback.display,
                        help="keep one rollback script per version",
                    )

    def check_change_set(self, ctx: ChangeSetContext) -> Iterator[Finding]:
        if ctx.base is None:
            return
        merged: defaultdict[tuple[object, Version], list[MigrationFile]] = defaultdict(list)
        base = ctx.base.short if ctx.base is not None else "?"
        for migration in ctx.base_only():
            if migration.kind == "versioned" and migration.version is not None:
                merged[history_scope(migration), migration.version].append(migration)
        for change in ctx.changes:
            current = change.current
            if (
                change.is_new
                and current is not None
                and current.version is not None
                and (history_scope(current), current.version) in merged
            ):
                others = ", ".join(m.display for m in merged[history_scope(current), current.version])
                yield self.finding(
                    f"version {current.version} is also used by {others}, merged on the base ({base}) "
                    "after this branch started",
                    path=current.display,
                )
