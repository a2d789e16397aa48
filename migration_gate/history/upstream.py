"""``check --history``: the pre-commit hook ``migration-gate-history``.

It compares the working tree (for a hook: what is staged) with the upstream
base and runs only the rules that guard the history of the migrations folder:
every rule the history gate produces (immutability, order, checksums…) plus
the file rules about versions and rollbacks.  Statement rules are the other
hook's job.

The base is the merge-base of ``HEAD`` with the first of ``origin/HEAD``,
``origin/main``, ``origin/master`` and the branch's ``@{upstream}`` that
exists, from local refs only: a hook never touches the network.  Without any
of them (a fresh clone of nothing, a repository with no remote) there is
nothing to compare with: one warning, exit code 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: File rules about versions and rollbacks that the history hook also runs.
HISTORY_FILE_RULES = (
    "duplicate-migration-version",
    "missing-rollback",
    "orphan-rollback",
    "rollback-collides-with-migration",
)


def find_base(start: Path) -> tuple[str, str] | None:
    """(merge-base sha, where it came from), or None when there is no upstream to compare with."""
    from .git import GitError, detect_base, git, merge_base, repo_root

    root = repo_root(start)
    if root is None:
        return None
    try:
        base = detect_base(root, None, env={})  # no Actions event: local default-branch refs only
    except GitError:
        base = None
    if base is not None:
        return base.sha, base.source
    try:
        upstream = git(["rev-parse", "--verify", "--quiet", "@{upstream}^{commit}"], root).strip()
    except GitError:
        return None
    found = merge_base(root, upstream, "HEAD") if upstream else None
    return (found, "merge-base with @{upstream}") if found else None


def history_rule_names(config) -> list[str]:
    """The history rules and the version/rollback file rules, minus those the config turns off."""
    from ..core.rules import registry
    from ..core.severity import Severity

    names = []
    for rule in registry.ALL_RULES:
        if rule.produced_by != "history" and rule.name not in HISTORY_FILE_RULES:
            continue
        setting = config.rules.get(rule.name)
        level = setting.level if setting and setting.level is not None else rule.default_level(config.preset)
        if level != Severity.OFF:
            names.append(rule.name)
    return names


def prepare(args: argparse.Namespace) -> bool:
    """Turn ``--history`` into a base and a rule selection; False: nothing to compare with (exit 0)."""
    from ..config import load_config
    from ..errors import UsageError

    if args.paths:
        raise UsageError("--history checks the configured migrations folders: give no PATH")
    if args.only:
        raise UsageError("--history chooses its own rules: it cannot be combined with --rule")
    config = load_config(Path(args.config) if args.config else None, search_from=Path.cwd())
    if not args.base:
        found = find_base(Path.cwd())
        if found is None:
            print(
                "migration-gate: warning: no upstream branch to compare with (no origin/HEAD, origin/main, "
                "origin/master or @{upstream}); history checks skipped",
                file=sys.stderr,
            )
            return False
        args.base = found[0]
    args.only = history_rule_names(config)
    return True
