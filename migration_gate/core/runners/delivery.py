"""How a runner hands statements to PostgreSQL: a whole file or section as one query string, or one
statement at a time, and which query string a statement reaches PostgreSQL in."""

from __future__ import annotations

ONE_QUERY = "one-query"  # the whole file or section as one simple-protocol query string
PER_STATEMENT = "per-statement"  # one statement at a time


def query_index(statement_start: int, statement_index: int, delivery: str, cuts: tuple[int, ...] | None) -> int:
    """Which query string of its run a statement reaches PostgreSQL in (equal numbers: the same string).

    One query string per run (``ONE_QUERY``); with the runner's own cuts (goose's and sql-migrate's
    lines ending in ``;``, their ``StatementBegin … StatementEnd`` blocks, drizzle's breakpoints), the
    stretch between two cuts; otherwise each statement alone.  The same grouping as the pre-pass
    (``core.analysis``) uses for its implicit transactions.
    """
    if delivery == ONE_QUERY:
        return 0
    if cuts is not None:
        import bisect

        return bisect.bisect_right(cuts, statement_start)
    return -1 - statement_index
