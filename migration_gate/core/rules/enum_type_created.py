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


class EnumTypeCreated(StatementRule):
    """`CREATE TYPE … AS ENUM` (strict preset, info).

    ## What it does
    Flags `CREATE TYPE … AS ENUM`. Off in `recommended`, info in `strict`
    (eugene's W13).

    ## Why is this bad?
    Enum labels can be added (`ALTER TYPE … ADD VALUE`) and renamed, but never
    removed or reordered without creating a new type and rewriting every
    column that uses it under ACCESS EXCLUSIVE. A lookup table with a
    foreign key, or a `text` column with a `CHECK`, can be changed online.

    Level: off in `recommended` (enums are a fine choice for sets that only
    grow); info in `strict`, as a reminder.

    ## Example
    ```sql
    CREATE TYPE order_status AS ENUM ('pending', 'paid');
    ```

    ## Use instead
    ```sql
    CREATE TABLE order_statuses (name text PRIMARY KEY);
    INSERT INTO order_statuses VALUES ('pending'), ('paid');
    ```
    """

    code = "MG508"
    family = "style"
    name = "enum-type-created"
    level = Severity.OFF
    strict_level = Severity.INFO
    node_types = ("CreateEnumStmt",)
    help = "for a set that may shrink or change order, prefer a lookup table or a CHECK constraint"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        name = qualified_from_names(name_list(node.get("typeName")))
        yield self.finding(
            f"enum {display_name(name)}: its labels can never be removed or reordered without rewriting every "
            "column that uses it"
        )
