from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..severity import Severity
from ..sqlnodes import Node, def_elems, qualified_name
from .base import StatementRule
from .compat import RUNNING, existing_relation, undoing
from .rulekit import column_ref

if TYPE_CHECKING:
    from ..context import StatementContext

#: Sequence options that do not change the values it hands out.
_NOT_VALUES = {"owned_by", "sequence_name", "logged", "unlogged"}


class SequenceValuesChanged(StatementRule):
    """`ALTER SEQUENCE … RESTART | INCREMENT | …` on an existing sequence (strict preset).

    ## What it does
    Flags `ALTER SEQUENCE` options that change the values a sequence hands
    out (`RESTART`, `START`, `INCREMENT`, `MINVALUE`, `MAXVALUE`, `CYCLE`,
    `CACHE`, `AS`) on a sequence that exists before the migration, and the
    same options on an identity column (`ALTER COLUMN … RESTART`,
    `SET INCREMENT BY …`) of an existing table. `OWNED BY` is not reported.
    Off in `recommended`, a warning in `strict`.

    Not reported: rollback scripts and sequences (tables) created earlier in
    the same migration.

    ## Why is this bad?
    The running release keeps inserting rows with ids from the sequence:
    moved back, it hands out ids that already exist (duplicate key errors);
    a new increment, bounds or cycling change what its code receives. And
    while the migration's transaction is open, the sequence is locked SHARE
    ROW EXCLUSIVE: every `nextval()`, so every insert that uses it, waits.

    Level: off in `recommended`: moving a sequence forward is a common,
    deliberate repair; `strict` asks for a look.

    ## Example
    ```sql
    ALTER SEQUENCE invoices_id_seq RESTART WITH 1;
    ```

    ## Use instead
    ```sql
    -- only ever move a live sequence forward, past every existing id:
    SELECT setval('invoices_id_seq', (SELECT max(id) FROM invoices));
    ```
    """

    code = "MG616"
    name = "sequence-values-changed"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-alter-sequence-values",)
    alias_notes = {
        "ban-alter-sequence-values": "not reported for sequences and tables created earlier in the migration, nor in "
        "rollback scripts",
    }
    node_types = ("AlterSeqStmt", "AlterTableCmd")
    subtypes = ("AT_SetIdentity",)
    help = "move a live sequence only forward (setval past the highest id), in its own short transaction"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if undoing(ctx):
            return
        if ctx.statement.kind == "AlterSeqStmt":
            sequence = qualified_name(node.get("sequence"))
            options = sorted(set(def_elems(node.get("options"))) - _NOT_VALUES)
            if options and not ctx.is_new_object("sequence", sequence):
                yield self.finding(_message(f"sequence {display_name(sequence)}", options))
            return
        table = existing_relation(ctx)
        items = node.get("def", {}).get("List", {}).get("items")
        options = sorted(set(def_elems(items)) - _NOT_VALUES - {"generated"})
        if table is not None and options:
            yield self.finding(_message(f"the identity of {column_ref(table, node.get('name'))}", options))


def _message(what: str, options: list[str]) -> str:
    if "restart" in options:
        return f"RESTART of {what}: ids {RUNNING} inserts can repeat existing ones (duplicate keys)"
    listed = ", ".join(o.upper().replace("_", " ") for o in options)
    return f"changing {listed} of {what} changes the values {RUNNING} receives"
