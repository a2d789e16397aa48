from __future__ import annotations

from ..severity import Severity
from .base import Rule


class UnusedIgnore(Rule):
    r"""A `migration-gate: ignore` comment that is wrong or suppresses nothing.

    ## What it does
    Checks every `-- migration-gate: ignore <rule> -- <reason>` and
    `-- migration-gate: ignore-file <rule> -- <reason>` comment: the rule names
    must exist, a reason must be written after `--`, and the ignore must
    suppress a finding. An ignore without a reason is not applied.

    ## Why is this bad?
    Stale ignores hide the next real problem in the same statement, and an
    ignore without a reason leaves reviewers guessing why the risk was accepted.

    ## Example
    ```sql
    -- migration-gate: ignore syntax-error
    CREATE TABLE audit_log (id bigint PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    -- migration-gate: ignore syntax-error -- psql meta-command; the deploy script runs this file with psql
    \set ON_ERROR_STOP on
    CREATE TABLE audit_log (id bigint PRIMARY KEY);
    ```
    """

    code = "MG003"
    name = "unused-ignore"
    level = Severity.WARNING
    produced_by = "engine"
    help = "name existing rules, give a reason after `--`, and remove ignores that no longer apply"
