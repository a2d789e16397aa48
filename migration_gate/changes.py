"""The change set: which migration files differ from a base commit (git).

The working tree (HEAD plus staged, unstaged and untracked files) is compared
with the base, so a pre-commit hook and a CI job see the same thing.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from .engine import Scope, UsageError


class GitError(Exception):
    pass


def git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if done.returncode != 0:
        raise GitError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"git {args[0]} failed")
    return done.stdout


def repo_root(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    try:
        return Path(git(["rev-parse", "--show-toplevel"], folder).strip())
    except (GitError, OSError):
        return None


@dataclass(frozen=True, slots=True)
class Change:
    status: str  # added | modified | renamed | deleted
    path: Path  # absolute; for deleted files the old path
    old_path: Path | None = None


def resolve_base(root: Path, ref: str) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root).strip()
    except GitError:
        raise UsageError(f"--base {ref}: not a commit in {root} "
                         f"(fetch it first, e.g. `git fetch origin {ref}`, or fix the ref)") from None


def changed_files(root: Path, base_sha: str) -> list[Change]:
    out = git(["diff", "--name-status", "-M", "-z", "--no-ext-diff", base_sha, "--"], root)
    fields = out.split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[0] in "RC":
            old, new = fields[i + 1], fields[i + 2]
            changes.append(Change("renamed" if status[0] == "R" else "added", root / new, root / old))
            i += 3
            continue
        path = root / fields[i + 1]
        kind = {"A": "added", "D": "deleted"}.get(status[0], "modified")
        changes.append(Change(kind, path))
        i += 2
    for name in git(["ls-files", "--others", "--exclude-standard", "-z"], root).split("\0"):
        if name:
            changes.append(Change("added", root / name))
    return changes


def restrict_to_change_set(scope: Scope, base: str, *, include_all: bool = False) -> Scope:
    """Report statement rules on the files changed since ``base`` only."""
    start = scope.project.locations[0] if scope.project.locations else Path.cwd()
    root = repo_root(start)
    if root is None:
        raise UsageError(f"--base {base}: {start} is not inside a git repository")
    sha = resolve_base(root, base)
    changed = {c.path.resolve() for c in changed_files(root, sha) if c.status != "deleted"}
    if include_all:
        return replace(scope, change_set=True)
    files = [f for f in scope.files if f.path.resolve() in changed]
    return replace(scope, files=files, change_set=True)
