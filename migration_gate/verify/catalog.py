"""Schema snapshots from PostgreSQL's catalogs, and their difference in words.

A snapshot is what a migration can change about the schema, read in one
query: schemas, extensions, tables (with columns: type, default,
nullability, identity, generation), constraints (with validity), indexes
(with validity and definition), views and materialized views, functions and
procedures, sequences, types (enums, domains, composite and range types) and
triggers.  Objects that belong to an extension are the extension's, not
listed one by one.  Object identifiers, owners, privileges, comments, column
positions and data are not part of it, so two databases built the same way
compare equal.

:func:`diff` compares two snapshots; :func:`describe` says a difference in
words ("index idx_orders_pending still exists", "column users.preferences:
NOT NULL not restored").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..core.names import display_name

# The query runs in the database being verified; its own schemas are skipped.
_USER_SCHEMA = (
    "{ns}.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND {ns}.nspname NOT LIKE 'pg\\_toast%' AND {ns}.nspname NOT LIKE 'pg\\_temp\\_%'"
)


def _user(ns: str) -> str:
    return _USER_SCHEMA.format(ns=ns)


def _not_extension_member(classid: str, objid: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{classid}'::regclass "
        f"AND d.objid = {objid} AND d.deptype = 'e')"
    )


SNAPSHOT_SQL = f"""
SELECT json_build_object(
 'schema', (SELECT coalesce(json_agg(json_build_object('name', n.nspname)), '[]')
    FROM pg_namespace n WHERE {_user('n')} AND n.nspname <> 'public'
      AND {_not_extension_member('pg_namespace', 'n.oid')}),
 'extension', (SELECT coalesce(json_agg(json_build_object('name', e.extname, 'version', e.extversion,
      'schema', n.nspname)), '[]')
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'),
 'table', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname || '.' || c.relname,
      'kind', CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
      'unlogged', c.relpersistence = 'u',
      'partition key', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
      'partition of', (SELECT pn.nspname || '.' || p.relname || ' ' || pg_get_expr(c.relpartbound, c.oid)
                       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                       JOIN pg_namespace pn ON pn.oid = p.relnamespace
                       WHERE i.inhrelid = c.oid AND c.relispartition),
      'inherits', (SELECT string_agg(pn.nspname || '.' || p.relname, ', ' ORDER BY i.inhseqno)
                   FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                   JOIN pg_namespace pn ON pn.oid = p.relnamespace
                   WHERE i.inhrelid = c.oid AND NOT c.relispartition),
      'row security', c.relrowsecurity,
      'options', array_to_string(c.reloptions, ', '))), '[]')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f') AND {_user('n')} AND {_not_extension_member('pg_class', 'c.oid')}),
 'column', (SELECT coalesce(json_agg(json_build_object(
      'table', n.nspname || '.' || c.relname, 'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'not null', a.attnotnull,
      'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
      'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
      'identity', CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
      'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                        THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END)), '[]')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f')
      AND {_user('n')} AND {_not_extension_member('pg_class', 'c.oid')}),
 'constraint', (SELECT coalesce(json_agg(json_build_object(
      'table', n.nspname || '.' || c.relname, 'name', k.conname,
      'definition', regexp_replace(pg_get_constraintdef(k.oid), ' NOT VALID$', ''),
      'valid', k.convalidated)), '[]')
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {_user('n')} AND k.conparentid = 0 AND {_not_extension_member('pg_class', 'c.oid')}),
 'index', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname || '.' || ic.relname, 'table', tn.nspname || '.' || c.relname,
      'definition', pg_get_indexdef(i.indexrelid), 'valid', i.indisvalid)), '[]')
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace
    WHERE {_user('n')} AND c.relkind IN ('r', 'p', 'm')
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')
                      AND k.conrelid = i.indrelid)
      AND {_not_extension_member('pg_class', 'c.oid')}),
 'view', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname || '.' || c.relname,
      'kind', CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
      'definition', pg_get_viewdef(c.oid))), '[]')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND {_user('n')} AND {_not_extension_member('pg_class', 'c.oid')}),
 'sequence', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname || '.' || c.relname, 'type', format_type(s.seqtypid, NULL),
      'start', s.seqstart::text, 'increment', s.seqincrement::text, 'minimum', s.seqmin::text,
      'maximum', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle,
      'owned by', (SELECT tn.nspname || '.' || t.relname || '.' || a.attname
                   FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                   JOIN pg_namespace tn ON tn.oid = t.relnamespace
                   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                   LIMIT 1))), '[]')
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE {_user('n')} AND {_not_extension_member('pg_class', 'c.oid')}),
 'function', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
      'kind', CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
      'returns', pg_get_function_result(p.oid),
      'definition', CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END)), '[]')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE {_user('n')} AND {_not_extension_member('pg_proc', 'p.oid')}),
 'type', (SELECT coalesce(json_agg(json_build_object(
      'name', n.nspname || '.' || t.typname,
      'kind', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range'
                             WHEN 'm' THEN 'multirange' ELSE 'composite' END,
      'values', CASE WHEN t.typtype = 'e' THEN (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)
                                                FROM pg_enum e WHERE e.enumtypid = t.oid) END,
      'base type', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
      'not null', CASE WHEN t.typtype = 'd' THEN t.typnotnull END,
      'default', t.typdefault,
      'constraints', CASE WHEN t.typtype = 'd' THEN (
          SELECT json_agg(k.conname || ' ' || pg_get_constraintdef(k.oid) ORDER BY k.conname)
          FROM pg_constraint k WHERE k.contypid = t.oid) END,
      'attributes', CASE WHEN t.typtype = 'c' THEN (
          SELECT json_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
      'subtype', CASE WHEN t.typtype = 'r' THEN (SELECT format_type(r.rngsubtype, NULL)
                                                 FROM pg_range r WHERE r.rngtypid = t.oid) END)), '[]')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE {_user('n')} AND t.typtype IN ('e', 'd', 'r', 'c')
      AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      AND {_not_extension_member('pg_type', 't.oid')}),
 'trigger', (SELECT coalesce(json_agg(json_build_object(
      'table', n.nspname || '.' || c.relname, 'name', g.tgname,
      'definition', pg_get_triggerdef(g.oid),
      'enabled', CASE g.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                                  WHEN 'A' THEN 'always' ELSE 'enabled' END)), '[]')
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT g.tgisinternal AND {_user('n')} AND {_not_extension_member('pg_class', 'c.oid')})
)::text
"""

#: Object kinds in the order differences are reported.
KINDS = (
    "extension",
    "schema",
    "type",
    "sequence",
    "table",
    "column",
    "constraint",
    "index",
    "view",
    "function",
    "trigger",
)
#: Kinds whose objects live on a table (keyed by table and name).
_ON_TABLE = ("column", "constraint", "trigger")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every schema object, as ``{(kind, name): attributes}``."""

    objects: dict[tuple[str, str], dict[str, Any]]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snapshot) and self.objects == other.objects

    def __hash__(self) -> int:  # pragma: no cover - snapshots are not used as keys
        return hash(tuple(sorted(self.objects)))


