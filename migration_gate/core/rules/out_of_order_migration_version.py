from __future__ import annotations

from collections.abc import Iterator

from ..context import ChangeSetContext, RunnerFacts, RunnerSetting
from ..findings import Finding
from ..migration import MigrationFile
from ..severity import Severity
from ..version import Version
from .base import ChangeSetRule


class OutOfOrderMigrationVersion(ChangeSetRule):
    """A new versioned migration is numbered below a version that is already merged or applied.

    ## What it does
    Reports a versioned migration added by the change set whose version is not
    greater than the highest version merged on the base branch in its folder
    (Flyway: in all its locations; a version equal to a merged one is
    `duplicate-migration-version`). With `--database-url`, also every Flyway
    migration that is not applied while a higher version is.
    `out_of_order: allow` turns the rule off.

    Its level follows what the folder's runner does with such a migration:

    | runner | what it does | level |
    |---|---|---|
    | Flyway | refused (`outOfOrder=false`, the default): validate fails | error |
    | Flyway with `outOfOrder=true` in `flyway.toml`/`flyway.conf` | applied | warning |
    | golang-migrate | never applied: it runs only versions above the current one | error |
    | goose | refused: "found N missing migrations before current version" | error |
    | goose with `-allow-missing`, `WithAllowMissing` or `WithAllowOutofOrder(true)` committed | applied | warning |
    | dbmate | applied | warning |
    | dbmate with `--strict` or `DBMATE_STRICT` committed | refused: "migration … is out of order …" | error |
    | Atlas (`exec_order` linear, the default) | refused: "migration file … was added out of order" | error |
    | Atlas `exec_order` linear-skip (`atlas.hcl` or `--exec-order`) | skipped | error |
    | Atlas `exec_order` non-linear | applied | warning |
    | drizzle 0.x: a new journal entry whose `when` is not later than the newest merged one | never applied | error |
    | sqlx, sql-migrate, Diesel, pop, Prisma, drizzle 1.0 | applied | warning |
    | Sqitch: a new change placed in `sqitch.plan` before merged ones | refused: "Cannot find change …" | error |
    | `pattern` | unknown | warning |

    Liquibase runs changesets in changelog order; it has no versions to
    compare. When the repository does not hold the setting, the message says
    which default was assumed.

    ## Why is this bad?
    With `outOfOrder=false` (Flyway's default) a migration below the highest
    applied version is never run: `flyway validate` (and so `migrate`, which
    validates first) fails with "Detected resolved migration not applied to
    database", or the migration is silently skipped where `ignored` migrations
    are allowed. golang-migrate only moves forward from the current version,
    so it never applies it; drizzle 0.x skips a journal entry older than the
    last applied one; goose and Atlas stop the deploy; sqlx, Diesel and pop
    apply it, but after migrations that were written later. It happens when
    another branch merged a higher version first.

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

    def check_change_set(self, ctx: ChangeSetContext) -> Iterator[Finding]:
        if ctx.config.out_of_order == "allow":
            return
        merged = [(m, m.version) for m in ctx.merged if m.kind == "versioned" and m.version is not None]
        base = ctx.base.short if ctx.base is not None else "?"
        out_of_order: list[tuple[MigrationFile, Version, str, RunnerFacts | None, MigrationFile, Version]] = []
        for change in ctx.changes:
            current = change.current
            if not change.is_new or current is None or current.version is None:
                continue
            layout = current.layout or ctx.config.layout
            facts = ctx.runners.get(current.location)
            if layout in ("liquibase", "sqitch") or (layout == "drizzle" and _drizzle_major(facts) == 0):
                continue  # ordered by changelog, plan or journal: below
            classic = layout in ("flyway", "up-down")
            pool = [(m, v) for m, v in merged if classic or m.location == current.location]
            if not pool:
                continue
            highest, top = max(pool, key=lambda item: (item[1].key, item[0].display))
            if current.version in {v for _, v in pool} or not current.version < top:
                continue
            out_of_order.append((current, current.version, layout, facts, highest, top))
        for current, version, layout, facts, highest, top in out_of_order:
            if layout in _NAMED:  # the runner's version is the migration's name: it sorts, it is not numbered
                lead = f"migration {version} is new here but sorts before migration {top} "
            else:
                lead = f"version {version} is new here but below version {top} "
            lead += f"({highest.display}), merged on the base ({base}): "
            if layout in ("flyway", "up-down"):
                yield from self._classic(layout, facts, lead, current)
                continue
            count = sum(1 for other, *_ in out_of_order if other.location == current.location)
            consequence, severity = _consequence(layout, facts, current, top, count)
            yield self.finding(lead + consequence, path=current.display, severity=severity)
        for facts in sorted(ctx.runners.values(), key=lambda f: f.display):
            yield from self._journal(facts, base)
            yield from self._plan(facts, base)
        for state in ctx.database or ():
            if state.state == "ignored" and state.migration is not None:
                yield self.finding(
                    f"version {state.migration.version} is not applied to the database, but a higher version is: "
                    "with outOfOrder=false Flyway reports it as ignored and its validate fails",
                    path=state.migration.display,
                )

    def _classic(self, layout: str, facts: RunnerFacts | None, lead: str, current: MigrationFile) -> Iterator[Finding]:
        setting = facts.setting("outOfOrder") if facts is not None else None
        if layout == "flyway" and setting is not None and setting.value == "true":
            yield self.finding(
                lead + f"outOfOrder=true ({setting.source}) makes Flyway apply it on databases already past that "
                "version, after migrations written later",
                path=current.display,
                severity=Severity.WARNING,
            )
            return
        consequence = (
            "with outOfOrder=false Flyway never runs it and its validate fails"
            if layout == "flyway"
            else "golang-migrate never applies it on databases already past that version; "
            "Diesel and pop apply it there out of order"
        )
        yield self.finding(lead + consequence, path=current.display)

    def _journal(self, facts: RunnerFacts, base: str) -> Iterator[Finding]:
        """drizzle 0.x: a new journal entry runs only when its ``when`` is later than the newest applied one."""
        for entry in facts.journal_added:
            if entry.when > entry.newest_merged_when:
                continue
            yield self.finding(
                f"journal entry {entry.tag} is new here but its `when` ({entry.when}) is not later than the newest "
                f"merged entry's ({entry.newest_merged_tag}, {entry.newest_merged_when}), merged on the base "
                f"({base}): drizzle's migrator runs only entries whose `when` is later than the newest "
                "applied one, so it silently never applies this migration on databases already past it",
                help="regenerate it (drizzle-kit generate), or give its entry a `when` later than any merged one",
                path=facts.journal_display,
                offset=entry.offset,
            )

    def _plan(self, facts: RunnerFacts, base: str) -> Iterator[Finding]:
        """Sqitch: a change inserted in the plan before merged changes."""
        for item in facts.sqitch:
            if item.kind != "inserted":
                continue
            yield self.finding(
                f"change {item.inserted} is new here but placed in {facts.plan_display} before change {item.change}, "
                f"merged on the base ({base}): every later change ID hashes its parent, so `sqitch deploy` "
                "stops on every database that deployed the merged plan "
                f'("Cannot find change {item.last_id} ({item.last_change}) in {_file_name(facts.plan_display)}")',
                help="move the new change to the end of the plan",
                path=item.path,
                offset=item.offset,
            )


#: Runners whose version is the migration's file or folder name.
_NAMED = ("sql-migrate", "prisma", "drizzle")


def _drizzle_major(facts: RunnerFacts | None) -> int | None:
    return facts.drizzle_major if facts is not None else None


def _file_name(display: str | None) -> str:
    return (display or "sqitch.plan").rsplit("/", 1)[-1]


def _assumed(what: str) -> str:
    return f"(assumed: {what} is not in the repository)"


def _consequence(
    layout: str, facts: RunnerFacts | None, current: MigrationFile, top: Version, count: int
) -> tuple[str, Severity]:
    """What the runner does with it, and the level that follows."""
    name = {"goose": "allow-missing", "dbmate": "strict", "atlas": "exec_order"}.get(layout)
    setting = facts.setting(name) if facts is not None and name is not None else None
    if layout == "golang-migrate":
        return (
            "golang-migrate never applies it on databases already past that version (it runs only versions above "
            "the database's current one)",
            Severity.ERROR,
        )
    if layout == "goose":
        return _goose(setting, top, count)
    if layout == "dbmate":
        return _dbmate(setting, current, top)
    if layout == "atlas":
        return _atlas(setting, current)
    if layout == "drizzle":
        return "drizzle 1.0 applies it there anyway (it selects migrations by folder name)", Severity.WARNING
    if layout == "prisma":
        return (
            "`prisma migrate deploy` applies it there anyway (it selects migrations by folder name)",
            Severity.WARNING,
        )
    known = {"sqlx": "sqlx", "sql-migrate": "sql-migrate", "diesel": "Diesel", "pop": "pop"}
    if layout in known:
        return f"{known[layout]} applies it there anyway, after migrations written later", Severity.WARNING
    return (
        f"the gate does not know what your runner does with it (layout {layout}): it may apply it out of order, "
        "skip it or refuse to migrate",
        Severity.WARNING,
    )


def _goose(setting: RunnerSetting | None, top: Version, count: int) -> tuple[str, Severity]:
    if setting is not None:
        return (
            f"goose applies it out of order there (allow-missing: {setting.source})",
            Severity.WARNING,
        )
    return (
        "goose refuses to migrate databases already past that version "
        f'("error: found {count} missing migrations before current version {top}") unless it runs '
        "with -allow-missing " + _assumed("-allow-missing, WithAllowMissing or WithAllowOutofOrder"),
        Severity.ERROR,
    )


def _dbmate(setting: RunnerSetting | None, current: MigrationFile, top: Version) -> tuple[str, Severity]:
    if setting is not None:
        return (
            f"dbmate --strict ({setting.source}) refuses it (\"migration `{current.version}` is out of order "
            "with already applied migrations, the version number has to be higher than the applied migration "
            f'`{top}` in --strict mode")',
            Severity.ERROR,
        )
    return (
        "dbmate applies it there anyway, after migrations written later " + _assumed("--strict or DBMATE_STRICT"),
        Severity.WARNING,
    )


def _atlas(setting: RunnerSetting | None, current: MigrationFile) -> tuple[str, Severity]:
    order = setting.value if setting is not None else "linear"
    where = f"exec_order {order} ({setting.source})" if setting is not None else _assumed("exec_order")
    if order == "non-linear":
        return f"Atlas applies it there anyway ({where})", Severity.WARNING
    if order == "linear-skip":
        return f"Atlas silently skips it on databases already past that version ({where})", Severity.ERROR
    return (
        f'Atlas refuses to apply it ("migration file {current.name} was added out of order. See: '
        f'https://atlasgo.io/versioned/apply#non-linear-error") {where}',
        Severity.ERROR,
    )
