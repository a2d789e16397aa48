"""Everything ``check`` produces besides its main report.

* ``--report FORMAT=PATH`` (repeatable): the same run written in other formats
  at the same time, e.g. ``--report sarif=migration-gate.sarif --report json=gate.json``.
* Inside GitHub Actions (``GITHUB_ACTIONS=true``): annotations (workflow
  commands) for every finding, and the Markdown report appended to
  ``$GITHUB_STEP_SUMMARY``.  They carry the report even when publishing is not
  possible (forks, no token).
* Publishing (``--github``; on by default inside Actions when a token is
  present): the pull request comment, the commit status and, with
  ``--github-checks``, a check run.  See :mod:`migration_gate.github_adapter`.

A reporting failure is a warning and leaves the exit code alone, unless
``--strict-reporting``: then it is exit code 3 (when the gate itself passed).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..reporters.quoting import repo_path
from .ghenv import ActionsEnv, read_env

if TYPE_CHECKING:
    from .gitlab import GitLabEnv

EXIT_REPORTING = 3


def configure(parser: argparse.ArgumentParser, formats) -> None:
    parser.add_argument(
        "--report",
        action="append",
        dest="reports",
        metavar="FORMAT=PATH",
        default=[],
        help=f"also write the report in FORMAT ({', '.join(sorted(formats))}) to PATH; repeatable",
    )
    group = parser.add_argument_group("GitHub")
    group.add_argument(
        "--github",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="publish the pull request comment and commit status "
        "(default: on inside GitHub Actions when a token is present)",
    )
    group.add_argument(
        "--github-token", metavar="TOKEN", help="token for publishing (default: $GITHUB_TOKEN; prefer the variable)"
    )
    group.add_argument(
        "--github-comment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the sticky pull request comment (default: on)",
    )
    group.add_argument(
        "--github-status",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the commit status `migration-gate` on the head commit (default: on)",
    )
    group.add_argument(
        "--github-checks",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also a check run with annotations (default: off; needs `checks: write`)",
    )
    group.add_argument(
        "--strict-reporting", action="store_true", help="a failure to publish exits with 3 instead of a warning"
    )
    gitlab = parser.add_argument_group("GitLab")
    gitlab.add_argument(
        "--gitlab",
        action="store_true",
        help="publish one sticky note on the merge request (GitLab CI: CI_API_V4_URL, CI_PROJECT_ID, "
        "CI_MERGE_REQUEST_IID; the token from GITLAB_TOKEN, a project or personal access token with api scope)",
    )


def _float_setting(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r}: not a number of seconds") from None
    if value < 0:
        raise UsageError(f"{name}={raw!r}: must not be negative")
    return value


@dataclass
class Plan:
    env: ActionsEnv
    formats: dict
    reports: list[tuple[str, Path]]
    publish: bool
    comment: bool
    status: bool
    checks: bool
    strict: bool
    annotations_to: str | None  # "stdout" | "stderr" | None
    settings: dict = field(default_factory=dict)
    gitlab: GitLabEnv | None = None  # with --gitlab
    warnings: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ output helpers

    def warn(self, message: str) -> None:
        from .github import redact

        message = redact(message, self.env.token)
        self.warnings.append(message)
        if self.env.in_actions:
            from ..reporters.github import escape_data

            print(f"::warning title=migration-gate::{escape_data(message)}", file=sys.stderr)
        else:
            print(f"migration-gate: warning: {message}", file=sys.stderr)

    def needs_statements(self, main_format: str) -> bool:
        """Do the reports show per-statement locks? (JSON and the Markdown comment/summary do.)"""
        formats = {main_format, *(fmt for fmt, _ in self.reports)}
        publishing = self.publish or self.gitlab is not None
        return bool(formats & {"json", "markdown"}) or publishing or self.env.in_actions

    @property
    def workspace(self) -> Path | None:
        """The checkout's root, which report paths are relative to in CI (GitHub Actions, GitLab CI)."""
        if self.env.in_actions:
            return self.env.workspace
        if os.environ.get("GITLAB_CI") == "true" and os.environ.get("CI_PROJECT_DIR"):
            return Path(os.environ["CI_PROJECT_DIR"])
        return None

    def path_of(self, path: str) -> str:
        return repo_path(path, self.workspace)

    # ------------------------------------------------------------------ the steps

    def failed_to_run(self, message: str) -> None:
        """The check could not run (exit 2): say so in the commit status."""
        if not self.publish or not self.status:
            return
        from .github import publish_error

        for warning in publish_error(self.env, message, **self.settings).warnings:
            self.warn(warning)

    def finish(self, result, context, code: int) -> int:
        from ..reporters import render

        for fmt, path in self.reports:
            try:
                path.write_text(render(fmt, result, context), encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--report {fmt}={path}: {exc.strerror or exc}") from None
        if self.annotations_to:
            stream = sys.stdout if self.annotations_to == "stdout" else sys.stderr
            stream.write(render("github", result, context))
            stream.flush()
        if self.env.in_actions and self.env.step_summary is not None:
            from ..reporters.markdown import SUMMARY_LIMIT, render_markdown

            try:
                with self.env.step_summary.open("a", encoding="utf-8") as handle:
                    handle.write(render_markdown(result, context, limit=SUMMARY_LIMIT) + "\n")
            except OSError as exc:
                self.warn(f"cannot append to GITHUB_STEP_SUMMARY: {exc.strerror or exc}")
        if self.publish:
            from .github import publish

            outcome = publish(
                self.env,
                self._publication(result, context, self.checks),
                comment=self.comment,
                status=self.status,
                checks=self.checks,
                **self.settings,
            )
            for warning in outcome.warnings:
                self.warn(warning)
        if self.gitlab is not None:
            from . import gitlab

            _, warnings = gitlab.publish(self.gitlab, self._publication(result, context, False), **self.settings)
            for warning in warnings:
                self.warn(warning)  # (python-gitlab's errors are redacted by the adapter)
        if self.warnings and self.strict and code == 0:
            return EXIT_REPORTING
        return code

    def _publication(self, result, context, annotations: bool):
        """What a publisher gets: the rendered comment and the counts (no run internals)."""
        from ..core.severity import Severity
        from ..reporters.github import check_annotations
        from ..reporters.markdown import MARKER, render_markdown
        from .github import Publication

        return Publication(
            body=render_markdown(result, context),
            marker=MARKER,
            errors=result.count(Severity.ERROR),
            warnings=result.count(Severity.WARNING),
            infos=result.count(Severity.INFO),
            files=len(result.files),
            failed=result.failed,
            annotations=check_annotations(result, self.workspace) if annotations else [],
        )


def plan(args: argparse.Namespace, formats) -> Plan:
    """Decide what to produce besides the main report; bad flags are usage errors (exit 2)."""
    reports: list[tuple[str, Path]] = []
    for item in args.reports or ():
        fmt, sep, path = item.partition("=")
        if not sep or not path:
            raise UsageError(f"--report {item}: expected FORMAT=PATH, e.g. sarif=migration-gate.sarif")
        if fmt not in formats:
            raise UsageError(f"--report {item}: unknown format {fmt!r} (use {', '.join(sorted(formats))})")
        reports.append((fmt, Path(path)))
    env = read_env(token=args.github_token)
    settings = {
        "timeout": _float_setting("MIGRATION_GATE_GITHUB_TIMEOUT", 15.0),
        "backoff": _float_setting("MIGRATION_GATE_GITHUB_BACKOFF", 1.0),
    }
    publish = _publishes_to_github(args, env)
    annotations_to = _annotations_to(args, env)
    gitlab_env = None
    if args.gitlab:
        from .gitlab import read_env as read_gitlab_env

        gitlab_env = read_gitlab_env()
        if gitlab_env.problem:
            raise UsageError(f"--gitlab: {gitlab_env.problem}")
        missing = gitlab_env.missing()
        if missing:
            raise UsageError(f"--gitlab: missing {' and '.join(missing)}")
    return Plan(
        gitlab=gitlab_env,
        env=env,
        formats=formats,
        reports=reports,
        publish=publish,
        comment=args.github_comment,
        status=args.github_status,
        checks=args.github_checks,
        strict=args.strict_reporting,
        annotations_to=annotations_to,
        settings=settings,
    )


def _publishes_to_github(args: argparse.Namespace, env) -> bool:
    """``--github`` (everything it needs present, else a usage error), or by default inside Actions."""
    publish = False
    if args.github:
        missing = []
        if not env.token:
            missing.append("a token (GITHUB_TOKEN or --github-token)")
        if not env.repository:
            missing.append("GITHUB_REPOSITORY")
        if env.event_problem:
            raise UsageError(f"--github: {env.event_problem}")
        if env.pull_request is None and not env.sha:
            missing.append("a pull request event (GITHUB_EVENT_PATH) or GITHUB_SHA")
        if missing:
            raise UsageError(f"--github: missing {' and '.join(missing)}")
        publish = True
    elif args.github is None and env.in_actions and env.token and env.repository and not env.event_problem:
        # (an unreadable pull request event is the history gate's exit 2; nothing to publish then)
        publish = env.pull_request is not None or bool(env.sha)
    return publish


def _annotations_to(args: argparse.Namespace, env) -> str | None:
    """Where the workflow commands of the annotations go inside Actions (``None``: nowhere extra)."""
    annotations_to = None
    if env.in_actions:
        if args.output is None and args.format == "github":
            annotations_to = None  # the main report is the annotations
        elif args.output is None and args.format in ("json", "sarif", "markdown"):
            annotations_to = "stderr"  # keep stdout parseable; the runner reads commands on both
        else:
            annotations_to = "stdout"
    return annotations_to
