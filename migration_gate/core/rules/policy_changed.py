from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..severity import Severity
from ..sqlnodes import Node, qualified_name
from .base import StatementRule
from .compat import RUNNING, shown, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

CHANGES = ("create", "roles", "condition")


@dataclasses.dataclass(frozen=True)
class PolicyChangedOptions:
    #: Which changes to report: ``create`` (CREATE POLICY), ``roles`` and ``condition`` (ALTER POLICY).
    changes: tuple[str, ...] = CHANGES


class PolicyChanged(StatementRule):
    """`CREATE POLICY` or `ALTER POLICY` on an existing table (strict preset).

    ## What it does
    Flags `CREATE POLICY` on a table that exists before the migration, and
    `ALTER POLICY` that changes the roles (`TO …`) or the condition
    (`USING`, `WITH CHECK`) of a policy that was not created earlier in the
    same migration. The `changes` option narrows it to `create`, `roles`
    or `condition`. Off in `recommended`, a warning in `strict`.
    `DROP POLICY` is `dropped-object`'s, renames `renamed-object`'s.

    Not reported: rollback scripts, tables created earlier in the same
    migration.

    ## Why is this bad?
    With row-level security on, policies decide which rows each query of the
    running release sees and which writes pass: a new permissive policy
    shows it more rows, a restrictive one or a tighter condition fewer, and
    its writes can start failing `WITH CHECK`.

    Level: off in `recommended`: access rules are reviewed as such; `strict`
    asks for a look.

    ## Example
    ```sql
    ALTER POLICY documents_owner ON documents USING (owner = current_user AND NOT archived);
    ```

    ## Use instead
    ```sql
    -- once the running release never needs archived documents:
    -- migration-gate: ignore policy-changed -- archived documents are hidden in the application since release 41
    ALTER POLICY documents_owner ON documents USING (owner = current_user AND NOT archived);
    ```
    """

    code = "MG620"
    name = "policy-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-create-policy", "ban-alter-policy-roles", "ban-alter-policy-condition")
    alias_scopes = {
        "ban-create-policy": ("changes", ("create",)),
        "ban-alter-policy-roles": ("changes", ("roles",)),
        "ban-alter-policy-condition": ("changes", ("condition",)),
    }
    alias_notes = {
        "ban-create-policy": "not reported on tables created earlier in the migration, nor in rollback scripts",
        "ban-alter-policy-roles": "not reported for policies created earlier in the migration, nor in rollback scripts",
        "ban-alter-policy-condition": "not reported for policies created earlier in the migration, nor in rollback "
        "scripts",
    }
    Options = PolicyChangedOptions
    node_types = ("CreatePolicyStmt", "AlterPolicyStmt")
    help = "change access rules only in step with the release that expects them"

    @classmethod
    def validate_options(cls, raw: Mapping[str, Any]) -> None:
        rule: type[StatementRule] = cls  # (mypyc finds the interpreted base's classmethods only through it)
        unknown = sorted(set(rule.make_options(raw).changes) - set(CHANGES))
        if unknown:
            raise ValueError(f"changes: unknown change {unknown[0]!r} (use {', '.join(CHANGES)})")

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        table = qualified_name(node.get("table"))
        policy = node.get("policy_name")
        changes = self.options.changes
        if ctx.statement.kind == "CreatePolicyStmt":
            if "create" in changes and not ctx.is_new_table(table):
                yield self.finding(
                    f"new policy {policy} on {shown(table)} changes which rows {RUNNING} sees and may write"
                )
            return
        if ctx.is_new_table(table) or ctx.is_new_object("policy", f"{table}.{policy}"):
            return
        changed = [
            what
            for what, present in (
                ("roles", node.get("roles")),
                ("condition", node.get("qual") or node.get("with_check")),
            )
            if present and what in changes
        ]
        if changed:
            yield self.finding(
                f"changing the {' and '.join(changed)} of policy {policy} on {shown(table)} changes which rows "
                f"{RUNNING} sees and may write"
            )
