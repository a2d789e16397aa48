from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, def_elems
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class ExtensionChanged(StatementRule):
    """`ALTER EXTENSION … UPDATE` or `… DROP <member>` (strict preset).

    ## What it does
    Flags `ALTER EXTENSION … UPDATE [TO …]` and `ALTER EXTENSION … DROP
    <object>` of an extension not created earlier in the same migration.
    Off in `recommended`, a warning in `strict`. `SET SCHEMA` is
    `moved-to-schema`'s; adding a member is not reported.

    Not reported: rollback scripts.

    ## Why is this bad?
    An update replaces the extension's functions, types and operators with
    another version's under the running release (changed results, removed or
    renamed functions); dropping a member takes it out of the extension,
    so a later `DROP EXTENSION` or upgrade no longer manages it.

    Level: off in `recommended`: extension upgrades are planned operations;
    `strict` asks for a look.

    ## Example
    ```sql
    ALTER EXTENSION postgis UPDATE TO '3.4.0';
    ```

    ## Use instead
    ```sql
    -- upgrade extensions as an operation of its own, tested against the running release; in a migration:
    -- migration-gate: ignore extension-changed -- 3.4.0 tested against releases 41 and 42
    ALTER EXTENSION postgis UPDATE TO '3.4.0';
    ```
    """

    code = "MG625"
    name = "extension-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-alter-extension",)
    alias_notes = {
        "ban-alter-extension": "not reported for an extension created earlier in the migration",
    }
    node_types = ("AlterExtensionStmt", "AlterExtensionContentsStmt")
    help = "upgrade extensions as a separate, tested operation"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        name = node.get("extname", "?")
        if undoing(ctx) or ctx.is_new_object("extension", name):
            return
        if ctx.statement.kind == "AlterExtensionStmt":
            version = def_elems(node.get("options")).get("new_version", {}).get("arg", {}).get("String", {}).get("sval")
            target = f" to {version}" if version else ""
            yield self.finding(f"updating extension {name}{target} replaces its objects under {RUNNING}")
        elif node.get("action") == -1:
            yield self.finding(f"dropping a member of extension {name} changes what the extension manages")