def take_snapshot(conn) -> Snapshot:
    """Read the schema of the connection's database (its own transaction view)."""
    row = conn.execute(SNAPSHOT_SQL).fetchone()
    return parse_snapshot(json.loads(row[0]))


def parse_snapshot(data: dict) -> Snapshot:
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, rows in data.items():
        for row in rows:
            row = dict(row)
            if kind in _ON_TABLE:
                name = f"{row.pop('table')}.{row.pop('name')}"
            else:
                name = row.pop("name")
            objects[(kind, name)] = row
    return Snapshot(objects)


# --------------------------------------------------------------------------- differences


@dataclass(frozen=True, slots=True)
class Difference:
    """One object that differs: ``expected`` is what should be, ``actual`` what is."""

    kind: str
    name: str  # schema-qualified; for columns, constraints and triggers ``schema.table.name``
    attribute: str | None  # None: the whole object is missing or extra
    expected: Any
    actual: Any

    @property
    def missing(self) -> bool:
        return self.attribute is None and self.actual is None

    @property
    def extra(self) -> bool:
        return self.attribute is None and self.expected is None


def _table_of(kind: str, name: str, attrs: dict) -> str | None:
    if kind in _ON_TABLE:
        return name.rsplit(".", 1)[0]
    if kind == "index":
        return attrs.get("table")
    if kind == "sequence" and attrs.get("owned by"):
        return attrs["owned by"].rsplit(".", 1)[0]
    return None


