"""Real git repositories of each migration runner, checked by the history gate in-process.

:func:`history_findings` runs the real pipeline (discovery, ``attach_history``
on the real git repository, the engine and the change-set rules) on a
repository whose migrations folder has the given layout.

Discovery classifies every file with its layout's runner module
(``migration_gate.core.runners``), as ``check`` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_gate.core.config import Config

HISTORY_RULES = ("modified-merged-migration", "out-of-order-migration-version")


def runner_scope(monkeypatch: pytest.MonkeyPatch, root: Path, layout: str, location: str, base: str = "main"):
    """The scope of ``root`` with its history against ``base``, as `check` builds it (cwd = the repository)."""
    from migration_gate.discovery import scope_from_config
    from migration_gate.history.changeset import attach_history

    monkeypatch.chdir(root)
    config = Config(root=root, migration_paths=(location,), layout=layout)
    scope = scope_from_config(config)
    return attach_history(scope, base=base, auto=False, start=root, env={}), config


def history_findings(
    monkeypatch: pytest.MonkeyPatch, root: Path, layout: str, location: str, rules=HISTORY_RULES
) -> list[tuple]:
    """(code, severity, path, line, column, message) of the history rules, in report order."""
    from migration_gate.run import run_check

    scope, config = runner_scope(monkeypatch, root, layout, location)
    result = run_check(scope, config, only=rules)
    return [(v.code, v.severity.label, v.path, v.line, v.column, v.message) for v in result.violations]
