from __future__ import annotations

from collections.abc import Iterator

from ..analysis import TransactionProblem
from ..context import FileContext
from ..findings import Finding
from ..parse import Statement
from ..runners.base import Execution
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
    """A migration is not one transaction: changes outside `BEGIN … COMMIT`, or COMMIT/BEGIN inside the runner's.

    ## What it does
    With `transaction: explicit` (and Sqitch: the runner does not wrap files;
    the file's own `BEGIN … COMMIT` is the only transaction), flags schema or
    data changes outside `BEGIN … COMMIT`, a `BEGIN` that is never committed,
    a `BEGIN` inside another, and a `COMMIT` without `BEGIN`. Statements that
    cannot run in a transaction (`CREATE INDEX CONCURRENTLY`, …) are exempt.

    In every mode and layout, flags transaction control inside the
    transaction the runner opens: a `BEGIN` there is ignored by PostgreSQL
    (with a warning); a `COMMIT` or `ROLLBACK` ends the runner's transaction
    early, and the runner's own `COMMIT` then only warns. What runs after it
    depends on how the runner sends statements: one at a time (goose,
    sql-migrate, Atlas), they run in autocommit, so the deliberate escape
    `COMMIT; CREATE INDEX CONCURRENTLY …; BEGIN;` works (a warning: what ran
    before the `COMMIT` stays committed if a later statement fails); through
    JDBC (Flyway, Liquibase) the driver opens a new transaction; as one query
    string (golang-migrate, sqlx, Diesel, dbmate, Prisma ≤ 7.3) they stay in
    PostgreSQL's implicit transaction, so the escape fails
    (`non-transactional-statement-in-transaction` reports the statement).

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
        if facts is None:
            return
        inside = [p for p in facts.problems if p.kind in ("begin-in-runner", "end-in-runner")]
        for index, problem in enumerate(inside):
            following = inside[index + 1] if index + 1 < len(inside) else None
            execution = facts.runs[problem.run].execution
            if (
                problem.kind == "begin-in-runner"
                and following is not None
                and following.kind == "end-in-runner"
                and following.after == "nothing"
                and following.run == problem.run
            ):
                yield _bracket(self, problem, following, execution)
            elif not (problem.kind == "end-in-runner" and index and _bracketed(inside[index - 1], problem)):
                yield _inside_runner(self, problem, execution)
        if facts.mode != "explicit":
            return
        for problem in facts.problems:
            if problem.kind in ("begin-in-runner", "end-in-runner"):
                continue
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


_AFTER = {
    "autocommit": "the statements after it run one at a time in autocommit",
    "reopened": "the driver opens a new transaction for the statements after it (JDBC, autocommit off)",
    "implicit": "the rest of the file is the same query string, which PostgreSQL runs as one implicit transaction",
}


def _bracketed(begin: TransactionProblem, end: TransactionProblem) -> bool:
    return begin.kind == "begin-in-runner" and end.after == "nothing" and begin.run == end.run


def _bracket(
    rule: MigrationNotAtomic, begin: TransactionProblem, end: TransactionProblem, execution: Execution
) -> Finding:
    """The whole file in BEGIN … COMMIT inside the runner's transaction: one finding for the pair."""
    who = "the runner" if execution.mode == "per-file" else execution.runner
    return rule.finding(
        f"BEGIN … COMMIT inside the transaction {who} opens for {execution.covers}: PostgreSQL ignores the BEGIN "
        f"(there is already a transaction in progress), and the COMMIT ends {who}'s transaction before {who} "
        "records the migration; its own COMMIT then only warns",
        severity=Severity.WARNING,
        help="remove BEGIN and COMMIT: the runner already runs the migration in a transaction "
        "(or set `transaction: explicit` if the files are run by a tool that does not wrap them, such as psql)",
        offset=begin.statement.start,
        end_offset=begin.statement.end,
    )


def _inside_runner(rule: MigrationNotAtomic, problem: TransactionProblem, execution: Execution) -> Finding:
    """BEGIN, COMMIT or ROLLBACK inside the transaction the runner opens."""
    stmt = problem.statement
    who = execution.runner
    if execution.mode == "per-file":
        opens = f"the transaction the runner opens for the whole file (transaction: per-file; {execution.sends})"
    else:
        opens = f"the transaction {who} opens for {execution.covers}"
    start, end = stmt.start, stmt.end
    if problem.kind == "begin-in-runner":
        return rule.finding(
            f"BEGIN inside {opens}: PostgreSQL ignores it (WARNING: there is already a transaction in progress), "
            "and a later COMMIT in the file ends the runner's transaction",
            severity=Severity.WARNING,
            help="remove the BEGIN: the runner already runs the migration in a transaction",
            offset=start,
            end_offset=end,
        )
    verb = "ROLLBACK" if stmt.node.get("kind") == "TRANS_STMT_ROLLBACK" else "COMMIT"
    if verb == "ROLLBACK":
        after = _AFTER.get(problem.after, "")
        return rule.finding(
            f"ROLLBACK inside {opens} undoes everything the migration did before it"
            + (f", and {after}" if after else ""),
            help="remove the ROLLBACK; let the migration fail instead",
            offset=start,
            end_offset=end,
        )
    return _commit_inside_runner(rule, problem, execution, opens)


def _commit_inside_runner(
    rule: MigrationNotAtomic, problem: TransactionProblem, execution: Execution, opens: str
) -> Finding:
    """A COMMIT inside the runner's transaction: what runs after it decides how bad it is."""
    stmt = problem.statement
    start, end = stmt.start, stmt.end
    if problem.after == "nothing":
        return rule.finding(
            f"COMMIT ends {opens} before the runner does: the runner's own COMMIT then only warns (there is no "
            "transaction in progress), and what it records after the file is no longer in one transaction with it",
            severity=Severity.WARNING,
            help="remove the COMMIT: the runner commits the migration",
            offset=start,
            end_offset=end,
        )
    if problem.after == "split":
        return rule.finding(
            f"COMMIT followed by BEGIN splits {opens} in two: what ran before the COMMIT stays committed if a "
            "later statement fails (the migration is not atomic)",
            severity=Severity.WARNING,
            help="split the migration into two migrations instead",
            offset=start,
            end_offset=end,
        )
    if problem.escape and problem.after == "autocommit":
        return rule.finding(
            f"COMMIT ends {opens} so that the statements after it run outside a transaction ({execution.sends}, "
            "so this works); but what ran before the COMMIT stays committed if a later statement fails: "
            "the migration is not atomic",
            severity=Severity.WARNING,
            help="put the non-transactional statements in a migration of their own, without a transaction",
            offset=start,
            end_offset=end,
        )
    return rule.finding(
        f"COMMIT ends {opens} early: {_AFTER[problem.after]}, so a failure after it leaves the migration half applied",
        help="remove the COMMIT (and any BEGIN after it); split the migration instead",
        offset=start,
        end_offset=end,
    )
