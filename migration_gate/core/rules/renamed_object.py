from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, name_list, qualified_from_names, qualified_name, unwrap
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

#: RenameStmt.renameType → (key kind for "created in this migration", words).
_RENAMED = {
    "OBJECT_VIEW": ("view", "view"),
    "OBJECT_MATVIEW": ("view", "materialized view"),
    "OBJECT_FOREIGN_TABLE": ("table", "foreign table"),
    "OBJECT_FUNCTION": ("function", "function"),
    "OBJECT_PROCEDURE": ("function", "procedure"),
    "OBJECT_ROUTINE": ("function", "routine"),
    "OBJECT_AGGREGATE": ("function", "aggregate"),
    "OBJECT_TYPE": ("type", "type"),
    "OBJECT_DOMAIN": ("domain", "domain"),
    "OBJECT_SEQUENCE": ("sequence", "sequence"),
    "OBJECT_SCHEMA": ("schema", "schema"),
    "OBJECT_INDEX": ("index", "index"),
    "OBJECT_TRIGGER": ("trigger", "trigger"),
    "OBJECT_POLICY": ("policy", "policy"),
    "OBJECT_RULE": ("rule", "rule"),
    "OBJECT_ROLE": ("role", "role"),
    "OBJECT_DATABASE": ("database", "database"),
    "OBJECT_TABCONSTRAINT": ("table", "constraint"),
    "OBJECT_DOMCONSTRAINT": ("domain", "constraint"),
}
#: Names only tools, hints and error handling use: renaming them rarely breaks queries.
_INTERNAL = {"index", "constraint", "trigger", "policy", "rule", "sequence"}


class RenamedObject(StatementRule):
    """Renaming a view, function, type, schema, index, constraint, … that exists before the migration.

    ## What it does
    Flags `ALTER … RENAME TO` of views and materialized views, foreign
    tables, functions, procedures, routines and aggregates, types, domains,
    sequences, schemas, indexes, triggers, policies, rules, roles and
    databases; `RENAME CONSTRAINT` on tables and domains; and
    `ALTER TYPE … RENAME VALUE` of an enum. Tables and columns have their own
    rules (`renamed-table`, `renamed-column`).

    Not reported: rollback scripts and objects created earlier in the same
    migration.

    ## Why is this bad?
    The running release names these objects in its queries: it calls the
    function, selects from the view, casts to the type, writes the enum label.
    From the moment the migration commits those queries fail (an old enum
    label is rejected as invalid input). Index, constraint, sequence,
    trigger, policy and rule names are used by few clients (`ON CONFLICT ON
    CONSTRAINT`, error handling that matches a constraint name, query hints,
    tooling; `nextval()` defaults refer to a sequence by OID): those renames
    are reported as info.

    Level: a warning, as for `renamed-table` (info for the names only tools use).

    ## Example
    ```sql
    ALTER VIEW active_users RENAME TO current_users;
    ```

    ## Use instead
    ```sql
    -- expand: create the new name next to the old one, move the readers, drop the old one later
    CREATE VIEW current_users AS SELECT * FROM active_users;
    ```
    """

    code = "MG607"
    name = "renamed-object"
    level = Severity.WARNING
    aliases = ("renaming-object",)
    alias_notes = {
        "renaming-object": "index, constraint, sequence, trigger, policy and rule renames are info; not reported on "
        "objects created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("RenameStmt", "AlterEnumStmt")
    help = "expand/contract: introduce the new name next to the old one, move every reader, drop the old name later"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        if ctx.statement.kind == "AlterEnumStmt":
            if node.get("oldVal") is None:
                return  # ADD VALUE
            enum = qualified_from_names(name_list(node.get("typeName")))
            if not ctx.is_new_object("type", enum):
                yield self.finding(
                    f"renaming value {node['oldVal']!r} of enum {display_name(enum)} to {node.get('newVal')!r}: "
                    f"{RUNNING} still writes and compares the old label, which is now invalid input"
                )
            return
        found = _RENAMED.get(node.get("renameType", ""))
        if found is None:
            return
        kind, words = found
        key, shown = _renamed_name(node, kind, words)
        new = ctx.is_new_table(key) if kind == "table" else ctx.is_new_object(kind, key)
        if new:
            return
        if words in _INTERNAL:
            yield self.finding(
                f"renaming {words} {shown} to {node.get('newname')} breaks only what names it "
                f"(ON CONFLICT ON CONSTRAINT, error handling, hints, tooling of {RUNNING})",
                severity=Severity.INFO,
            )
        else:
            yield self.finding(
                f"renaming {words} {shown} to {node.get('newname')} breaks queries of {RUNNING} that use it"
            )


def _renamed_name(node: Node, kind: str, words: str) -> tuple[str, str]:
    """(key for the new-object test, name for the message)."""
    relation = node.get("relation")
    subname = node.get("subname")
    if words == "constraint":
        if relation:  # RENAME CONSTRAINT on a table: the table decides
            table = qualified_name(relation)
            return table, f"{subname} on {display_name(table)}"
        domain = qualified_from_names(name_list(node.get("object", {}).get("List", {}).get("items")))
        return domain, f"{subname} of domain {display_name(domain)}"
    if kind in ("trigger", "policy", "rule"):
        table = qualified_name(relation)
        return f"{table}.{subname}", f"{subname} on {display_name(table)}"
    if kind in ("schema", "role", "database"):
        return subname or "?", subname or "?"
    if relation:
        name = qualified_name(relation)
        return name, display_name(name)
    obj_kind, obj = unwrap(node.get("object"))
    if obj_kind == "ObjectWithArgs":
        name = qualified_from_names(name_list(obj.get("objname")))
    elif obj_kind == "List":
        name = qualified_from_names(name_list(obj.get("items")))
    elif obj_kind == "TypeName":
        name = qualified_from_names(name_list(obj.get("names")))
    else:
        name = obj.get("sval", "?") if obj_kind == "String" else "?"
    return name, display_name(name)
