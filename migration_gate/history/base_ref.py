"""Which base to compare the working tree with (:func:`detect_base`):

1. ``--base REF``: that commit.
2. Inside GitHub Actions on a ``pull_request``/``pull_request_target`` event:
   when HEAD is the pull request's merge commit and its first parent is in
   the clone (``fetch-depth: 2`` or more), ``HEAD^1``; otherwise the event's
   ``pull_request.base.sha``, fetched with ``git fetch --no-tags --depth=1
   origin <sha>`` when the clone lacks it (``fetch-depth: 1``, the default).
3. In a GitLab CI merge request pipeline (``GITLAB_CI=true``):
   ``CI_MERGE_REQUEST_DIFF_BASE_SHA``, fetched the same way when the clone
   (``GIT_DEPTH``) lacks it.
4. Otherwise the merge-base of HEAD with ``origin/HEAD``, else ``origin/main``,
   else ``origin/master``.  The network is never touched outside these CI cases.
5. Otherwise there is no base: history checks are skipped with one note.

A base that was asked for (``--base``, the Actions event, or ``required``)
and cannot be read is a :class:`UsageError` (exit 2) naming the fix.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.context import Base
from ..errors import UsageError
from .gitcmd import GitError, _run_git, git

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
DEFAULT_BRANCH_REFS = ("origin/HEAD", "origin/main", "origin/master")
_SHA = re.compile(r"[0-9a-f]{40}\Z")


@dataclass(frozen=True, slots=True)
class PullRequestEvent:
    base_sha: str
    head_sha: str | None
    number: int | None


def in_github_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def pull_request_event(env: Mapping[str, str] | None = None) -> PullRequestEvent | None:
    """The pull request of the running GitHub Actions job, from its event payload.

    ``None`` outside Actions or for other events; a :class:`UsageError` when the
    job is a pull request but its event cannot be read.
    """
    env = os.environ if env is None else env
    if not in_github_actions(env) or env.get("GITHUB_EVENT_NAME") not in PULL_REQUEST_EVENTS:
        return None
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path:
        raise UsageError(
            f"GitHub Actions {env.get('GITHUB_EVENT_NAME')} event without GITHUB_EVENT_PATH: "
            "cannot find the pull request's base (pass --base REF)"
        )
    try:
        data = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the GitHub event {event_path}: {exc} (pass --base REF)") from None
    pull = data.get("pull_request") if isinstance(data, dict) else None
    base = pull.get("base") if isinstance(pull, dict) else None
    sha = base.get("sha") if isinstance(base, dict) else None
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise UsageError(f"the GitHub event {event_path} has no pull_request.base.sha (pass --base REF)")
    assert isinstance(pull, dict)  # a base sha was found in it
    head: dict[str, Any] = pull["head"] if isinstance(pull.get("head"), dict) else {}
    head_sha = head.get("sha") if isinstance(head.get("sha"), str) else None
    number = pull.get("number") if isinstance(pull.get("number"), int) else None
    return PullRequestEvent(sha, head_sha, number)


def _commit(root: Path, ref: str) -> str | None:
    if not ref or ref.startswith("-"):
        return None
    try:
        out = git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root).strip()
    except GitError:
        return None
    return out or None


def _parents(root: Path, ref: str) -> list[str]:
    try:
        line = git(["rev-list", "--parents", "-n", "1", ref, "--"], root).split()
    except GitError:
        return []
    return line[1:]


def merge_base(root: Path, a: str, b: str) -> str | None:
    try:
        out = git(["merge-base", a, b], root).strip()
    except GitError:
        return None
    return out or None


class FetchNeeded(Exception):
    """The base commit is missing from the clone and fetching it was not allowed (a prefetch)."""


def _fetch(
    root: Path, sha: str, what: str, fix: str = "give actions/checkout `fetch-depth: 0`", *, allowed: bool = True
) -> None:
    """Inside GitHub Actions or a GitLab merge request pipeline only: fetch one missing commit from origin."""
    if not allowed:
        raise FetchNeeded(sha)
    try:
        _run_git(["fetch", "--no-tags", "--depth=1", "origin", sha], root)
    except GitError as exc:
        raise UsageError(
            f"{what} {sha[:12]} is not in this clone and `git fetch --no-tags --depth=1 origin {sha}` "
            f"failed ({exc}); {fix}"
        ) from None


def gitlab_diff_base(env: Mapping[str, str]) -> str | None:
    """In a GitLab CI merge request pipeline: the merge request's diff base commit."""
    sha = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or ""
    if env.get("GITLAB_CI") != "true" or not sha:
        return None
    if not _SHA.match(sha):
        raise UsageError(f"CI_MERGE_REQUEST_DIFF_BASE_SHA={sha!r} is not a commit id (pass --base REF)")
    return sha


def detect_base(
    root: Path,
    ref: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    required: bool = False,
    fetch: bool = True,
) -> Base | None:
    """The base commit to compare the working tree with (see the module docstring).

    ``None`` when nothing was asked for and no default branch is known.  ``fetch=False``: a commit the
    clone lacks raises :class:`FetchNeeded` rather than being fetched.
    """
    env = os.environ if env is None else env
    actions = in_github_actions(env)
    if ref is not None:
        sha = _commit(root, ref)
        if sha is None and actions and _SHA.match(ref):
            _fetch(root, ref, f"--base {ref}:", allowed=fetch)
            sha = _commit(root, ref)
        if sha is None:
            hint = (
                "give actions/checkout `fetch-depth: 0`"
                if actions
                else f"fetch it first (e.g. `git fetch origin {ref.removeprefix('origin/')}`) or fix the ref"
            )
            raise UsageError(f"--base {ref}: not a commit in {root} ({hint})")
        return Base(sha, f"--base {ref}")
    event = pull_request_event(env)
    if event is not None:
        parents = _parents(root, "HEAD")
        if len(parents) == 2 and (event.head_sha is None or parents[1] == event.head_sha) and _commit(root, parents[0]):
            return Base(parents[0], "HEAD^1, the base side of the pull request's merge commit")
        if _commit(root, event.base_sha) is None:
            _fetch(root, event.base_sha, "the pull request's base commit", allowed=fetch)
        return Base(event.base_sha, "the pull request's base commit (GitHub event)")
    diff_base = gitlab_diff_base(env)
    if diff_base is not None:
        if _commit(root, diff_base) is None:
            _fetch(
                root,
                diff_base,
                "the merge request's diff base",
                "set GIT_DEPTH: 0 in the job's variables",
                allowed=fetch,
            )
        return Base(diff_base, "the merge request's diff base (CI_MERGE_REQUEST_DIFF_BASE_SHA)")
    if required:
        raise UsageError("no base to compare with: pass --base REF (e.g. --base origin/main)")
    for candidate in DEFAULT_BRANCH_REFS:
        sha = _commit(root, candidate)
        if sha is None:
            continue
        found = merge_base(root, sha, "HEAD")
        if found:
            return Base(found, f"merge-base with {candidate}")
    return None
