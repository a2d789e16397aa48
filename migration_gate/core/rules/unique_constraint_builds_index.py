from __future__ import annotations

from collections.abc import Iterator

from ..context import StatementContext
from ..findings import INDEX_BUILD, Finding
from ..lockmodes import ACCESS_EXCLUSIVE
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .rulekit import added_constraints, lock_phrase

_KINDS = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}  # EXCLUDE: exclusion-constraint-builds-index


class UniqueConstraintBuildsIndex(StatementRule):
    """`ADD UNIQUE` / `ADD PRIMARY KEY` on an existing table builds its index under ACCESS EXCLUSIVE.

    ## What it does
    Flags `ADD [CONSTRAINT …] UNIQUE (…)` and `PRIMARY KEY (…)` constraints
    (and `ADD COLUMN … UNIQUE | PRIMARY KEY`) on an existing table unless they
    reuse an existing index with `USING INDEX`. `EXCLUDE` constraints, which
    have no such way out, are `exclusion-constraint-builds-index`'s.

    ## Why is this bad?
    The constraint builds a new index while holding an ACCESS EXCLUSIVE lock:
    reads and writes wait for the whole build. Building the index with
    `CREATE UNIQUE INDEX CONCURRENTLY` first and attaching it with
    `USING INDEX` takes the lock only for a moment.

    ## Example
    ```sql
    ALTER TABLE products ADD CONSTRAINT uq_products_sku UNIQUE (sku);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY uq_products_sku_idx ON products (sku);
    -- in the next migration:
    ALTER TABLE products ADD CONSTRAINT uq_products_sku UNIQUE USING INDEX uq_products_sku_idx;
    ```
    """

    code = "MG113"
    name = "unique-constraint-builds-index"
    level = Severity.ERROR
    aliases = ("disallowed-unique-constraint", "adding-serial-primary-key-field", "constraint-missing-not-valid")
    alias_notes = {
        "disallowed-unique-constraint": "tables created earlier in the migration (CREATE TABLE AS and SELECT INTO "
        "too) are exempt in every transaction mode, ADD COLUMN … UNIQUE on them included",
        "adding-serial-primary-key-field": "every added primary key, serial or not (as squawk does, despite the name); "
        "not reported on tables created earlier in the migration or change set",
        "constraint-missing-not-valid": "for UNIQUE and PRIMARY KEY squawk's NOT VALID advice is impossible "
        "(PostgreSQL rejects it): the fix is CREATE UNIQUE INDEX CONCURRENTLY + USING INDEX",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddConstraint", "AT_AddColumn")
    help = "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE/PRIMARY KEY USING INDEX <index>"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        constraints = added_constraints(node)
        table = ctx.table
        if not constraints or ctx.is_new_table(table):
            return
        for wrapped in constraints:
            con = wrapped.get("Constraint", {})
            kind = _KINDS.get(con.get("contype"))
            if kind is None or con.get("indexname"):
                continue
            yield self.finding(
                f"{kind} constraint builds a new index while holding {lock_phrase(ACCESS_EXCLUSIVE, table)}",
                at=wrapped,
                table=table,
                hazard=INDEX_BUILD,
            )
