from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..severity import Severity
from .base import FileRule
from .rulekit import effect_phrase


class MissingLockTimeout(FileRule):
    """A statement that blocks writes runs without a `lock_timeout`.

    ## What it does
    Flags the first statement of a migration that takes a SHARE or stronger
    lock (anything that blocks writes: plain `CREATE INDEX`, foreign keys, and
    every ACCESS EXCLUSIVE `ALTER TABLE`) on an existing table when no
    `SET lock_timeout` (or `SET LOCAL lock_timeout` in the same transaction,
    or `set_config('lock_timeout', …)`) came before it. One finding per file;
    the message counts the other statements it covers.

    ## Why is this bad?
    A DDL statement waits for its lock behind every running transaction, and
    while it waits, every new query on the table queues behind *it*. One slow
    report query turns a millisecond `ALTER TABLE` into an outage.
    `lock_timeout` makes the migration fail fast and retry instead.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ADD COLUMN nickname text;
    ```
    """

    code = "MG115"
    name = "missing-lock-timeout"
    level = Severity.WARNING
    aliases = ("require-lock-timeout", "require-timeout-settings")
    alias_notes = {
        "require-lock-timeout": "asked for before statements that block writes on an existing table only (squawk: "
        "before any DDL, COMMENT and CREATE TYPE included); set_config('lock_timeout', …) counts, SET LOCAL outside a "
        "transaction and lock_timeout = 0 do not",
        "require-timeout-settings": "names both timeout rules, as in squawk",
    }
    help = "start the migration with SET lock_timeout = '5s' (or SET LOCAL inside its transaction) and retry on timeout"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        if ctx.facts is None:
            return
        offenders = []
        for sctx in ctx.statement_contexts:
            if sctx.facts.lock_timeout_set:
                continue
            blocking = [e for e in sctx.locks if e.blocks_writes and not sctx.is_new_table(e.table)]
            if blocking:
                offenders.append((sctx.statement, blocking[0]))
        if not offenders:
            return
        stmt, effect = offenders[0]
        top = stmt.parent or stmt
        more = len(offenders) - 1
        tail = f"; {more} more statement{'s' * (more != 1)} in this file too" if more else ""
        yield self.finding(
            f"no lock_timeout is set in this file before this statement, which waits for {effect_phrase(effect)}"
            f"{tail} (a timeout set by the runner's connection or the database role is not visible here)",
            offset=top.start,
            end_offset=top.end,
            table=None if effect.index else effect.table,
        )
