from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..objects import dropped_objects
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

#: The values of the ``objects`` option and the object kinds each one stands for.
OBJECT_GROUPS: dict[str, tuple[str, ...]] = {
    "view": ("view",),
    "function": ("function",),
    "type": ("type", "cast", "operator", "operator class", "operator family"),
    "domain": ("domain",),
    "schema": ("schema",),
    "sequence": ("sequence",),
    "extension": ("extension",),
    "index": ("index",),
    "policy": ("policy", "rule"),
    "trigger": ("trigger",),
}
_SAME = (
    "not reported when the object was created earlier in the migration or is created again later in the same "
    "transaction, nor in rollback scripts"
)
DEFAULT_OBJECTS = ("domain", "extension", "function", "schema", "sequence", "type", "view")


@dataclasses.dataclass(frozen=True)
class DroppedObjectOptions:
    #: Which kinds of object to report (see OBJECT_GROUPS); index, policy and trigger are opt-in.
    objects: tuple[str, ...] = DEFAULT_OBJECTS


class DroppedObject(StatementRule):
    """`DROP VIEW`, `DROP FUNCTION`, `DROP TYPE`, … of an object the running application may use.

    ## What it does
    Flags `DROP` of an object that exists before the migration: views and
    materialized views, functions, procedures, routines and aggregates, types
    (and casts, operators, operator classes and families), domains, schemas,
    sequences and extensions. The `objects` option chooses the kinds
    (`view`, `function`, `type`, `domain`, `schema`, `sequence`, `extension`,
    and, not reported unless listed, `index`, `policy` (policies and rules)
    and `trigger`).

    Not reported: rollback scripts (undoing the migration is their purpose),
    an object created earlier in the same migration, and an object dropped and
    created again later in the same transaction (no client sees it missing).
    Tables and columns have their own rules (`dropped-table`,
    `dropped-column`). A `DROP INDEX` without `CONCURRENTLY` is also a lock
    hazard: `non-concurrent-index-drop` reports that as a second reason.

    ## Why is this bad?
    The release that is still running during the deploy keeps calling the
    function, selecting from the view, casting to the type: each of those
    queries fails from the moment the migration commits. With `CASCADE` the
    drop also removes what depends on the object (columns of a dropped type or
    domain, views on a view). A dropped index can remove a uniqueness
    guarantee or an `ON CONFLICT` target the application relies on; a dropped
    trigger or policy silently changes what writes do and who sees which rows.

    Level: a warning, as for `dropped-column`: a drop is the contract step of
    expand/contract, right once no deployed release uses the object.

    ## Example
    ```sql
    DROP VIEW active_users;
    ```

    ## Use instead
    ```sql
    -- release N stops using the view; release N+1 drops it, with a reason reviewers can check:
    -- migration-gate: ignore dropped-object -- active_users unused since release 41
    DROP VIEW active_users;
    ```
    """

    code = "MG601"
    name = "dropped-object"
    level = Severity.WARNING
    aliases = (
        "ban-drop-view",
        "ban-drop-function",
        "ban-drop-type",
        "ban-drop-domain",
        "ban-drop-schema",
        "ban-drop-sequence",
        "ban-drop-extension",
        "ban-drop-index",
        "ban-drop-policy",
        "ban-drop-trigger",
    )
    alias_scopes = {
        "ban-drop-view": ("objects", ("view",)),
        "ban-drop-function": ("objects", ("function",)),
        "ban-drop-type": ("objects", ("type",)),
        "ban-drop-domain": ("objects", ("domain",)),
        "ban-drop-schema": ("objects", ("schema",)),
        "ban-drop-sequence": ("objects", ("sequence",)),
        "ban-drop-extension": ("objects", ("extension",)),
        "ban-drop-index": ("objects", ("index",)),
        "ban-drop-policy": ("objects", ("policy",)),
        "ban-drop-trigger": ("objects", ("trigger",)),
    }
    alias_notes = {
        "ban-drop-view": _SAME,
        "ban-drop-function": _SAME,
        "ban-drop-type": _SAME,
        "ban-drop-domain": _SAME,
        "ban-drop-schema": _SAME,
        "ban-drop-sequence": _SAME,
        "ban-drop-extension": _SAME,
        "ban-drop-index": f"{_SAME}; opt-in, as in squawk (`objects: [index, …]`); the lock of a plain DROP INDEX "
        "is `non-concurrent-index-drop`'s",
        "ban-drop-policy": f"{_SAME}; opt-in, as in squawk (`objects: [policy, …]`)",
        "ban-drop-trigger": f"{_SAME}; opt-in, as in squawk (`objects: [trigger, …]`)",
    }
    Options = DroppedObjectOptions
    node_types = ("DropStmt",)
    help = "drop the object in a later release, once no deployed version uses it (expand/contract)"

    @classmethod
    def validate_options(cls, raw: Mapping[str, Any]) -> None:
        rule: type[StatementRule] = cls  # (mypyc finds the interpreted base's classmethods only through it)
        options = rule.make_options(raw)
        unknown = sorted(set(options.objects) - set(OBJECT_GROUPS))
        if unknown:
            raise ValueError(f"objects: unknown kind {unknown[0]!r} (use {', '.join(OBJECT_GROUPS)})")

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        wanted = {kind for group in self.options.objects for kind in OBJECT_GROUPS.get(group, ())}
        cascade = node.get("behavior") == "DROP_CASCADE"
        for obj in dropped_objects(node):
            if obj.kind not in wanted:
                continue
            if ctx.is_new_object(obj.kind, obj.name) or ctx.recreated_in_same_transaction(obj.kind, obj.name):
                continue
            also = " (and, with CASCADE, everything that depends on it)" if cascade else ""
            yield self.finding(f"dropping {obj.words} {obj.shown}{also} breaks queries of {RUNNING} that still use it")
