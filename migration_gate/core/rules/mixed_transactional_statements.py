from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule


class MixedTransactionalStatements(FileRule):
    """A Flyway migration mixes non-transactional and transactional statements.

    ## What it does
    In `transaction: flyway` mode (the default for the Flyway layout), flags a
    file that contains a statement Flyway detects as non-transactional
    (`CREATE/DROP INDEX CONCURRENTLY`, `VACUUM`, `ALTER SYSTEM`, …) together
    with any other statement, unless the configuration says `mixed: true`
    (Flyway's own `mixed` setting).

    With Flyway's `group = true`, all pending migrations of a deploy form one
    group, and Flyway refuses a group that holds both a migration it runs in a
    transaction and one it cannot ("Detected both transactional and
    non-transactional migrations within the same migration group (even though
    mixed is false)", flyway/flyway `DbMigrate.isExecuteGroupInTransaction`);
    with `mixed = true` it runs the whole group without a transaction. The
    pending migrations are the ones the pull request adds (known with a base).

    ## Why is this bad?
    Flyway refuses to run such a file ("Detected both transactional and
    non-transactional statements within the same migration"). With
    `mixed=true` it runs every statement of the file without a transaction, so
    a failure leaves the migration half applied.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY idx_orders_user_created ON orders (user_id, created_at DESC);
    ANALYZE orders;
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY idx_orders_user_created ON orders (user_id, created_at DESC);
    ```
    """

    code = "MG105"
    family = "transaction"
    name = "mixed-transactional-statements"
    level = Severity.ERROR
    help = "put the non-transactional statements in a migration of their own (or set `mixed: true`)"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.facts
        if ctx.batch is not None and ctx.batch.refusal is not None and facts is not None and ctx.statements:
            first = (facts.flyway_nontransactional or ctx.statements)[0]
            yield self.finding(
                ctx.batch.refusal,
                offset=first.start,
                end_offset=first.end,
                help="deploy this migration on its own (merge it separately from the other pending ones), or "
                "set Flyway's mixed = true (the whole group then runs without a transaction)",
            )
        if (
            facts is None
            or facts.mode != "flyway"
            or ctx.config.settings_for(ctx.migration.location).mixed
            or not facts.flyway_nontransactional
        ):
            return
        others = len(ctx.statements) - len(facts.flyway_nontransactional)
        if others <= 0:
            return
        first = facts.flyway_nontransactional[0]
        yield self.finding(
            f"this non-transactional statement shares the file with {others} transactional "
            f"statement{'s' * (others != 1)}: Flyway refuses to run the migration (mixed is false)",
            offset=first.start,
            end_offset=first.end,
        )
