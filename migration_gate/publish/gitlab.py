"""Publishing a run to a GitLab merge request with python-gitlab: one sticky note, edited in place.

Imported only with ``--gitlab``.  It receives a :class:`~migration_gate.publish.github.Publication`
(the rendered body and counts), never the run's internals, and behaves like
the GitHub comment:

* the note is found by :attr:`Publication.marker` among *all* the merge
  request's notes (python-gitlab follows the pages) and edited in place; a
  clean merge request without a note gets none, an existing note is edited
  to the all-clear, an unchanged body is not sent again;
* server errors (5xx) and timeouts are retried a bounded number of times with
  exponential backoff; a failed create is followed by a fresh search before
  it is retried, so a request that reached GitLab but whose answer was lost
  never leaves two notes;
* 401/403/404 stop publishing with one warning; no message ever contains the
  token.

Where: ``CI_API_V4_URL`` (``https://gitlab.example.com/api/v4``), ``CI_PROJECT_ID``
and ``CI_MERGE_REQUEST_IID``, which GitLab CI sets in merge request
pipelines; the token comes from ``GITLAB_TOKEN`` (a project or personal
access token with the ``api`` scope: the job's own ``CI_JOB_TOKEN`` cannot
write notes).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .github import DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, DEFAULT_TIMEOUT, Publication, ReportingError, redact

API_SUFFIX = "/api/v4"


@dataclass(frozen=True, slots=True)
class GitLabEnv:
    """What GitLab CI tells a job about the merge request (and the token the user gave it)."""

    api_url: str | None  # CI_API_V4_URL
    project: str | None  # CI_PROJECT_ID (or a URL-encoded path)
    merge_request: int | None  # CI_MERGE_REQUEST_IID
    token: str | None  # GITLAB_TOKEN
    problem: str | None = None  # why the environment cannot be used

    @property
    def server_url(self) -> str | None:
        """The instance's URL, as python-gitlab wants it (it appends /api/v4 itself)."""
        if not self.api_url:
            return None
        url = self.api_url.rstrip("/")
        return url[: -len(API_SUFFIX)] if url.endswith(API_SUFFIX) else url

    def missing(self) -> list[str]:
        names = []
        if not self.token:
            names.append("GITLAB_TOKEN (a project or personal access token with the api scope)")
        if not self.api_url:
            names.append("CI_API_V4_URL")
        if not self.project:
            names.append("CI_PROJECT_ID")
        if self.merge_request is None:
            names.append("CI_MERGE_REQUEST_IID (a merge request pipeline)")
        return names


def read_env(environ: Mapping[str, str] | None = None) -> GitLabEnv:
    env = os.environ if environ is None else environ
    iid_text = env.get("CI_MERGE_REQUEST_IID") or ""
    problem = None
    iid = None
    if iid_text:
        if iid_text.isdigit():
            iid = int(iid_text)
        else:
            problem = f"CI_MERGE_REQUEST_IID={iid_text!r} is not a number"
    return GitLabEnv(
        api_url=env.get("CI_API_V4_URL") or None,
        project=env.get("CI_PROJECT_ID") or None,
        merge_request=iid,
        token=env.get("GITLAB_TOKEN") or None,
        problem=problem,
    )


class NotePublisher:
    def __init__(
        self,
        env: GitLabEnv,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ):
        import gitlab

        missing = env.missing()
        if missing:
            raise ReportingError(f"missing {' and '.join(missing)}", stop=True)
        self.env = env
        self.token = env.token
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep
        self.gitlab = gitlab.Gitlab(
            env.server_url,
            private_token=env.token,
            timeout=max(1, math.ceil(timeout)),
            per_page=100,
            retry_transient_errors=False,  # retries are ours: bounded, and aware of what a POST may have done
        )
        assert env.project is not None and env.merge_request is not None  # missing() said so
        project = self.gitlab.projects.get(env.project, lazy=True)
        self.merge_request = project.mergerequests.get(env.merge_request, lazy=True)

    def _describe(self, exc: Exception) -> tuple[str, bool, bool]:
        """(message, retriable, stop) for an exception from python-gitlab or requests."""
        import requests
        from gitlab.exceptions import GitlabError

        if isinstance(exc, GitlabError):
            status = exc.response_code or 0
            text = f"{status} {exc.error_message or ''}".strip()
            if status >= 500:
                return text, True, True
            if status in (401, 403, 404):
                return text, False, True
            return text, False, False
        if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
            kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
            return kind, True, True
        return f"{type(exc).__name__}: {exc}", False, False

    def _call(self, what: str, fn: Callable[[], Any], before_retry: Callable[[], Any] | None = None) -> Any:
        """``fn()`` with retries of 5xx and timeouts; ``before_retry()`` may return a result instead."""
        import requests
        from gitlab.exceptions import GitlabError

        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except (GitlabError, requests.RequestException) as exc:
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

    def find_note(self, marker: str) -> Any:
        iid = self.env.merge_request

        def search() -> Any:
            for note in self.merge_request.notes.list(iterator=True):
                if marker in (note.body or ""):
                    return note
            return None

        return self._call(f"listing the notes of !{iid}", search)

    def upsert_note(self, body: str, clean: bool, marker: str) -> str:
        iid = self.env.merge_request
        existing = self.find_note(marker)
        if existing is None:
            if clean:
                return "none"
            found_on_retry: list[Any] = []

            def look_again() -> Any:
                # The failed attempt may have reached GitLab: never post a second note.
                found = self.find_note(marker)
                if found is not None:
                    found_on_retry.append(found)
                return found

            made = self._call(
                f"creating the note on !{iid}",
                lambda: self.merge_request.notes.create({"body": body}),
                before_retry=look_again,
            )
            if not found_on_retry or _same(made.body, body):
                return "created"
            existing = made
        if _same(existing.body, body):
            return "unchanged"

        def edit() -> None:
            existing.body = body
            existing.save()

        self._call(f"editing note {existing.id}", edit)
        return "edited"


def _same(a: str | None, b: str) -> bool:
    return (a or "").replace("\r\n", "\n") == b.replace("\r\n", "\n")


def publish(env: GitLabEnv, publication: Publication, **settings: Any) -> tuple[str, list[str]]:
    """The sticky note for one run: (outcome, warnings); never raises."""
    try:
        publisher = NotePublisher(env, **settings)
        return publisher.upsert_note(publication.body, publication.clean, publication.marker), []
    except ReportingError as exc:
        return "failed", [_explain(str(exc))]
    except Exception as exc:  # publishing never turns into a crash of the gate (re-raised when debugging)
        if os.environ.get("MIGRATION_GATE_DEBUG"):
            raise
        return "failed", [redact(f"cannot publish to GitLab (unexpected {type(exc).__name__}: {exc})", env.token)]


def _explain(message: str) -> str:
    if " 401 " in f" {message} " or " 403 " in f" {message} ":
        return (
            f"cannot publish to GitLab ({message}): the token cannot write notes here (GITLAB_TOKEN must be a "
            "project or personal access token with the api scope; CI_JOB_TOKEN cannot post notes)"
        )
    return f"cannot publish to GitLab ({message})"
