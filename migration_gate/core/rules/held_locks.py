"""The locks and new enum values a transaction holds, statement by statement (file rules and deploy batches)."""

from __future__ import annotations

from dataclasses import replace

from ..context import FileContext, StatementContext
from ..deploy_batch import BatchState, HeldLock, NewEnumValue
from ..lockmodes import STRENGTH
from ..sqlnodes import name_list, qualified_from_names


def describe(sctx: StatementContext) -> str:
    """A statement in a few words, for messages: its first six words in backquotes."""
    words = sctx.statement.text.split()
    return f"`{' '.join(words[:6])}{' …' if len(words) > 6 else ''}`"


def hold(held: dict[str, HeldLock], sctx: StatementContext, path: str, line: int) -> None:
    """Add the table locks ``sctx`` takes to ``held`` (the strongest per table is what the transaction holds)."""
    what = None
    for effect in sctx.locks:
        if effect.index:
            continue  # an index name stands for a table the statement does not name
        previous = held.get(effect.table)
        if previous is None or STRENGTH[effect.mode] > STRENGTH[previous.mode]:
            what = what or describe(sctx)
            held[effect.table] = HeldLock(effect.table, effect.mode, path, line, what)


def added_enum_value(sctx: StatementContext) -> tuple[str, str] | None:
    """``(enum, label)`` when the statement is ``ALTER TYPE enum ADD VALUE 'label'``."""
    node = sctx.statement.node
    if sctx.statement.kind != "AlterEnumStmt" or node.get("oldVal") is not None or node.get("newVal") is None:
        return None
    return qualified_from_names(name_list(node.get("typeName"))), str(node["newVal"])


def state_after(ctx: FileContext, before: BatchState) -> BatchState | None:
    """What the batch's transaction carries past this file (``None`` when the file ended it).

    Needs the file's statement contexts (the engine fills them while it runs the rules).
    """
    facts = ctx.facts
    source = ctx.source
    if facts is None or source is None or not facts.batch_open_at_end:
        return None
    if facts.batch_transaction is None:
        return before  # nothing of the file ran in it (an empty file)
    path = ctx.migration.display
    held = {lock.table: lock for lock in before.locks}
    values = list(before.enum_values)
    for sctx in ctx.statement_contexts:
        if sctx.facts.transaction != facts.batch_transaction:
            continue
        line = source.position(sctx.statement.start)[0]
        hold(held, sctx, path, line)
        added = added_enum_value(sctx)
        if added is not None:
            values.append(NewEnumValue(added[0], added[1], path, line))
    return replace(before, locks=tuple(held[t] for t in sorted(held)), enum_values=tuple(values))
