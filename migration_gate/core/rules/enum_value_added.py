from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class EnumValueAdded(StatementRule):
    """`ALTER TYPE … ADD VALUE` to an existing enum (off by default; squawk's `ban-add-enum-value`).

    ## What it does
    Flags `ALTER TYPE … ADD VALUE` on an enum that exists before the
    migration. Off in `recommended`, info in `strict`.

    Not reported: rollback scripts and enums created earlier in the same
    migration.

    ## Why is this bad?
    The running release was built for the old set of labels: once the new
    release writes the new value, the old one reads a label its code does not
    know (an unmatched `switch`, a failed deserialisation). The statement
    itself takes no lock on the tables using the enum and rewrites nothing.

    Level: off in `recommended`, info in `strict`: adding a value is the
    expand step; what matters is that readers tolerate unknown labels.

    ## Example
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    ```

    ## Use instead
    ```sql
    -- release N tolerates unknown labels; then:
    -- migration-gate: ignore enum-value-added -- readers map unknown statuses to 'other' since release 41
    ALTER TYPE order_status ADD VALUE 'refunded';
    ```
    """

    code = "MG613"
    name = "enum-value-added"
    level = Severity.OFF
    strict_level = Severity.INFO
    aliases = ("ban-add-enum-value",)
    alias_notes = {
        "ban-add-enum-value": "not reported for enums created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("AlterEnumStmt",)
    help = "make every deployed release tolerate labels it does not know before adding one"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx) or node.get("oldVal") is not None or node.get("newVal") is None:
            return  # RENAME VALUE: renamed-object
        enum = qualified_from_names(name_list(node.get("typeName")))
        if ctx.is_new_object("type", enum):
            return
        yield self.finding(
            f"adding {node['newVal']!r} to enum {display_name(enum)}: {RUNNING} may read a label it does not know"
        )
