from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from ..config import Config
from ..context import FileContext, ProjectContext
from ..findings import Finding
from ..migration import MigrationFile
from ..runners import LAYOUTS
from ..runners.base import DOWN, UP, Runner
from ..severity import Severity
from .base import FileRule, ProjectRule


class MissingRollback(ProjectRule, FileRule):
    """A versioned migration has no rollback, with a runner that has rollbacks.

    ## What it does
    For each versioned migration, looks for its rollback where its runner
    keeps it (each layout's page says where): in the Flyway layout
    `rollback/V<version>__rollback.sql` (or `migrations.rollback_path`, or
    Flyway's own `U<version>__….sql`); the `.down.sql` / `down.sql` of the
    same version for golang-migrate, sqlx reversible migrations, Diesel, pop
    and `up-down`; the `-- +goose Down`, `-- +migrate Down` or
    `-- migrate:down` section of the same file (reported at the up marker
    when it is missing or empty); a `--rollback` for each Liquibase
    changeset (at the changeset); the change's `revert/` script for Sqitch.
    Runners that cannot roll back (Prisma, Atlas, drizzle, sqlx simple files)
    are never reported. Where the runner makes rollbacks optional
    (golang-migrate, sqlx, Diesel, pop), a migration is reported only when
    the folder's other migrations have one. The default level comes from the
    layout (an error for Flyway, `up-down` and Sqitch, a warning for the
    others); a level set in the configuration wins.

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
        rollbacks = {_key(r) for r in ctx.project.rollbacks() if r.version is not None}
        with_rollbacks: dict[object, bool] = defaultdict(bool)
        for r in ctx.project.rollbacks():
            with_rollbacks[r.location] = True
        for migration in ctx.project.versioned():
            runner = _runner(migration)
            if not runner.has_rollbacks or runner.rollback_in_file or migration.forward_only:
                continue
            if not ctx.reports_on(migration) or _key(migration) in rollbacks:
                continue
            if runner.rollback_optional and not with_rollbacks[migration.location]:
                continue
            expected = _expected(migration, ctx.config, runner)
            yield self.finding(
                f"no rollback for version {migration.version} (expected {expected})",
                path=migration.display,
                severity=_level(runner, ctx.config),
            )

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        migration = ctx.migration
        if migration.kind != "versioned" or ctx.is_down_section or ctx.source is None:
            return
        runner = _runner(migration)
        if not runner.rollback_in_file or not runner.has_rollbacks or ctx.shape.problems:
            return
        sections = ctx.shape.sections
        if runner.name == "liquibase" and not sections:
            return  # a raw SQL changelog: one changeset without rollback markers
        level = _level(runner, ctx.config)
        downs = [s for s in sections if s.direction == DOWN]
        if runner.name == "liquibase":
            covered = {s.pair for s in downs}
            seen: set[int | None] = set()
            for up in (s for s in sections if s.direction == UP):
                if up.pair in covered or up.pair in seen or up.marker is None:
                    continue
                seen.add(up.pair)
                yield self.finding(
                    f"{up.label} has no --rollback: `liquibase rollback` cannot undo it (Liquibase does not "
                    "generate rollbacks for SQL changes)",
                    offset=up.marker[0],
                    end_offset=up.marker[1],
                    severity=level,
                    help="add `--rollback <sql>` lines (or `--rollback empty` when nothing needs undoing)",
                )
            return
        ups = [s for s in sections if s.direction == UP]
        marker = ups[0].marker if ups and ups[0].marker else (0, 0)
        if downs and ctx.down_statements:
            return
        what = runner.rollback_expected(migration.relpath)
        message = (
            f"the down section is empty: rolling this migration back does nothing (expected {what})"
            if downs
            else f"no down section: rolling this migration back does nothing (expected {what})"
        )
        yield self.finding(message, offset=marker[0], end_offset=marker[1], severity=level)


def _runner(migration: MigrationFile) -> Runner:
    return LAYOUTS.get(migration.layout) or LAYOUTS["flyway"]


def _key(migration: MigrationFile) -> tuple[object, object]:
    """Rollbacks pair by version (per folder for runners that read one folder at a time)."""
    scope = None if migration.layout in ("flyway", "up-down", "") else migration.location
    return scope, migration.version


def _level(runner: Runner, config: Config) -> Severity | None:
    """The layout's default, unless the configuration sets the rule's level."""
    setting = config.rules.get("missing-rollback")
    if setting is not None and setting.level is not None:
        return None
    return runner.rollback_level if runner.rollback_level != MissingRollback.level else None


def _expected(migration: MigrationFile, config: Config, runner: Runner) -> str:
    if runner.name == "flyway":
        folder = config.rollback_path or "rollback"
        return f"{folder}/V{migration.version}__rollback.sql"
    if runner.name == "up-down":
        if migration.path.name == "up.sql":
            return f"{migration.path.parent.name}/down.sql"
        return migration.path.name.replace(".up.sql", ".down.sql")
    return runner.rollback_expected(Path(migration.relpath).as_posix())
