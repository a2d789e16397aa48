"""Database objects other than tables, as statements create and drop them.

The pre-pass records which objects a file creates (views, functions, types,
sequences, …) so that the compatibility rules can tell an object created
earlier in the same migration (no running application uses it yet) from one
that existed before it.  An object is keyed by ``(kind, name)``: the name is
schema-qualified for schema-scoped objects (``public.v``), prefixed with its
table for triggers, policies and rules (``public.t.trg``), and bare for
schemas, extensions, roles and databases.  Functions are keyed by name alone
(not their argument types): an overload counts as the same function.
"""

from __future__ import annotations

from dataclasses import dataclass

from .names import display_name, qualify
from .parse import Statement
from .sqlnodes import Node, name_list, qualified_from_names, qualified_name, unwrap

ObjectKey = tuple[str, str]

#: ``DROP …`` object types: (kind as keyed here, the words messages use).
DROP_KINDS: dict[str, tuple[str, str]] = {
    "OBJECT_VIEW": ("view", "view"),
    "OBJECT_MATVIEW": ("view", "materialized view"),
    "OBJECT_FUNCTION": ("function", "function"),
    "OBJECT_PROCEDURE": ("function", "procedure"),
    "OBJECT_ROUTINE": ("function", "routine"),
    "OBJECT_AGGREGATE": ("function", "aggregate"),
    "OBJECT_TYPE": ("type", "type"),
    "OBJECT_CAST": ("cast", "cast"),
    "OBJECT_OPERATOR": ("operator", "operator"),
    "OBJECT_OPCLASS": ("operator class", "operator class"),
    "OBJECT_OPFAMILY": ("operator family", "operator family"),
    "OBJECT_DOMAIN": ("domain", "domain"),
    "OBJECT_SCHEMA": ("schema", "schema"),
    "OBJECT_SEQUENCE": ("sequence", "sequence"),
    "OBJECT_EXTENSION": ("extension", "extension"),
    "OBJECT_INDEX": ("index", "index"),
    "OBJECT_TRIGGER": ("trigger", "trigger"),
    "OBJECT_POLICY": ("policy", "policy"),
    "OBJECT_RULE": ("rule", "rule"),
    "OBJECT_PUBLICATION": ("publication", "publication"),
}


@dataclass(frozen=True, slots=True)
class NamedObject:
    """One object a statement names: its key and how messages show it."""

    kind: str
    name: str
    words: str  # e.g. "materialized view"

    @property
    def key(self) -> ObjectKey:
        return (self.kind, self.name)

    @property
    def shown(self) -> str:
        """The name as messages show it (``public.`` dropped)."""
        return ".".join(part for part in self.name.split(".") if part) if self.kind in _BARE else _display(self.name)


_BARE = {"schema", "extension", "role", "database", "publication"}


def _display(name: str) -> str:
    return display_name(name)


def _type_name(node: Node) -> str:
    names = name_list(node.get("names"))
    return qualified_from_names(names) if names else "?"


def dropped_objects(node: Node) -> list[NamedObject]:
    """The objects a ``DropStmt`` drops (tables and foreign tables are not among them)."""
    kind, words = DROP_KINDS.get(node.get("removeType", ""), ("", ""))
    if not kind:
        return []
    found: list[NamedObject] = []
    for item in node.get("objects", ()):
        item_kind, value = unwrap(item)
        if item_kind == "List":
            parts = value.get("items", ())
            names = name_list(parts)
            if kind == "cast":
                types = [_type_name(t.get("TypeName", {})) for t in parts if "TypeName" in t]
                name = f"({' AS '.join(_display(t) for t in types)})"
            elif kind in ("trigger", "policy", "rule") and len(names) >= 2:
                name = f"{qualified_from_names(names[:-1])}.{names[-1]}"
            elif kind in ("operator class", "operator family") and len(names) >= 2:
                name = qualified_from_names(names[1:])  # [access method, [schema,] name]
            else:
                name = qualified_from_names(names)
        elif item_kind == "ObjectWithArgs":
            name = qualified_from_names(name_list(value.get("objname")))
        elif item_kind == "TypeName":
            name = _type_name(value)
        elif item_kind == "String":
            name = value.get("sval", "?")
        else:
            continue
        found.append(NamedObject(kind, name, words))
    return found


