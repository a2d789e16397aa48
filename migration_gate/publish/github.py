"""Publishing a run to GitHub with PyGithub: the sticky comment, the commit status, a check run.

Imported only when publishing (PyGithub is heavy).  Every call goes through
:meth:`Publisher._call <migration_gate.publish.github_api.Publisher._call>`,
which retries server errors (5xx) and timeouts a bounded number of times with
exponential backoff, and turns every other failure into a
:class:`ReportingError` whose text never contains the token.

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

import os
from collections.abc import Callable

from .ghenv import ActionsEnv
from .github_api import Publisher as Publisher
from .publication import ANNOTATION_BATCH as ANNOTATION_BATCH
from .publication import CHECK_NAME as CHECK_NAME
from .publication import DEFAULT_ATTEMPTS as DEFAULT_ATTEMPTS
from .publication import DEFAULT_BACKOFF as DEFAULT_BACKOFF
from .publication import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .publication import DESCRIPTION_LIMIT as DESCRIPTION_LIMIT
from .publication import STATUS_CONTEXT as STATUS_CONTEXT
from .publication import Outcome as Outcome
from .publication import Publication as Publication
from .publication import ReportingError as ReportingError
from .publication import redact as redact
from .publication import shorten as shorten
from .publication import status_description as status_description


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
