from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, existing_relation, shown, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

_WHAT = {
    "AT_EnableRowSecurity": ("ENABLE ROW LEVEL SECURITY", "roles without a policy now see and change no rows"),
    "AT_DisableRowSecurity": ("DISABLE ROW LEVEL SECURITY", "every role now sees every row"),
    "AT_ForceRowSecurity": ("FORCE ROW LEVEL SECURITY", "the table's owner is now filtered by its policies too"),
    "AT_NoForceRowSecurity": ("NO FORCE ROW LEVEL SECURITY", "the table's owner now bypasses its policies"),
}


class RowLevelSecurityChanged(StatementRule):
    """Row-level security switched on, off or forced on an existing table (strict preset).

    ## What it does
    Flags `ALTER TABLE … ENABLE | DISABLE | FORCE | NO FORCE ROW LEVEL
    SECURITY` on a table that exists before the migration. Off in
    `recommended`, a warning in `strict`.

    Not reported: rollback scripts and tables created earlier in the same
    migration.

    ## Why is this bad?
    It changes which rows every query of the running release sees: enabled
    without a matching policy, its queries silently return nothing and its
    writes fail; disabled, rows it must not see become visible.

    Level: off in `recommended`: security changes are deliberate and
    reviewed as such; `strict` asks for a look.

    ## Example
    ```sql
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    ```

    ## Use instead
    ```sql
    -- create the policies the running release needs first, then enable it:
    CREATE POLICY documents_owner ON documents USING (owner = current_user);
    -- migration-gate: ignore row-level-security-changed -- policies above cover every role the application uses
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    ```
    """

    code = "MG619"
    name = "row-level-security-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-alter-row-level-security",)
    alias_notes = {
        "ban-alter-row-level-security": "not reported on tables created earlier in the migration, nor in rollback "
        "scripts",
    }
    node_types = ("AlterTableCmd",)
    subtypes = tuple(_WHAT)
    help = "switch row-level security only with the policies every deployed release needs in place"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        table = existing_relation(ctx)
        found = _WHAT.get(node.get("subtype", ""))
        if table is None or found is None:
            return
        words, effect = found
        yield self.finding(f"{words} on {shown(table)} changes which rows {RUNNING} sees: {effect}")
