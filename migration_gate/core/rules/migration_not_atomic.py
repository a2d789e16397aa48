from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..findings import Finding
from ..parse import Statement
from ..severity import Severity
from ..sqlnodes import walk
from .base import FileRule

# Statements that change nothing, or that cannot run in a transaction anyway.
_NEUTRAL = {
    "TransactionStmt",
    "VariableSetStmt",
    "VariableShowStmt",
    "VacuumStmt",
    "CheckPointStmt",
    "ExplainStmt",
    "DiscardStmt",
    "NotifyStmt",
    "ListenStmt",
    "UnlistenStmt",
}


class MigrationNotAtomic(FileRule):
    """In `explicit` transaction mode, a migration is not wrapped in one `BEGIN … COMMIT`.

    ## What it does
    With `transaction: explicit` (the runner does not wrap files; the file's
    own `BEGIN … COMMIT` is the only transaction), flags schema or data changes
    outside `BEGIN … COMMIT`, a `BEGIN` that is never committed, a `BEGIN`
    inside another, and a `COMMIT` without `BEGIN`. Statements that cannot run
    in a transaction (`CREATE INDEX CONCURRENTLY`, …) are exempt.

    ## Why is this bad?
    A failure halfway leaves the schema half-migrated, and the migration can
    neither be re-run nor rolled back cleanly.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    UPDATE users SET nickname = name WHERE id BETWEEN 1 AND 1000;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN nickname text;
    UPDATE users SET nickname = name WHERE id BETWEEN 1 AND 1000;
    COMMIT;
    ```
    """

    code = "MG106"
    family = "transaction"
    name = "migration-not-atomic"
    level = Severity.ERROR
    aliases = ("transaction-nesting", "ban-uncommitted-transaction")
    alias_notes = {
        "transaction-nesting": "one rule with ban-uncommitted-transaction; in transaction: explicit every file needs "
        "its own BEGIN … COMMIT",
        "ban-uncommitted-transaction": "one rule with transaction-nesting; in transaction: explicit every file needs "
        "its own BEGIN … COMMIT",
    }
    example_config = {"transaction": "explicit"}
    help = "wrap the whole migration in one BEGIN; … COMMIT; (keep CONCURRENTLY statements in their own file)"

    def check_file(self, ctx: FileContext) -> Iterator[Finding]:
        facts = ctx.facts
        if facts is None or facts.mode != "explicit":
            return
        for problem in facts.problems:
            stmt = problem.statement
            message = {
                "nested": "BEGIN inside a transaction that is already open (PostgreSQL only warns; "
                "the inner COMMIT ends the outer transaction)",
                "unclosed": "BEGIN is never committed: the migration's changes are rolled back when the "
                "connection closes",
                "stray-end": "COMMIT/ROLLBACK without a BEGIN",
            }[problem.kind]
            yield self.finding(message, offset=stmt.start, end_offset=stmt.end)
        exempt = {id(s) for s, _ in facts.nontransactional}
        outside = [
            u.statement
            for u in facts.units
            if u.statement.parent is None
            and not u.in_transaction
            and u.statement.kind not in _NEUTRAL
            and id(u.statement) not in exempt
            and not _read_only(u.statement)
        ]
        if outside:
            first = outside[0]
            more = f" (and {len(outside) - 1} more statement{'s' * (len(outside) != 2)})" if len(outside) > 1 else ""
            yield self.finding(
                f"this statement runs outside BEGIN … COMMIT{more}: a failure leaves the migration half applied",
                offset=first.start,
                end_offset=first.end,
            )


def _read_only(stmt: Statement) -> bool:
    """A plain SELECT: no INTO and no function calls (setval(), set_config() change state)."""
    if stmt.kind != "SelectStmt" or stmt.node.get("intoClause"):
        return False
    return not any(kind == "FuncCall" for kind, _ in walk(stmt.node.get("targetList")))
