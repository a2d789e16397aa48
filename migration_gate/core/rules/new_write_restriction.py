from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .compat import RUNNING, domain_name, existing_relation, relation_kind, shown, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext

_KINDS = {
    "CONSTR_CHECK": "CHECK",
    "CONSTR_FOREIGN": "FOREIGN KEY",
    "CONSTR_UNIQUE": "UNIQUE",
    "CONSTR_PRIMARY": "PRIMARY KEY",
    "CONSTR_EXCLUSION": "EXCLUDE",
    "CONSTR_NOTNULL": "NOT NULL",
}
_GENERATES = {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}
_SERIALS = {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"}


class NewWriteRestriction(StatementRule):
    """A new constraint, `NOT NULL` or unique index that can reject the running release's writes (strict preset).

    ## What it does
    On a table that exists before the migration, flags `ADD CONSTRAINT`
    (`CHECK`, `FOREIGN KEY`, `UNIQUE`, `PRIMARY KEY`, `EXCLUDE`, `NOT NULL`;
    `NOT VALID` too), `ALTER COLUMN … SET NOT NULL`, `ADD COLUMN … NOT NULL`
    or `PRIMARY KEY` without a default, `ALTER CONSTRAINT … ENFORCED` or
    `INITIALLY IMMEDIATE` / `NOT DEFERRABLE`, and `CREATE UNIQUE INDEX`
    (`CONCURRENTLY` too); on an existing domain, `ADD CONSTRAINT` and
    `SET NOT NULL`. Off in `recommended`, a warning in `strict`.

    Not reported: rollback scripts, tables and domains created earlier in the
    same migration, foreign tables (PostgreSQL does not enforce constraints
    on them), and constraints of a newly added column that the running
    release cannot violate (it does not know the column: it writes NULL or
    the default, which `CHECK`, `UNIQUE` and `REFERENCES` accept).

    ## Why is this bad?
    The release still running during the deploy was never tested against the
    new rule: its writes that violate it now fail. `NOT VALID` only skips
    checking the rows already there; every new write is checked. This is a
    compatibility reason, separate from the locks such a statement takes
    (`check-constraint-without-not-valid`, `set-not-null-on-existing-column`,
    … report those).

    Level: off in `recommended`: adding constraints is how schemas are made
    safer, and usually the application already obeys the rule; `strict` asks
    for a look at each one.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
    ```

    ## Use instead
    ```sql
    -- once every deployed release writes positive totals:
    -- migration-gate: ignore new-write-restriction -- totals validated in the application since release 41
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
    ```
    """

    code = "MG615"
    name = "new-write-restriction"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-new-write-restriction",)
    alias_notes = {
        "ban-new-write-restriction": "foreign tables are not reported (PostgreSQL does not enforce their constraints), "
        "nor constraints of a new column that old writes cannot violate (REFERENCES, CHECK, UNIQUE; NOT NULL or "
        "PRIMARY KEY with a default); DEFERRABLE INITIALLY DEFERRED loosens and is not reported",
    }
    node_types = ("AlterTableCmd", "AlterDomainStmt", "IndexStmt")
    subtypes = ("AT_AddConstraint", "AT_SetNotNull", "AT_AddColumn", "AT_AlterConstraint")
    help = "make sure every deployed release already obeys the new rule before adding it"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        kind = ctx.statement.kind
        if kind == "AlterDomainStmt":
            yield from self._domain(node, ctx)
            return
        if kind == "IndexStmt":
            yield from self._unique_index(node, ctx)
            return
        if relation_kind(ctx) != "table":
            return
        existing = existing_relation(ctx)
        if existing is None:
            return
        table = existing
        subtype = node.get("subtype")
        if subtype == "AT_AddConstraint":
            con = node.get("def", {}).get("Constraint", {})
            label = _KINDS.get(con.get("contype", ""))
            if label is not None and not con.get("indexname"):  # USING INDEX: the unique index restricted already
                name = f" {con['conname']}" if con.get("conname") else ""
                yield self.finding(
                    f"{label}{name} on {shown(table)}: writes of {RUNNING} that violate it now fail "
                    "(NOT VALID only skips the existing rows)",
                    at=node.get("def"),
                )
        elif subtype == "AT_SetNotNull":
            yield self.finding(
                f"SET NOT NULL on {column_ref(table, node.get('name'))}: writes of {RUNNING} that store NULL now fail"
            )
        elif subtype == "AT_AddColumn":
            column = node.get("def", {}).get("ColumnDef", {})
            kinds = {c.get("Constraint", {}).get("contype") for c in column.get("constraints", ())}
            names = [n.get("String", {}).get("sval", "") for n in column.get("typeName", {}).get("names", ())]
            generated = kinds & _GENERATES or (names and names[-1] in _SERIALS)
            if kinds & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"} and not generated:
                yield self.finding(
                    f"{column_ref(table, column.get('colname'))} is NOT NULL without a default: inserts of {RUNNING}, "
                    "which does not know the column, now fail",
                    at={"ColumnDef": column},
                )
        elif subtype == "AT_AlterConstraint":
            change = node.get("def", {}).get("ATAlterConstraint", {})
            enforce = change.get("alterEnforceability") and change.get("is_enforced")
            sooner = change.get("alterDeferrability") and not change.get("initdeferred")
            if enforce or sooner:
                what = "ENFORCED" if enforce else "checking it at each statement"
                yield self.finding(
                    f"{what} for constraint {change.get('conname')} on {shown(table)}: writes of {RUNNING} that "
                    "passed before can now fail"
                )

    def _domain(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        domain = domain_name(node)
        if node.get("subtype") in ("C", "O") and not ctx.is_new_object("domain", domain):
            what = "NOT NULL" if node["subtype"] == "O" else "a new constraint"
            yield self.finding(
                f"{what} on domain {shown(domain)}: writes of {RUNNING} that violate it now fail "
                "(NOT VALID only skips the existing rows)"
            )

    def _unique_index(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        table = qualified_name(node.get("relation"))
        if node.get("unique") and not ctx.is_new_table(table):
            index = f"unique index {node['idxname']}" if node.get("idxname") else "a unique index"
            yield self.finding(f"{index} on {display_name(table)}: writes of {RUNNING} that duplicate a value now fail")
