"""The facts the pre-pass records: the state each statement runs in, and the file's.

:func:`migration_gate.core.analysis.analyze` fills them in; the rules and the earlier-schema lookups read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .objects import ObjectKey
from .parse import Statement
from .runners.base import Execution
from .schema import SchemaLog


@dataclass(slots=True)
class StatementFacts:
    """The state a statement runs in (from the statements before it in the file)."""

    statement: Statement
    in_transaction: bool
    in_explicit_block: bool
    lock_timeout_set: bool
    order: int  # position in the file's analysis order (DO bodies follow their DO)
    file: FileFacts = field(repr=False)
    #: Inside the transaction the runner opened (and no COMMIT of the file has ended it).
    runner_transaction: bool = False
    #: In a query string that holds other statements too (PostgreSQL's implicit transaction).
    implicit: bool = False
    run: int = 0  # index of the Run (section, changeset) it belongs to
    #: Which transaction of the file it runs in (numbered from 0 in file order; a DO block's body shares its
    #: DO's); ``None``: it runs alone, in autocommit.
    transaction: int | None = None

    @property
    def execution(self) -> Execution:
        return self.file.runs[self.run].execution


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of the file the runner executes one way (``start``/``end``: offsets into the file)."""

    start: int
    end: int
    execution: Execution


@dataclass(slots=True)
class TransactionProblem:
    #: "nested" | "unclosed" | "stray-end" (the file's own BEGIN/COMMIT, explicit mode);
    #: "begin-in-runner" | "end-in-runner" (transaction control inside the runner's transaction)
    kind: str
    statement: Statement
    #: For end-in-runner: what the statements after it run in: "nothing" (none follow), "split" (a BEGIN
    #: follows at once), "autocommit", "reopened" (a transaction the driver opens), "implicit" (the rest of
    #: the same query string).
    after: str = ""
    #: The statements after a COMMIT are all non-transactional, up to a BEGIN (the deliberate escape).
    escape: bool = False
    run: int = 0


@dataclass(slots=True)
class FileFacts:
    mode: str
    runner_wraps: bool  # the runner opens a transaction around (the first run of) the file
    units: list[StatementFacts] = field(default_factory=list)
    #: statements PostgreSQL refuses to run in a transaction block, with the reason
    nontransactional: list[tuple[Statement, str]] = field(default_factory=list)
    #: statements Flyway detects as non-transactional (it then runs the file without one)
    flyway_nontransactional: list[Statement] = field(default_factory=list)
    problems: list[TransactionProblem] = field(default_factory=list)
    #: What the statements do to the schema, keyed by their order (``schema.SchemaLog``).
    schema: SchemaLog = field(default_factory=SchemaLog)
    do_block_errors: list[tuple[Statement, str]] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    #: Per run: the runner opens a transaction around it (Flyway's rule applied).
    run_wraps: list[bool] = field(default_factory=list)
    #: objects other than tables (views, functions, types, …) → orders of the statements creating them
    objects: dict[ObjectKey, list[int]] = field(default_factory=dict)
    #: objects (tables too) → order of the first statement that drops them ``IF EXISTS``
    dropped_if_exists: dict[ObjectKey, int] = field(default_factory=dict)
    #: (table, constraint) → order of the first ``DROP CONSTRAINT IF EXISTS`` of it
    constraints_dropped_if_exists: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Per run: the orders of its top-level statements, ascending (DO bodies are not top-level).
    top_level_by_run: dict[int, list[int]] = field(default_factory=dict)
    #: Per run: the orders of its top-level transaction statements (BEGIN, COMMIT, SAVEPOINT, …), ascending.
    transaction_statements_by_run: dict[int, list[int]] = field(default_factory=dict)
    #: Per run: the order of its last top-level statement that is not a transaction statement.
    last_statement_by_run: dict[int, int] = field(default_factory=dict)
    #: INSERT and UPDATE statements by the name of their table without its schema → their orders, ascending.
    writes_by_table_name: dict[str, list[int]] = field(default_factory=dict)
    #: The transaction (``StatementFacts.transaction``) that continues the deploy batch's: the runner's
    #: transaction around the file's first run when the runner runs all pending files in one (drizzle, Flyway
    #: ``group``, Atlas ``--tx-mode all``); ``None`` otherwise.
    batch_transaction: int | None = None
    #: The batch's transaction is still open when the file ends (no COMMIT or ROLLBACK in the file ended it).
    batch_open_at_end: bool = False
