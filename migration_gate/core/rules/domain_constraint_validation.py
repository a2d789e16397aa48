from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import domain_name

if TYPE_CHECKING:
    from ..context import StatementContext

_WHAT = {"C": "ADD CONSTRAINT", "O": "SET NOT NULL", "V": "VALIDATE CONSTRAINT"}


class DomainConstraintValidation(StatementRule):
    """`ALTER DOMAIN` that checks every row of every table using the domain, blocking their writes.

    ## What it does
    Flags `ALTER DOMAIN … ADD CONSTRAINT` (without `NOT VALID`),
    `ALTER DOMAIN … SET NOT NULL` and `ALTER DOMAIN … VALIDATE CONSTRAINT` on
    a domain that exists before the migration.

    ## Why is this bad?
    PostgreSQL checks the new rule against every column of every table that
    uses the domain, holding a SHARE lock on each of those tables while it
    reads all their rows: their writes wait for the whole scan. Checked on
    PostgreSQL 15 (a table `u` with a column of domain `d`): `ADD CONSTRAINT …
    CHECK`, `SET NOT NULL` and `VALIDATE CONSTRAINT` each take SHARE on `u`
    and scan it once; `ADD CONSTRAINT … NOT VALID` takes no lock on `u` and
    does not scan. Unlike a table's `VALIDATE CONSTRAINT` (SHARE UPDATE
    EXCLUSIVE), validating a domain constraint later blocks writes too: there
    is no online path. Which tables use the domain is not in the migration,
    and the message says so. `new-write-restriction` reports the
    compatibility side (writes that now fail) separately.

    Level: a warning in `recommended` (the migration does not show which
    tables use the domain, possibly none), an error in `strict`.

    ## Example
    ```sql
    ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);
    ```

    ## Use instead
    ```sql
    -- constrain the columns instead: NOT VALID, then VALIDATE (SHARE UPDATE EXCLUSIVE, writes continue)
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
    ```
    """

    code = "MG122"
    name = "domain-constraint-validation"
    level = Severity.WARNING
    strict_level = Severity.ERROR
    aliases = ("ban-alter-domain-with-add-constraint",)
    alias_notes = {
        "ban-alter-domain-with-add-constraint": "ADD CONSTRAINT … NOT VALID is not reported (no lock, no scan; the "
        "write restriction is `new-write-restriction`'s); SET NOT NULL and VALIDATE CONSTRAINT, which scan the same "
        "way, are; not reported for domains created earlier in the migration",
    }
    node_types = ("AlterDomainStmt",)
    help = "put the constraint on the table columns (ADD … NOT VALID, then VALIDATE) rather than on the domain"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        subtype = node.get("subtype", "")
        what = _WHAT.get(subtype)
        if what is None:
            return
        if subtype == "C" and node.get("def", {}).get("Constraint", {}).get("skip_validation"):
            return  # NOT VALID: no lock, no scan
        domain = domain_name(node)
        if ctx.is_new_object("domain", domain):
            return
        yield self.finding(
            f"ALTER DOMAIN {display_name(domain)} {what} checks every row of every table with a column of this "
            "domain, holding a SHARE lock (blocks writes; reads continue) on each while it scans; which tables "
            "use the domain is not in this migration",
            at=node.get("def"),
        )
