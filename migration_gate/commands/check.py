"""``migration-gate check [PATH …]``: the gate."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..reporters import FORMATS


@dataclass
class ReportContext:
    color: bool = False
    pretty: bool = False  # human-friendly layout (a terminal is reading)
    notes: list[str] = field(default_factory=list)  # diagnostics: printed on stderr, never into a report
    workspace: Path | None = None  # inside GitHub Actions: annotation and SARIF paths are relative to it
    json_writer: object = None  # the JSON reporter's writer, when it renders entries ahead of the report


def add_report_arguments(parser: argparse.ArgumentParser, paths_help: str) -> None:
    """PATH…, --config, --format, --output and --fail-on: what check and verify share."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help=paths_help)
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: found by walking up)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="report format (default text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        help="lowest level that fails the gate (default: config fail_on, else error)",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    add_report_arguments(parser, "files or folders to check (default: the configured migrations folders)")
    parser.add_argument(
        "--base", metavar="REF", help="git ref of the base branch: statement rules report on the change set only"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        dest="check_all",
        help="with a base: still report statement rules on every migration",
    )
    parser.add_argument(
        "--rule", action="append", dest="only", metavar="RULE", help="run only this rule (code or name; repeatable)"
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="reuse per-file results stored here (default: cache_dir, else ~/.cache/migration-gate)",
    )
    parser.add_argument("--no-cache", action="store_true", help="analyse every file afresh; store nothing")
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes for large scans (default: one per CPU from 200 files; 1: none)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="also compare with Flyway's flyway_schema_history in this database (read-only)",
    )
    parser.add_argument(
        "--table-stats",
        metavar="FILE",
        help="a `migration-gate stats` snapshot: lock findings name table sizes and durations, "
        "and levels follow size (default: config table_stats)",
    )
    parser.add_argument(
        "--history",
        action="store_true",
        help="only the history, version and rollback rules, against the upstream base "
        "(the pre-commit hook; no upstream: a warning and exit 0)",
    )
    from ..publish import outputs

    outputs.configure(parser, FORMATS)  # --report FORMAT=PATH, --github…, --strict-reporting


def cache_folder(args: argparse.Namespace, config) -> Path | None:
    """``--no-cache`` wins; then ``--cache-dir``, ``cache_dir`` (relative to the config file), the default."""
    if args.no_cache:
        return None
    if args.cache_dir:
        return Path(args.cache_dir)
    if config.cache_dir:
        return config.root / config.cache_dir
    from ..batch.cache import default_dir

    return default_dir()


def run(args: argparse.Namespace) -> int:
    import gc

    from ..errors import ConfigError, UsageError
    from ..publish import outputs

    # A check is a short run that builds millions of small objects and leaves few
    # reference cycles: the cyclic collector's passes would cost a fifth of it.
    enabled = gc.isenabled()
    gc.disable()
    try:
        plan = outputs.plan(args, FORMATS)  # extra reports, Actions annotations/summary, publishing
        try:
            if args.history:
                from ..history.upstream import prepare

                if not prepare(args):  # sets --base and the rules; False: no upstream to compare with
                    return 0
            return _run(args, plan)
        except (UsageError, ConfigError) as exc:
            plan.failed_to_run(str(exc))  # an `error` commit status when publishing
            raise
    finally:
        if enabled:
            gc.enable()


