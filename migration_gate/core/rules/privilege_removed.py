from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, qualified_name, unwrap
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext


class PrivilegeRemoved(StatementRule):
    """`REVOKE`, `OWNER TO`, `DROP ROLE`, … can take access away from the running application (strict preset).

    ## What it does
    Flags `REVOKE` (and `ALTER DEFAULT PRIVILEGES … REVOKE`), ownership
    changes (`ALTER … OWNER TO`, `REASSIGN OWNED`), `DROP OWNED`,
    `DROP ROLE` / `DROP USER`, and `ALTER GROUP … DROP USER`. Off in
    `recommended`, a warning in `strict`.

    Not reported: rollback scripts, and `REVOKE` or `OWNER TO` on tables
    created earlier in the same migration (locking down a new table is how
    it should start).

    ## Why is this bad?
    The running release connects as some role: once that role loses a
    privilege, a membership or the ownership it relied on, its queries fail
    with `permission denied`. Ownership also decides who may alter the
    object and, for `SECURITY DEFINER` functions, with whose rights they run.

    Level: off in `recommended`: privileges are usually managed deliberately;
    `strict` asks for a look.

    ## Example
    ```sql
    REVOKE UPDATE ON orders FROM reporting;
    ```

    ## Use instead
    ```sql
    -- once no deployed release connecting as reporting updates orders:
    -- migration-gate: ignore privilege-removed -- reporting is read-only since release 41
    REVOKE UPDATE ON orders FROM reporting;
    ```
    """

    code = "MG621"
    name = "privilege-removed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-revoke",)
    alias_notes = {
        "ban-revoke": "REVOKE and OWNER TO on tables created earlier in the migration are not reported, nor rollback "
        "scripts",
    }
    node_types = (
        "GrantStmt",
        "AlterDefaultPrivilegesStmt",
        "AlterOwnerStmt",
        "AlterTableCmd",
        "ReassignOwnedStmt",
        "DropOwnedStmt",
        "DropRoleStmt",
        "AlterRoleStmt",
    )
    subtypes = ("AT_ChangeOwner",)
    help = "take access away only from roles no deployed release uses for it"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        kind = ctx.statement.kind
        if kind == "GrantStmt":
            if node.get("is_grant"):
                return
            tables = [
                qualified_name(o)
                for o in node.get("objects", ())
                if node.get("objtype") == "OBJECT_TABLE" and "RangeVar" in o
            ]
            if tables and all(ctx.is_new_table(t) for t in tables):
                return
            yield self.finding(f"REVOKE takes privileges away that {RUNNING} may use")
        elif kind == "AlterDefaultPrivilegesStmt":
            if not node.get("action", {}).get("is_grant"):
                yield self.finding(
                    f"revoking default privileges: objects created from now on are closed to roles {RUNNING} may use"
                )
        elif kind in ("AlterOwnerStmt", "AlterTableStmt"):  # AlterTableStmt: its OWNER TO command
            if kind == "AlterTableStmt" and ctx.is_new_table(ctx.table):
                return
            yield self.finding(
                f"changing the owner changes who may use and alter the object, which {RUNNING} may rely on"
            )
        elif kind == "ReassignOwnedStmt":
            yield self.finding(f"REASSIGN OWNED moves ownership {RUNNING} may rely on")
        elif kind == "DropOwnedStmt":
            yield self.finding(
                f"DROP OWNED drops the role's objects and revokes its privileges, which {RUNNING} may use"
            )
        elif kind == "DropRoleStmt":
            names = ", ".join(_role(r) for r in node.get("roles", ()))
            yield self.finding(f"dropping role {names}: connections of {RUNNING} as it fail")
        elif kind == "AlterRoleStmt" and node.get("action") == -1:
            yield self.finding(
                f"removing members from role {_role(node.get('role'))} takes away privileges {RUNNING} may use"
            )


def _role(spec: Node | None) -> str:
    _, role = unwrap(spec) if spec and "RoleSpec" in spec else ("", spec or {})
    return str(role.get("rolename") or role.get("roletype", "?").replace("ROLESPEC_", "").lower())
