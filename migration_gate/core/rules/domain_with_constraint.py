from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names
from .base import StatementRule

if TYPE_CHECKING:
    from ..context import StatementContext

_KINDS = {"CONSTR_CHECK": "CHECK", "CONSTR_NOTNULL": "NOT NULL", "CONSTR_NULL": "NULL"}


class DomainWithConstraint(StatementRule):
    """`CREATE DOMAIN` with a `CHECK` or `NOT NULL` constraint (strict preset).

    ## What it does
    Flags `CREATE DOMAIN … CHECK (…)`, `… NOT NULL` and `… NULL`. A collation
    is fine. Off in `recommended`, a warning in `strict`.

    ## Why is this bad?
    Creating the domain is instant. The cost comes later: changing the rule
    means `ALTER DOMAIN … ADD CONSTRAINT` or `VALIDATE`, which check every
    table using the domain while blocking their writes (see
    `domain-constraint-validation`): there is no online path. And a domain's
    `NOT NULL` is not always honoured: PostgreSQL's `CREATE DOMAIN` reference
    (its `NOT NULL` entry, since postgres/postgres commit d800b03) says a value
    of the domain can still become null, through a `LEFT OUTER JOIN` or an
    `INSERT` of a scalar subquery that returns no row. Constraints on the
    table columns can be changed with `NOT VALID` + `VALIDATE`.

    Level: off in `recommended`; `strict` reports it.

    ## Example
    ```sql
    CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);
    ```

    ## Use instead
    ```sql
    CREATE DOMAIN amount AS numeric;
    ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;
    ```
    """

    code = "MG509"
    family = "style"
    name = "domain-with-constraint"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-create-domain-with-constraint",)
    node_types = ("CreateDomainStmt",)
    help = "put the constraint on the table columns, where NOT VALID + VALIDATE can change it online"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        domain = display_name(qualified_from_names(name_list(node.get("domainname"))))
        for wrapped in node.get("constraints", ()):
            kind = _KINDS.get(wrapped.get("Constraint", {}).get("contype", ""))
            if kind is not None:
                yield self.finding(
                    f"domain {domain} has a {kind} constraint: changing it later blocks writes to every table "
                    "using the domain",
                    at=wrapped,
                )
