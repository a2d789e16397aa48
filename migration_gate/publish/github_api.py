"""The GitHub API client of the publisher: PyGithub calls with bounded retries, the sticky comment, the commit
status and the check run (what each does: :mod:`migration_gate.publish.github`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from .ghenv import ActionsEnv
from .publication import (
    ANNOTATION_BATCH,
    CHECK_NAME,
    DEFAULT_ATTEMPTS,
    DEFAULT_BACKOFF,
    DEFAULT_TIMEOUT,
    DESCRIPTION_LIMIT,
    STATUS_CONTEXT,
    Publication,
    ReportingError,
    redact,
    shorten,
    status_description,
)


class Publisher:
    def __init__(
        self,
        env: ActionsEnv,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from github import Auth, Github

        if not env.token:
            raise ReportingError("no GitHub token", stop=True)
        if not env.repository:
            raise ReportingError("GITHUB_REPOSITORY is not set", stop=True)
        self.env = env
        self.token = env.token
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep
        self.github = Github(
            auth=Auth.Token(env.token),
            base_url=env.api_url,
            timeout=max(1, math.ceil(timeout)),
            per_page=100,
            retry=None,  # retries are ours: bounded, and aware of what a POST may have done
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        self.repo = self.github.get_repo(env.repository)

    # ------------------------------------------------------------------ plumbing

    def _describe(self, exc: Exception) -> tuple[str, bool, bool]:
        """(message, retriable, stop) for an exception from PyGithub or requests."""
        import requests
        from github import GithubException

        if isinstance(exc, GithubException):
            status = exc.status
            message = ""
            if isinstance(exc.data, dict):
                message = str(exc.data.get("message") or "")
            text = f"{status} {message}".strip()
            if status >= 500:
                return text, True, True
            if status in (401, 403, 404):
                return text, False, True
            return text, False, False
        if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
            kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
            return kind, True, True
        return f"{type(exc).__name__}: {exc}", False, False

    def _call(self, what: str, fn: Callable, before_retry: Callable | None = None):
        """``fn()`` with retries of 5xx and timeouts; ``before_retry()`` may return a result instead."""
        import requests
        from github import GithubException

        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except (GithubException, requests.RequestException) as exc:
                message, retriable, stop = self._describe(exc)
                if not retriable or attempt == self.attempts:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise ReportingError(redact(f"{what}: {message}{tries}", self.token), stop=stop) from None
            self.sleep(delay)
            delay *= 2
            if before_retry is not None:
                found = before_retry()
                if found is not None:
                    return found
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ the parts

    def find_comment(self, number: int, marker: str):
        issue = self.repo.get_issue(number)

        def search():
            for comment in issue.get_comments():
                if marker in (comment.body or ""):
                    return comment
            return None

        return self._call(f"listing the comments of #{number}", search)

    def upsert_comment(self, number: int, body: str, clean: bool, marker: str) -> str:
        existing = self.find_comment(number, marker)
        if existing is None:
            if clean:
                return "none"
            issue = self.repo.get_issue(number)
            found_on_retry: list = []

            def look_again():
                # The failed attempt may have reached GitHub: never post a second comment.
                found = self.find_comment(number, marker)
                if found is not None:
                    found_on_retry.append(found)
                return found

            made = self._call(
                f"creating the comment on #{number}", lambda: issue.create_comment(body), before_retry=look_again
            )
            if not found_on_retry or _same(made.body, body):
                return "created"
            existing = made
        if _same(existing.body, body):
            return "unchanged"
        self._call(f"editing comment {existing.id}", lambda: existing.edit(body))
        return "edited"

    def post_status(self, sha: str, state: str, description: str) -> None:
        commit = self.repo.get_commit(sha)
        kwargs = {"state": state, "description": shorten(description, DESCRIPTION_LIMIT), "context": STATUS_CONTEXT}
        if self.env.run_url:
            kwargs["target_url"] = self.env.run_url
        self._call(f"setting the commit status on {sha[:12]}", lambda: commit.create_status(**kwargs))

    def post_check_run(self, sha: str, publication: Publication) -> None:
        annotations = publication.annotations
        summary = publication.body
        batches = [annotations[i : i + ANNOTATION_BATCH] for i in range(0, len(annotations), ANNOTATION_BATCH)] or [[]]
        title = status_description(publication)
        conclusion = "failure" if publication.failed else "success"

        def output(batch):
            return {"title": title, "summary": summary, "annotations": batch}

        kwargs = {
            "name": CHECK_NAME,
            "head_sha": sha,
            "status": "completed",
            "conclusion": conclusion,
            "output": output(batches[0]),
        }
        if self.env.run_url:
            kwargs["details_url"] = self.env.run_url
        run = self._call("creating the check run", lambda: self.repo.create_check_run(**kwargs))
        for number, batch in enumerate(batches[1:], start=2):
            self._call(
                f"adding annotations (batch {number} of {len(batches)})",
                lambda batch=batch: run.edit(output=output(batch)),
            )


def _same(a: str | None, b: str) -> bool:
    return (a or "").replace("\r\n", "\n") == b.replace("\r\n", "\n")