def _run(args: argparse.Namespace, plan) -> int:
    from ..batch import Schedule
    from ..config import load_config
    from ..core.rules import registry
    from ..errors import UsageError
    from ..run import run_check

    first = Path(args.paths[0]) if args.paths else Path.cwd()
    config = load_config(Path(args.config) if args.config else None, search_from=first)
    if args.fail_on:
        config = config.replace(fail_on=args.fail_on)
    for name in args.only or ():
        if registry.lookup(name) is None:
            from ..config import did_you_mean

            hint = did_you_mean(name, registry.rule_keys())
            raise UsageError(f"--rule {name}: unknown rule{hint} (see `migration-gate rules`)")

    context = ReportContext(workspace=plan.workspace, pretty=args.output is None and sys.stdout.isatty())
    scope = _scope(args, config, first, context.notes)
    config = scope.project.config  # with the layouts `layout: auto` found
    if args.jobs is not None and args.jobs < 0:
        raise UsageError(f"--jobs {args.jobs}: must be 0 (automatic) or more")
    schedule = Schedule(cache_dir=cache_folder(args, config), workers=args.jobs)
    if args.format == "json" and not context.pretty:  # render entries ahead while waiting for the workers
        from ..reporters.json_report import Writer

        context.json_writer = writer = Writer(config.docs_url)
        schedule = replace(schedule, while_waiting=writer.prepare)
    sizing = None
    if args.table_stats or config.table_stats:
        from ..stats.snapshot import load_sizing

        sizing = load_sizing(args.table_stats, config, context.notes)
    result = run_check(
        scope,
        config,
        only=args.only,
        schedule=schedule,
        want_statements=plan.needs_statements(args.format),
        sizing=sizing,
    )
    context.notes.extend(result.notes)
    result.notes[:] = context.notes
    print_notes(context.notes)

    write_report(args, result, context)
    return plan.finish(result, context, 1 if result.failed else 0)


def _scope(args: argparse.Namespace, config, first: Path, notes: list[str]):
    """What the run checks: the paths given (or the configured project), less the excluded files, with
    its history (the base, the database) when there is one to compare with."""
    from ..discovery import in_run_order, scope_from_config, scope_from_paths, without_excluded

    required = bool(args.github or args.gitlab)  # --github and --gitlab ask for the pull (merge) request's base
    if not (args.base or not args.paths or args.database_url or required):
        scope = scope_from_paths(args.paths, config)
        notes.extend(scope.notes)
        return without_excluded(scope, scope.project.config)
    from ..history.changeset import attach_history

    with _prefetch(args, config, first, required) as prefetched:
        # the project's files are put in run order once the change set has narrowed them
        scope = scope_from_paths(args.paths, config) if args.paths else scope_from_config(config, ordered=False)
        notes.extend(scope.notes)
        scope = without_excluded(scope, scope.project.config)
        scope = attach_history(
            scope,
            base=args.base,
            auto=not args.paths,
            include_all=args.check_all,
            database_url=args.database_url,
            start=first,
            notes=notes,
            required=required,
            prefetched=prefetched,  # None: nothing was started
        )
    return scope if args.paths else replace(scope, files=in_run_order(scope.files))


def _prefetch(args: argparse.Namespace, config, first: Path, required: bool):
    """The history's git questions started before discovery, when the run will ask them (a context that
    waits for them on leaving); the configured folders are the ones the change set is asked of."""
    import contextlib

    if args.base is None and args.paths and not required:
        return contextlib.nullcontext()
    from ..discovery_files import configured_locations
    from ..history.prefetch import HistoryPrefetch

    locations = [] if args.paths else [path for path, _ in configured_locations(config)]
    return HistoryPrefetch(first, args.base, None, required, locations)


def write_report(args: argparse.Namespace, result, context) -> None:
    """Render ``--format`` to ``--output`` or stdout; colour and indentation only for a terminal."""
    from ..reporters import render

    to_terminal = args.output is None and sys.stdout.isatty()
    context.color = args.format == "text" and to_terminal and "NO_COLOR" not in os.environ
    context.pretty = to_terminal
    if args.format == "json" and not to_terminal:  # compact, written piece by piece (it is tens of MB at times)
        from ..reporters.json_report import pieces

        write_output(pieces(result, context), args.output)
        return
    write_output(render(args.format, result, context), args.output)


def print_notes(notes: list[str]) -> None:
    """Diagnostics go to stderr, whatever the report's format."""
    for note in notes:
        print(note, file=sys.stderr)


def write_output(text: str | Iterable[str], output: str | None) -> None:
    """Write a command's report (a text, or its pieces in order) to ``--output`` (exit 2 with one line if
    it cannot) or stdout."""
    from ..errors import UsageError

    pieces = [text] if isinstance(text, str) else text
    if output:
        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.writelines(pieces)
        except OSError as exc:
            raise UsageError(f"--output {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.writelines(pieces)
        sys.stdout.flush()
