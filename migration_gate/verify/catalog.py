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

:func:`~migration_gate.verify.differences.diff` compares two snapshots;
:func:`~migration_gate.verify.differences.describe` says a difference in words
("index idx_orders_pending still exists", "column users.preferences: NOT NULL
not restored").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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
ON_TABLE = ("column", "constraint", "trigger")


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
            if kind in ON_TABLE:
                name = f"{row.pop('table')}.{row.pop('name')}"
            else:
                name = row.pop("name")
            objects[(kind, name)] = row
    return Snapshot(objects)
