from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class CompositeAttributeAdded(StatementRule):
    """`ALTER TYPE … ADD ATTRIBUTE` to an existing composite type (off by default).

    ## What it does
    Flags `ALTER TYPE … ADD ATTRIBUTE` on a composite type that exists before
    the migration. Off in `recommended`, info in `strict`.

    Not reported: rollback scripts and types created earlier in the same
    migration.

    ## Why is this bad?
    Clients that read the type's values as a row, by position (a record
    literal, a driver's composite mapping), see one more field than they
    were built for.

    Level: off in `recommended`, info in `strict`, like `added-column`.

    ## Example
    ```sql
    ALTER TYPE address ADD ATTRIBUTE zip text;
    ```

    ## Use instead
    ```sql
    -- make the readers tolerate the extra field first; then:
    -- migration-gate: ignore composite-attribute-added -- address is read by name only
    ALTER TYPE address ADD ATTRIBUTE zip text;
    ```
    """

    code = "MG614"
    name = "composite-attribute-added"
    level = Severity.OFF
    strict_level = Severity.INFO
    aliases = ("ban-add-composite-attribute",)
    alias_notes = {
        "ban-add-composite-attribute": "not reported for types created earlier in the migration, nor in rollback "
        "scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = ("AT_AddColumn",)
    help = "make every deployed release read the type by field name before adding an attribute"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx) or ctx.statement.node.get("objtype") != "OBJECT_TYPE":
            return
        composite = ctx.table
        if ctx.is_new_object("type", composite):
            return
        column = node.get("def", {}).get("ColumnDef", {})
        yield self.finding(
            f"adding attribute {column.get('colname')} to type {display_name(composite)}: {RUNNING} reads its "
            "values with one field more than it was built for",
            at={"ColumnDef": column},
        )
