"""The ``transaction:`` setting of a location (and a layout's legacy default): the execution it describes,
for every layout that honours it."""

from __future__ import annotations

from .base import ONE_QUERY, PER_STATEMENT, Execution, Settings


def legacy_execution(settings: Settings, runner: str, *, default: str | None, opt_out: str | None) -> Execution | None:
    """The execution the ``transaction:`` setting (or the layout's legacy default) describes.

    ``explicit``: the runner opens no transaction; the file's own ``BEGIN … COMMIT`` are the only ones
    (statements go one at a time unless ``statement_delivery`` says otherwise).  ``per-file``: the
    runner wraps the file; how statements reach PostgreSQL is ``statement_delivery``, assumed one
    query string (as golang-migrate, Diesel and sqlx send it) when not configured.  ``flyway``:
    Flyway's rule.  ``None`` when neither the setting nor ``default`` gives a mode.
    """
    mode = settings.transaction or default
    if mode is None:
        return None
    if mode == "explicit":
        return Execution(False, settings.delivery or PER_STATEMENT, runner, mode="explicit", opt_out=opt_out)
    if mode == "flyway":
        return Execution(
            opt_out is None, PER_STATEMENT, "Flyway", mode="flyway", reopens=True, flyway=True, opt_out=opt_out
        )
    delivery = settings.delivery
    assumed = None
    if delivery is None:
        delivery = ONE_QUERY
        assumed = "statement delivery assumed: one query string per file (set statement_delivery)"
    return Execution(opt_out is None, delivery, "the runner", mode="per-file", opt_out=opt_out, assumed=assumed)
