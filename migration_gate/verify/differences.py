"""What differs between two schema snapshots (:mod:`migration_gate.verify.catalog`), and the difference
in words ("index idx_orders_pending still exists", "column users.preferences: NOT NULL not restored").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.names import display_name
from .catalog import KINDS, ON_TABLE, Snapshot


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
    if kind in ON_TABLE:
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
