"""The change set: which migration files differ from the base (git).

The working tree (HEAD plus staged, unstaged and untracked files) is compared
with the base, so a pre-commit hook and a CI job see the same thing.

Which base: :mod:`.base_ref`.

What changed is computed from the *fork point* (the merge-base of the base
and HEAD, or the base itself when there is none, as in a shallow clone), so a
file merged on the base after this branch started is not mistaken for a file
this branch deleted; what is *merged* is the base's own tree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ..core.context import AppliedMigration, Base
from ..core.migration import Project
from ..discovery import Scope
from ..errors import UsageError
from .base_ref import DEFAULT_BRANCH_REFS as DEFAULT_BRANCH_REFS
from .base_ref import PULL_REQUEST_EVENTS as PULL_REQUEST_EVENTS
from .base_ref import PullRequestEvent as PullRequestEvent
from .base_ref import detect_base as detect_base
from .base_ref import gitlab_diff_base as gitlab_diff_base
from .base_ref import in_github_actions as in_github_actions
from .base_ref import merge_base as merge_base
from .base_ref import pull_request_event as pull_request_event
from .gitcmd import GitError as GitError
from .gitcmd import Resolver as Resolver
from .gitcmd import git as git
from .gitcmd import repo_root as repo_root
from .gitread import Change as Change
from .gitread import _raw_changes, _RawChange, _start_list_tree, _tree_entries
from .gitread import changed_files as changed_files
from .gitread import list_tree as list_tree
from .gitread import read_blobs as read_blobs

# --------------------------------------------------------------------------- the history input


@dataclass(slots=True)
class History:
    """What change-set rules compare the working tree with: the base (git) and/or the database."""

    root: Path | None = None
    base: Base | None = None
    fork: str | None = None  # where this branch left the base (the base itself when unknown)
    changes: list[_RawChange] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)  # every file below the locations on the base
    merged_bytes: dict[str, bytes] = field(default_factory=dict)  # content of the merged files that changed
    applied: list[AppliedMigration] | None = None  # flyway_schema_history, with --database-url
    note: str | None = None  # why history checks were skipped
    _base_contents: dict[Path, bytes] | None = field(default=None, repr=False)
    #: Resolves the many paths of few folders; shared by the stages that ask about the same files.
    resolver: Resolver = field(default_factory=lambda: Resolver(), repr=False, compare=False)
    _linked: frozenset[Path] | set[Path] | None = field(default=None, repr=False, compare=False)

    def linked(self, project: Project) -> frozenset[Path] | set[Path]:
        """Which of the project's files are links, as discovery's listings said; a project discovery did not
        build (``linked`` None) is asked of the file system, once per run."""
        if project.linked is not None:
            return project.linked
        if self._linked is None:
            self._linked = {f.path for f in project.files if os.path.islink(f.path)}
        return self._linked

    @property
    def active(self) -> bool:
        return self.base is not None or self.applied is not None

    def changed_paths(self) -> set[Path]:
        """Files (absolute) that were added, modified or renamed."""
        assert self.root is not None
        return {(self.root / c.path).resolve() for c in self.changes if c.status != "deleted"}

    def added_paths(self) -> set[Path] | None:
        """Files (absolute) this change adds: absent from the base under any name (None: no base).

        Only these run for the first time where the change is deployed; a merged file stays merged
        whatever the change does to it (edited, renamed, re-saved).
        """
        if self.base is None or self.root is None:
            return None
        return {(self.root / c.path).resolve() for c in self.changes if c.status == "added"}

    def base_content(self, path: Path) -> bytes | None:
        """The base's content of a merged file the change edited or renamed (None: not such a file)."""
        if self._base_contents is None:
            contents: dict[Path, bytes] = {}
            if self.root is not None:
                for change in self.changes:
                    if change.status not in ("modified", "renamed"):
                        continue
                    blob = self.merged.get(change.old_path or change.path)
                    data = self.merged_bytes.get(blob) if blob is not None else None
                    if data is not None:
                        contents[(self.root / change.path).resolve()] = data
            self._base_contents = contents
        return self._base_contents.get(self.resolver(path))


def _location_specs(root: Path, locations: list[Path]) -> list[str]:
    specs = []
    real_root = root.resolve()
    for location in locations:
        try:
            rel = location.resolve().relative_to(real_root).as_posix()
        except ValueError:
            continue
        specs.append(rel if rel != "." else ".")
    return specs


