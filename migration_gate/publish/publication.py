"""What is published about a run, whatever the forge: a :class:`Publication` (rendered body, counts,
annotations), its one-line description, and how publishing reports failure (:class:`ReportingError`,
:class:`Outcome`) and keeps the token out of messages (:func:`redact`).

The GitHub adapter (:mod:`migration_gate.publish.github`, which names all of these) and the GitLab one take it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