def created_objects(stmt: Statement) -> list[ObjectKey]:
    """The objects (other than tables) a statement creates."""
    kind, node = stmt.kind, stmt.node
    if kind == "ViewStmt":
        return [("view", qualified_name(node.get("view")))]
    if kind == "CreateTableAsStmt" and node.get("objtype") == "OBJECT_MATVIEW":
        return [("view", qualified_name(node.get("into", {}).get("rel")))]
    if kind == "CreateFunctionStmt":
        return [("function", qualified_from_names(name_list(node.get("funcname"))))]
    if kind == "DefineStmt" and node.get("kind") == "OBJECT_AGGREGATE":
        return [("function", qualified_from_names(name_list(node.get("defnames"))))]
    if kind in ("CreateEnumStmt", "CreateRangeStmt"):
        return [("type", qualified_from_names(name_list(node.get("typeName"))))]
    if kind == "CompositeTypeStmt":
        return [("type", qualified_name(node.get("typevar")))]
    if kind == "CreateDomainStmt":
        return [("domain", qualified_from_names(name_list(node.get("domainname"))))]
    if kind == "CreateSeqStmt":
        return [("sequence", qualified_name(node.get("sequence")))]
    if kind == "CreateSchemaStmt" and node.get("schemaname"):
        return [("schema", node["schemaname"])]
    if kind == "CreateExtensionStmt":
        return [("extension", node.get("extname", "?"))]
    if kind == "IndexStmt" and node.get("idxname"):
        return [("index", qualify((node.get("relation") or {}).get("schemaname"), node["idxname"]))]
    if kind == "CreateTrigStmt":
        return [("trigger", f"{qualified_name(node.get('relation'))}.{node.get('trigname')}")]
    if kind == "CreatePolicyStmt":
        return [("policy", f"{qualified_name(node.get('table'))}.{node.get('policy_name')}")]
    if kind == "RuleStmt":
        return [("rule", f"{qualified_name(node.get('relation'))}.{node.get('rulename')}")]
    if kind == "CreatePublicationStmt":
        return [("publication", node.get("pubname", "?"))]
    if kind == "CreateRoleStmt":
        return [("role", node.get("role", "?"))]
    if kind == "CreatedbStmt":
        return [("database", node.get("dbname", "?"))]
    return []


def dropped_if_exists(stmt: Statement) -> tuple[list[ObjectKey], list[tuple[str, str]]]:
    """What a ``DROP … IF EXISTS`` (or ``ALTER TABLE … DROP CONSTRAINT IF EXISTS``) drops.

    Objects by key (tables too, as ``("table", name)``) and constraints as ``(table, constraint)``: after
    such a drop, creating the same object again succeeds on a second run.
    """
    kind, node = stmt.kind, stmt.node
    if kind == "DropStmt" and node.get("missing_ok"):
        keys = [o.key for o in dropped_objects(node)]
        if node.get("removeType") == "OBJECT_TABLE":
            keys.extend(
                ("table", qualified_from_names(name_list(o.get("List", {}).get("items"))))
                for o in node.get("objects", ())
            )
        return keys, []
    if kind == "AlterTableStmt":
        table = qualified_name(node.get("relation"))
        constraints = []
        for item in node.get("cmds", ()):
            cmd = item.get("AlterTableCmd", {})
            if cmd.get("subtype") == "AT_DropConstraint" and cmd.get("missing_ok"):
                constraints.append((table, cmd.get("name")))
        return [], constraints
    return [], []