class Prefetched(Protocol):
    """The answers :func:`load_history` can take from an earlier start (:class:`~.prefetch.HistoryPrefetch`)."""

    def located(self) -> tuple[Path, Base] | History | None:
        """The repository and the base, or why history is skipped (None: ask)."""

    def read(self, specs: list[str]) -> History | None:
        """The change set below ``specs``, when it was read for exactly those folders (None: ask)."""


def load_history(
    scope: Scope,
    *,
    ref: str | None = None,
    start: Path | None = None,
    env: Mapping[str, str] | None = None,
    required: bool = False,
    prefetched: Prefetched | None = None,
) -> History:
    """Find the base and read the change set; a :class:`History` whose ``note`` says why not.

    ``prefetched``: the same questions started before discovery (:mod:`.prefetch`); its answers are
    taken only when they were asked of the same locations, and anything it did not finish is asked here.
    """
    env = os.environ if env is None else env
    start = start if start is not None else Path.cwd()
    early = prefetched.located() if prefetched is not None else None
    located = early if early is not None else locate_base(start, ref, env, required)
    if isinstance(located, History):
        return located
    root, base = located
    specs = _location_specs(root, scope.project.locations)
    read = prefetched.read(specs) if prefetched is not None else None
    return read if read is not None else read_history(root, base, specs)


def locate_base(
    start: Path, ref: str | None, env: Mapping[str, str], required: bool, *, fetch: bool = True
) -> tuple[Path, Base] | History:
    """The repository and the base commit, or a :class:`History` whose ``note`` says why history is skipped.

    ``fetch=False``: a commit missing from the clone raises :class:`FetchNeeded` instead of being fetched.
    """
    root = repo_root(start)
    if root is None:
        shown = start.resolve() if start else Path.cwd()
        if ref is not None:
            raise UsageError(
                f"--base {ref}: {shown} is not inside a git repository (drop --base to check the files without history)"
            )
        if pull_request_event(env) is not None or gitlab_diff_base(env) is not None or required:
            raise UsageError(
                f"{shown} is not inside a git repository, so the pull request's base cannot be read "
                "(check out the repository first, e.g. with actions/checkout)"
            )
        return History(note=f"history checks skipped: {shown} is not a git repository")
    try:
        base = detect_base(root, ref, env=env, required=required, fetch=fetch)
    except GitError as exc:  # git itself failing (not installed, broken repository)
        raise UsageError(f"cannot read the git history in {root}: {exc}") from None
    if base is None:
        return History(
            root=root,
            note="history checks skipped: no base to compare with "
            "(no origin/HEAD, origin/main or origin/master); pass --base REF",
        )
    return root, base


def read_history(root: Path, base: Base, specs: list[str]) -> History:
    """The change set from the base to the working tree, below the locations ``specs`` (from the root)."""
    try:
        tree = _start_list_tree(root, base.sha, specs) if specs else None  # runs beside the next commands
        try:
            fork = merge_base(root, base.sha, "HEAD") or base.sha
            changes = _raw_changes(root, fork, specs) if specs else []
        except GitError:
            if tree is not None:
                tree.discard()
            raise
        merged = _tree_entries(tree) if tree is not None else {}
        wanted = [merged[p] for c in changes for p in (c.old_path or c.path,) if p in merged]
        merged_bytes = read_blobs(root, wanted)
    except GitError as exc:
        raise UsageError(f"cannot compare with the base {base.short} ({base.source}): {exc}") from None
    return History(root=root, base=base, fork=fork, changes=changes, merged=merged, merged_bytes=merged_bytes)


def restrict_scope(scope: Scope, history: History, *, include_all: bool = False) -> Scope:
    """Statement rules report on the change set (every file with ``include_all``)."""
    scope = replace(scope, history=history)
    if history.base is None:
        return scope
    if include_all:
        return replace(scope, change_set=True)
    changed = history.changed_paths()
    names = {path.name for path in changed}  # resolve only the files that may be one of them
    linked = history.linked(scope.project)
    # `linked and`: hashing a Path costs a microsecond the first time, and there are usually no links
    files = [
        f
        for f in scope.files
        if (f.path.name in names or (linked and f.path in linked)) and f.path.resolve() in changed
    ]
    return replace(scope, files=files, change_set=True)


def restrict_to_change_set(scope: Scope, base: str, *, include_all: bool = False) -> Scope:
    """Report statement rules on the files changed since ``base`` only (``--base REF``)."""
    start = scope.project.locations[0] if scope.project.locations else Path.cwd()
    history = load_history(scope, ref=base, start=start)
    return restrict_scope(scope, history, include_all=include_all)
