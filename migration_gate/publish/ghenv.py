"""What GitHub Actions tells a step: the environment variables and the event.

Only the standard library is used here, so reading the environment costs
nothing on the plain ``check`` path.  Publishing (PyGithub) lives in
:mod:`migration_gate.github_adapter`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
PR_EVENTS = ("pull_request", "pull_request_target")


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    head_sha: str
    base_sha: str | None
    fork: bool  # the head branch lives in another repository


@dataclass(frozen=True, slots=True)
class ActionsEnv:
    in_actions: bool
    repository: str | None  # owner/name
    api_url: str
    server_url: str
    event_name: str | None
    pull_request: PullRequest | None
    sha: str | None  # GITHUB_SHA: the merge commit on pull_request events
    run_id: str | None
    step_summary: Path | None
    workspace: Path | None
    token: str | None
    event_problem: str | None = None  # why the event could not be read

    @property
    def target_sha(self) -> str | None:
        """The commit a status belongs on: the PR head (not the merge commit), else GITHUB_SHA."""
        if self.pull_request is not None:
            return self.pull_request.head_sha
        return self.sha

    @property
    def run_url(self) -> str | None:
        if not (self.repository and self.run_id):
            return None
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"


def read_env(environ: Mapping[str, str] | None = None, token: str | None = None) -> ActionsEnv:
    env = os.environ if environ is None else environ
    event_name = env.get("GITHUB_EVENT_NAME") or None
    pull_request = None
    problem = None
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            pull_request = pull_request_from_event(json.loads(Path(event_path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            problem = f"cannot read GITHUB_EVENT_PATH {event_path}: {getattr(exc, 'strerror', None) or exc}"
    summary = env.get("GITHUB_STEP_SUMMARY")
    workspace = env.get("GITHUB_WORKSPACE")
    return ActionsEnv(
        in_actions=env.get("GITHUB_ACTIONS") == "true",
        repository=env.get("GITHUB_REPOSITORY") or None,
        api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        server_url=env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
        event_name=event_name,
        pull_request=pull_request,
        sha=env.get("GITHUB_SHA") or None,
        run_id=env.get("GITHUB_RUN_ID") or None,
        step_summary=Path(summary) if summary else None,
        workspace=Path(workspace) if workspace else None,
        token=token or env.get("GITHUB_TOKEN") or None,
        event_problem=problem,
    )


def pull_request_from_event(event: object) -> PullRequest | None:
    """The pull request of a ``pull_request``/``pull_request_target`` event payload, if any."""
    if not isinstance(event, dict):
        raise ValueError("the event is not a JSON object")
    pr = event.get("pull_request")
    if not isinstance(pr, dict):
        return None
    number = pr.get("number", event.get("number"))
    head: dict[str, Any] = pr["head"] if isinstance(pr.get("head"), dict) else {}
    base: dict[str, Any] = pr["base"] if isinstance(pr.get("base"), dict) else {}
    if not isinstance(number, int) or not isinstance(head.get("sha"), str):
        raise ValueError("the pull_request in the event has no number or head sha")
    head_repo: dict[str, Any] = head["repo"] if isinstance(head.get("repo"), dict) else {}
    base_repo: dict[str, Any] = base["repo"] if isinstance(base.get("repo"), dict) else {}
    fork = bool(head_repo.get("fork")) or (
        head_repo.get("full_name") is not None and head_repo.get("full_name") != base_repo.get("full_name")
    )
    if "repo" in head and head["repo"] is None:  # the head repository was deleted (a fork, read-only token)
        fork = True
    base_sha = base.get("sha") if isinstance(base.get("sha"), str) else None
    return PullRequest(number=number, head_sha=head["sha"], base_sha=base_sha, fork=fork)
