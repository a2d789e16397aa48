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

#: AlterObjectSchemaStmt.objectType → (key kind for "created in this migration", words).
_MOVED = {
    "OBJECT_TABLE": ("table", "table"),
    "OBJECT_FOREIGN_TABLE": ("table", "foreign table"),
    "OBJECT_VIEW": ("view", "view"),
    "OBJECT_MATVIEW": ("view", "materialized view"),
    "OBJECT_FUNCTION": ("function", "function"),
    "OBJECT_PROCEDURE": ("function", "procedure"),
    "OBJECT_ROUTINE": ("function", "routine"),
    "OBJECT_AGGREGATE": ("function", "aggregate"),
    "OBJECT_TYPE": ("type", "type"),
    "OBJECT_DOMAIN": ("domain", "domain"),
    "OBJECT_SEQUENCE": ("sequence", "sequence"),
    "OBJECT_EXTENSION": ("extension", "extension"),
}


class MovedToSchema(StatementRule):
    """`ALTER … SET SCHEMA` of a table, view, function, type, … that exists before the migration.

    ## What it does
    Flags `SET SCHEMA` of tables, foreign tables, views, materialized views,
    functions, procedures, routines, aggregates, types, domains, sequences and
    extensions (an extension moves all its objects).

    Not reported: rollback scripts and objects created earlier in the same
    migration.

    ## Why is this bad?
    The running release finds the object by its old schema: schema-qualified
    names, or the `search_path` its connections use. Once the object moves,
    those references fail, exactly as after a rename.

    Level: a warning, as for the renames.

    ## Example
    ```sql
    ALTER TABLE audit_log SET SCHEMA archive;
    ```

    ## Use instead
    ```sql
    -- expand: keep the old name working while readers move (a view in the old schema), move later
    CREATE VIEW public.audit_log_v AS SELECT * FROM audit_log;
    ```
    """

    code = "MG608"
    name = "moved-to-schema"
    level = Severity.WARNING
    aliases = ("ban-set-schema",)
    alias_notes = {
        "ban-set-schema": "not reported on objects created earlier in the migration, nor in rollback scripts",
    }
    node_types = ("AlterObjectSchemaStmt",)
    help = "keep the object reachable under its old name until no deployed release uses it (expand/contract)"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        found = _MOVED.get(node.get("objectType", ""))
        if found is None or undoing(ctx):
            return
        kind, words = found
        if node.get("relation"):
            name = qualified_name(node["relation"])
        else:
            obj_kind, obj = unwrap(node.get("object"))
            if obj_kind == "ObjectWithArgs":
                name = qualified_from_names(name_list(obj.get("objname")))
            elif obj_kind == "List":
                name = qualified_from_names(name_list(obj.get("items")))
            else:
                name = obj.get("sval", "?") if obj_kind == "String" else "?"
        new = ctx.is_new_table(name) if kind == "table" else ctx.is_new_object(kind, name)
        if new:
            return
        shown = name if kind == "extension" else display_name(name)
        yield self.finding(
            f"moving {words} {shown} to schema {node.get('newschema')} breaks queries of {RUNNING} that find it "
            "under its old schema"
        )
