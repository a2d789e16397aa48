from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import SCAN, Finding
from ..lockmodes import ACCESS_EXCLUSIVE
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import column_ref, lock_phrase


class SetNotNullOnExistingColumn(StatementRule):
    """`ALTER COLUMN … SET NOT NULL` on an existing table scans it under ACCESS EXCLUSIVE.

    ## What it does
    Flags `SET NOT NULL` on a table that already exists, unless a validated
    `CHECK (column IS NOT NULL)` constraint was added earlier in the migration
    and the target is PostgreSQL 12+ (which then skips the scan).

    ## Why is this bad?
    PostgreSQL reads every row to prove there is no NULL while it holds an
    ACCESS EXCLUSIVE lock: no query can read or write the table until the scan
    ends. Setting NOT NULL right after a backfill, in the same transaction, is
    the classic outage.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN preferences SET NOT NULL;
    ```

    ## Use instead
    ```sql
    -- migration 1
    ALTER TABLE users ADD CONSTRAINT users_preferences_not_null CHECK (preferences IS NOT NULL) NOT VALID;
    -- migration 2 (SHARE UPDATE EXCLUSIVE: reads and writes continue)
    ALTER TABLE users VALIDATE CONSTRAINT users_preferences_not_null;
    ALTER TABLE users ALTER COLUMN preferences SET NOT NULL;
    ALTER TABLE users DROP CONSTRAINT users_preferences_not_null;
    ```
    """

    code = "MG107"
    name = "set-not-null-on-existing-column"
    level = Severity.ERROR
    aliases = ("adding-not-nullable-field",)
    alias_notes = {
        "adding-not-nullable-field": "only a validated CHECK (column IS NOT NULL) skips the scan (squawk accepts any "
        "earlier VALIDATE on the table); not reported on tables created earlier in the migration",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_SetNotNull",)
    help = (
        "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL "
        "(PostgreSQL 12+ uses the validated check and skips the scan) and drop the check"
    )

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("subtype") != "AT_SetNotNull":
            return
        table = ctx.table
        if ctx.is_new_table(table):
            return
        column = node.get("name")
        if ctx.pg_version >= 12 and ctx.not_null_proven(table, column):
            return
        if any(effect.table == table and effect.rewrite for effect in ctx.locks):
            return  # the same ALTER TABLE rewrites the table: the check rides on the rewrite (one finding)
        yield self.finding(
            f"SET NOT NULL on {column_ref(table, column)} scans the whole table while holding "
            f"{lock_phrase(ACCESS_EXCLUSIVE, table)}",
            table=table,
            hazard=SCAN,
        )
