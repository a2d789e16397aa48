from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, def_elems, name_list, qualified_from_names
from .base import StatementRule
from .compat import RUNNING, existing_relation, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

OBJECTS = ("database", "role", "system", "routine", "view")


@dataclasses.dataclass(frozen=True)
class OptionsChangedOptions:
    #: Whose options to report: database, role, system (ALTER SYSTEM), routine, view.
    objects: tuple[str, ...] = OBJECTS


class OptionsChanged(StatementRule):
    """Settings of a database, role, the server, a function or a view changed (strict preset).

    ## What it does
    Flags `ALTER DATABASE … SET | RESET | WITH <option>`, `ALTER ROLE`/`USER`
    options and `SET`/`RESET` (also `IN DATABASE`), `ALTER SYSTEM`,
    `ALTER FUNCTION | PROCEDURE | ROUTINE` options (`SECURITY DEFINER`,
    volatility, `SET search_path`, `COST`, …) and `ALTER VIEW … SET | RESET
    (…)` (`security_barrier`, `security_invoker`, `check_option`). The
    `objects` option narrows it (`database`, `role`, `system`, `routine`,
    `view`). Renames, owners and schemas have their own rules. Off in
    `recommended`, a warning in `strict`.

    Not reported: rollback scripts, and roles, databases, functions and views
    created earlier in the same migration.

    ## Why is this bad?
    These settings change how the running release's sessions and queries
    behave: a role's `search_path` or `statement_timeout`, `NOLOGIN` or a new
    password, a function that now runs with its owner's rights, a view that
    now checks the caller's privileges. `ALTER SYSTEM` changes the whole
    server (and cannot run inside a transaction block:
    `non-transactional-statement-in-transaction` reports that).

    Level: off in `recommended`: such changes are deliberate operations;
    `strict` asks for a look.

    ## Example
    ```sql
    ALTER ROLE app SET statement_timeout = '5s';
    ```

    ## Use instead
    ```sql
    -- set it where the application connects (its connection settings), or, after review:
    -- migration-gate: ignore options-changed -- every query of the application finishes within 1s
    ALTER ROLE app SET statement_timeout = '5s';
    ```
    """

    code = "MG624"
    name = "options-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = (
        "ban-alter-database-options",
        "ban-alter-role-options",
        "ban-alter-system-options",
        "ban-alter-function-options",
        "ban-alter-view-options",
    )
    alias_scopes = {
        "ban-alter-database-options": ("objects", ("database",)),
        "ban-alter-role-options": ("objects", ("role",)),
        "ban-alter-system-options": ("objects", ("system",)),
        "ban-alter-function-options": ("objects", ("routine",)),
        "ban-alter-view-options": ("objects", ("view",)),
    }
    alias_notes = {
        "ban-alter-database-options": "not reported for a database created earlier in the migration",
        "ban-alter-role-options": "not reported for a role created earlier in the migration",
        "ban-alter-system-options": "that ALTER SYSTEM cannot run in a transaction is "
        "`non-transactional-statement-in-transaction`'s",
        "ban-alter-function-options": "not reported for a function created earlier in the migration",
        "ban-alter-view-options": "not reported for a view created earlier in the migration",
    }
    Options = OptionsChangedOptions
    node_types = (
        "AlterDatabaseStmt",
        "AlterDatabaseSetStmt",
        "AlterRoleStmt",
        "AlterRoleSetStmt",
        "AlterSystemStmt",
        "AlterFunctionStmt",
        "AlterTableCmd",
    )
    subtypes = ("AT_SetRelOptions", "AT_ResetRelOptions")
    help = "change runtime settings outside the deploy, or make sure every deployed release expects them"

    @classmethod
    def validate_options(cls, raw: Mapping[str, Any]) -> None:
        rule: type[StatementRule] = cls  # (mypyc finds the interpreted base's classmethods only through it)
        unknown = sorted(set(rule.make_options(raw).objects) - set(OBJECTS))
        if unknown:
            raise ValueError(f"objects: unknown kind {unknown[0]!r} (use {', '.join(OBJECTS)})")

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        found = self._changed(node, ctx)
        if found is not None and found[0] in self.options.objects:
            yield self.finding(f"{found[1]} changes how sessions and queries of {RUNNING} behave")

    @staticmethod
    def _changed(node: Node, ctx: StatementContext) -> tuple[str, str] | None:
        """(object kind, what changed) when the statement changes options, else None."""
        kind = ctx.statement.kind
        if kind in ("AlterDatabaseStmt", "AlterDatabaseSetStmt"):
            name = node.get("dbname", "?")
            if ctx.is_new_object("database", name):
                return None
            return "database", f"changing settings of database {name}"
        if kind in ("AlterRoleStmt", "AlterRoleSetStmt"):
            role = node.get("role") or {}
            name = role.get("rolename") or "ALL"
            if kind == "AlterRoleStmt" and (
                node.get("action") == -1 or "rolemembers" in def_elems(node.get("options"))
            ):
                return None  # group membership: privilege-removed
            if ctx.is_new_object("role", name):
                return None
            return "role", f"changing settings of role {name}"
        if kind == "AlterSystemStmt":
            setting = node.get("setstmt", {}).get("name") or "all settings"
            return "system", f"ALTER SYSTEM of {setting}"
        if kind == "AlterFunctionStmt":
            name = qualified_from_names(name_list(node.get("func", {}).get("objname")))
            if ctx.is_new_object("function", name):
                return None
            words = {"OBJECT_PROCEDURE": "procedure", "OBJECT_ROUTINE": "routine"}.get(
                node.get("objtype", ""), "function"
            )
            options = ", ".join(sorted(def_elems(node.get("actions")))) or "options"
            return "routine", f"changing {options} of {words} {display_name(name)}"
        if kind == "AlterTableStmt" and ctx.statement.node.get("objtype") == "OBJECT_VIEW":
            view = existing_relation(ctx)
            if view is None:
                return None
            items = node.get("def", {}).get("List", {}).get("items")
            options = ", ".join(sorted(def_elems(items))) or "options"
            return "view", f"changing {options} of view {display_name(view)}"
        return None
