"""Publishing a run to GitHub with PyGithub: the sticky comment, the commit status, a check run.

Imported only when publishing (PyGithub is heavy).  Every call goes through
:meth:`Publisher._call`, which retries server errors (5xx) and timeouts a
bounded number of times with exponential backoff, and turns every other
failure into a :class:`ReportingError` whose text never contains the token.

* **Comment**: one per pull request, found by :attr:`Publication.marker` among *all* its
  comments (PyGithub follows the ``Link`` pages), edited in place.  A clean
  pull request without a comment gets none; an existing one is edited to the
  all-clear; an unchanged body is not sent again.  A failed create is
  followed by a fresh search before it is retried, so a request that reached
  GitHub but whose answer was lost never leaves two comments.
* **Status** on the pull request's head commit (not ``GITHUB_SHA``, which is
  the merge commit): context ``migration-gate``, ``success``/``failure``/``error``,
  a description of at most 140 characters, ``target_url`` the workflow run.
* **Check run** (opt-in): conclusion plus annotations, 50 per request (the
  API's limit), the first batch in the create call and the rest appended by
  updates.

A token without write access (pull requests from forks get a read-only
``GITHUB_TOKEN``: 403 "Resource not accessible by integration") stops
publishing after the first refusal with one warning; the caller still has the
annotations and the job summary.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .ghenv import ActionsEnv

STATUS_CONTEXT = "migration-gate"
CHECK_NAME = "migration-gate"
DESCRIPTION_LIMIT = 140
ANNOTATION_BATCH = 50
DEFAULT_TIMEOUT = 15.0
DEFAULT_ATTEMPTS = 4  # one try and three retries
DEFAULT_BACKOFF = 1.0  # seconds before the first retry; doubles each time


class ReportingError(Exception):
    """Publishing failed; the message is safe to print (no token)."""

    def __init__(self, message: str, *, stop: bool = False):
        super().__init__(message)
        self.stop = stop  # no point trying the other parts (no access, server down)


@dataclass
class Outcome:
    comment: str = "skipped"  # created | edited | unchanged | none | skipped | failed
    status: str = "skipped"  # posted | skipped | failed
    check_run: str = "skipped"  # posted | skipped | failed
    warnings: list[str] = field(default_factory=list)


def redact(text: str, token: str | None) -> str:
    if token:
        text = text.replace(token, "***")
    return text


@dataclass(frozen=True)
class Publication:
    """What is published about one run: rendered, counted, nothing of the run's internals."""

    body: str  # the comment (Markdown), also the check run's summary
    marker: str  # the hidden text that identifies the sticky comment
    errors: int
    warnings: int
    infos: int
    files: int
    failed: bool
    annotations: list[dict] = field(default_factory=list)  # check-run annotations (the API's shape)

    @property
    def clean(self) -> bool:
        return not (self.errors or self.warnings or self.infos)


def status_description(publication: Publication) -> str:
    errors, warnings, infos = publication.errors, publication.warnings, publication.infos
    files = publication.files
    where = f"in {files} file{'s' if files != 1 else ''}"
    if publication.clean:
        text = f"All clear: no findings {where}"
    else:
        counts = (
            f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}, "
            f"{infos} info{'s' if infos != 1 else ''}"
        )
        text = f"{counts} {where}: the gate {'fails' if publication.failed else 'passes'}"
    return shorten(text, DESCRIPTION_LIMIT)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def publish(
    env: ActionsEnv,
    publication: Publication,
    *,
    comment: bool = True,
    status: bool = True,
    checks: bool = False,
    **settings,
) -> Outcome:
    """Comment, status and check run for one run; never raises."""
    outcome = Outcome()
    try:
        publisher = Publisher(env, **settings)
    except ReportingError as exc:
        outcome.warnings.append(str(exc))
        return outcome
    except Exception as exc:  # noqa: BLE001 - publishing never turns into a crash of the gate
        outcome.warnings.append(_unexpected(exc, env.token))
        return outcome
    pr = env.pull_request
    sha = env.target_sha
    steps: list[tuple[str, Callable[[], str]]] = []
    if comment and pr is not None:
        steps.append(
            (
                "comment",
                lambda: publisher.upsert_comment(
                    pr.number, publication.body, clean=publication.clean, marker=publication.marker
                ),
            )
        )
    if status and sha:
        state = "failure" if publication.failed else "success"

        def post_status() -> str:
            publisher.post_status(sha, state, status_description(publication))
            return "posted"

        steps.append(("status", post_status))
    if checks and sha:

        def post_check_run() -> str:
            publisher.post_check_run(sha, publication)
            return "posted"

        steps.append(("check_run", post_check_run))
    for name, step in steps:
        try:
            setattr(outcome, name, step())
        except ReportingError as exc:
            setattr(outcome, name, "failed")
            outcome.warnings.append(_explain(str(exc), pr))
            if exc.stop:
                break
        except Exception as exc:  # noqa: BLE001 - a bug or an odd answer: a warning, not a crash
            setattr(outcome, name, "failed")
            outcome.warnings.append(_unexpected(exc, env.token))
            break
    return outcome


def _unexpected(exc: Exception, token: str | None) -> str:
    if os.environ.get("MIGRATION_GATE_DEBUG"):
        raise exc
    return redact(
        f"cannot publish to GitHub (unexpected {type(exc).__name__}: {exc}); "
        "the report is in the annotations and the job summary",
        token,
    )


def publish_error(env: ActionsEnv, message: str, **settings) -> Outcome:
    """An ``error`` status when the gate could not run (bad config, missing base)."""
    outcome = Outcome()
    sha = env.target_sha
    if not sha:
        return outcome
    try:
        Publisher(env, **settings).post_status(sha, "error", f"migration-gate could not run: {message}")
        outcome.status = "posted"
    except ReportingError as exc:
        outcome.status = "failed"
        outcome.warnings.append(_explain(str(exc), env.pull_request))
    except Exception as exc:  # noqa: BLE001
        outcome.status = "failed"
        outcome.warnings.append(_unexpected(exc, env.token))
    return outcome


def _explain(message: str, pr) -> str:
    if " 403 " in f" {message} " or "403 Resource not accessible" in message:
        why = (
            "the token cannot write here (a pull request from a fork gets a read-only GITHUB_TOKEN)"
            if pr is not None and pr.fork
            else "the token cannot write here (grant `pull-requests: write`, `statuses: write` and, for check "
            "runs, `checks: write` in the workflow's `permissions:`)"
        )
        return f"cannot publish to GitHub ({message}): {why}; the report is in the annotations and the job summary"
    return f"cannot publish to GitHub ({message}); the report is in the annotations and the job summary"
