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


class EnumValueWithoutPosition(StatementRule):
    """`ALTER TYPE … ADD VALUE` without `BEFORE` or `AFTER` (strict preset, info).

    ## What it does
    Flags `ALTER TYPE … ADD VALUE` that does not say where the label goes.
    Off in `recommended`, info in `strict`.

    ## Why is this bad?
    An enum sorts by the position of its labels, not alphabetically: a label
    added without `BEFORE`/`AFTER` goes last, which changes `ORDER BY`,
    `<`/`>` comparisons and range checks on the column when "last" is not
    where it belongs. The statement itself is cheap (no table lock, no
    rewrite; checked on PostgreSQL 15).

    Level: off in `recommended`: appending is usually what is meant; info in
    `strict`, to make the position explicit.

    ## Example
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    ```

    ## Use instead
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded' AFTER 'paid';
    ```
    """

    code = "MG510"
    family = "style"
    name = "enum-value-without-position"
    level = Severity.OFF
    strict_level = Severity.INFO
    aliases = ("require-enum-value-ordering",)
    node_types = ("AlterEnumStmt",)
    help = "say where the label goes with BEFORE or AFTER"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if node.get("oldVal") is not None or node.get("newVal") is None or node.get("newValNeighbor"):
            return
        enum = display_name(qualified_from_names(name_list(node.get("typeName"))))
        yield self.finding(
            f"{node['newVal']!r} goes after every other label of {enum}: enums sort by label position, so "
            "ORDER BY and comparisons put it last"
        )
