"""The layouts: one module per migration runner (its docstring is the layout's page).

:data:`LAYOUTS` maps a ``migrations.layout`` name to its :class:`~.base.Runner`;
``auto`` is not a layout but the instruction to find one (discovery does).
"""

from __future__ import annotations

from . import (
    atlas,
    dbmate,
    diesel,
    drizzle,
    flyway,
    golang_migrate,
    goose,
    liquibase,
    pattern,
    pop,
    prisma,
    sqitch,
    sql_migrate,
    sqlx,
    up_down,
)
from .base import Runner

#: The layouts in documentation order.
MODULES = (
    flyway,
    up_down,
    golang_migrate,
    goose,
    dbmate,
    sql_migrate,
    sqlx,
    diesel,
    pop,
    prisma,
    atlas,
    liquibase,
    sqitch,
    drizzle,
    pattern,
)
LAYOUTS: dict[str, Runner] = {m.RUNNER.name: m.RUNNER for m in MODULES}
AUTO = "auto"
NAMES = (*LAYOUTS, AUTO)


def runner(name: str) -> Runner:
    """The layout called ``name`` (``KeyError`` for an unknown one)."""
    return LAYOUTS[name]