def diff(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """What differs, in report order; a missing or extra table hides its parts."""
    want, have = expected.objects, actual.objects
    whole_tables = {name for (kind, name) in set(want) ^ set(have) if kind in ("table", "view")}
    out: list[Difference] = []
    for key in sorted(set(want) | set(have), key=lambda k: (KINDS.index(k[0]), k[1])):
        kind, name = key
        before, after = want.get(key), have.get(key)
        table = _table_of(kind, name, before or after or {})
        if table in whole_tables:
            continue
        if before is None:
            out.append(Difference(kind, name, None, None, after))
        elif after is None:
            out.append(Difference(kind, name, None, before, None))
        else:
            for attribute in sorted(set(before) | set(after)):
                if before.get(attribute) != after.get(attribute):
                    out.append(Difference(kind, name, attribute, before.get(attribute), after.get(attribute)))
    return out


def _what(d: Difference) -> str:
    attrs = d.expected if d.expected is not None and d.attribute is None else d.actual
    kind = d.kind
    if d.kind in ("table", "view", "type", "function") and isinstance(attrs, dict) and attrs.get("kind"):
        kind = attrs["kind"] if d.kind != "type" else f"{attrs['kind']} type"
    if d.kind == "type" and d.attribute is not None:
        kind = "type"
    return f"{kind} {display_name(d.name)}"


_LONG = 120


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str) and ("\n" in value.strip() or len(value) > _LONG):
        flat = " ".join(value.split())
        return flat if len(flat) <= _LONG else flat[: _LONG - 1] + "…"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "(" + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in value) + ")"
    return str(value)


def describe(d: Difference, context: str = "rollback") -> str:
    """One difference in words.

    ``context="rollback"``: expected is the schema before the migration and
    actual the schema after its rollback.  ``context="reapply"``: expected is
    after the first apply, actual after the re-apply.  ``context="change"``:
    what a (failed) migration left changed.
    """
    what = _what(d)
    if context == "rollback":
        if d.extra:
            return f"{what} still exists"
        if d.missing:
            return f"{what} was not restored"
    elif context == "reapply":
        if d.extra:
            return f"{what} exists after the re-apply but not after the first apply"
        if d.missing:
            return f"{what} is missing after the re-apply"
    else:
        if d.extra:
            return f"{what} was created"
        if d.missing:
            return f"{what} was dropped"
    return f"{what}: {_attribute_change(d, context)}"


def _attribute_change(d: Difference, context: str) -> str:
    a, expected, actual = d.attribute, d.expected, d.actual
    if context == "rollback":
        if a == "not null" and expected is True and not actual:
            return "NOT NULL not restored"
        if a == "not null" and actual is True and not expected:
            return "NOT NULL still set"
        if a == "default" and actual is None:
            return f"DEFAULT {expected} not restored"
        if a == "default" and expected is None:
            return f"DEFAULT {actual} still set"
        if a == "default":
            return f"DEFAULT is {actual}, was {expected} before the migration"
        if a == "valid" and d.kind == "index":
            return "still invalid" if not actual else "valid now, was invalid before the migration"
        if a == "valid" and d.kind == "constraint":
            return "NOT VALID now, was validated" if not actual else "validated now, was NOT VALID"
        if a == "definition" and d.kind in ("function", "view"):
            return "definition not restored"
        if a == "values" and isinstance(expected, list) and isinstance(actual, list):
            return _enum_values(expected, actual)
        return f"{a} is {_show(actual)}, was {_show(expected)} before the migration"
    if context == "reapply":
        if a == "definition" and d.kind in ("function", "view"):
            return "definition differs from the first apply"
        return f"{a} is {_show(actual)} after the re-apply, {_show(expected)} after the first apply"
    if a == "not null":
        return "NOT NULL set" if actual else "NOT NULL dropped"
    if a == "definition" and d.kind in ("function", "view"):
        return "definition changed"
    return f"{a} changed from {_show(expected)} to {_show(actual)}"


def _enum_values(expected: list, actual: list) -> str:
    extra = [v for v in actual if v not in expected]
    missing = [v for v in expected if v not in actual]
    parts = []
    if extra:
        parts.append(
            f"value{'s' * (len(extra) > 1)} {', '.join(map(repr, extra))} still exist{'s' * (len(extra) == 1)}"
        )
    if missing:
        parts.append(f"value{'s' * (len(missing) > 1)} {', '.join(map(repr, missing))} not restored")
    if not parts:
        return f"values are in a different order: {_show(actual)}, were {_show(expected)}"
    return "; ".join(parts)


def summarize(differences: list[Difference], context: str, limit: int = 5) -> str:
    """Several differences on one line, capped."""
    words = [describe(d, context) for d in differences[:limit]]
    if len(differences) > limit:
        words.append(f"and {len(differences) - limit} more")
    return "; ".join(words)
