"""``migration-gate verify [PATH …]``: apply, roll back and re-apply new migrations on a real PostgreSQL."""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    from .check import add_report_arguments

    add_report_arguments(parser, "migrations folders (default: the configured ones)")
    parser.add_argument(
        "--base",
        metavar="REF",
        help="git ref of the base branch: migrations merged there form the base state, "
        "the ones added since are verified (default: every migration is verified)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use this PostgreSQL server instead of a throwaway one: verify creates a "
        "temporary database there, works only inside it and drops it afterwards",
    )
    parser.add_argument(
        "--table-stats",
        metavar="FILE",
        help="a `migration-gate stats` snapshot: each migration's estimated duration on those sizes is "
        "shown beside its measured time (default: config table_stats)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway server (or temporary database) and print how to connect"
    )


def run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..discovery import scope_from_config, scope_from_paths
    from ..errors import UsageError
    from .check import ReportContext, print_notes, write_report

    for raw in args.paths:
        if Path(raw).exists() and not Path(raw).is_dir():
            raise UsageError(
                f"{raw}: verify takes migrations folders, not files "
                "(use --base to verify only the migrations added since a branch)"
            )
    first = Path(args.paths[0]) if args.paths else Path.cwd()
    config = load_config(Path(args.config) if args.config else None, search_from=first)
    if args.fail_on:
        config = config.replace(fail_on=args.fail_on)
    scope = scope_from_paths(args.paths, config) if args.paths else scope_from_config(config)
    config = scope.project.config  # with the layouts `layout: auto` found
    plan = _plan(scope, config, args.base, auto=not args.paths)
    sizing = None
    if args.table_stats or config.table_stats:
        from ..stats.snapshot import load_sizing

        sizing = load_sizing(args.table_stats, config, plan.notes)

    with _terminate_as_interrupt():
        result = _verify(plan, config, args, sizing)

    print_notes([*scope.notes, *result.notes])
    write_report(args, result, ReportContext(notes=list(result.notes)))
    return 1 if result.failed else 0


def _plan(scope, config, base: str | None, *, auto: bool):
    """Base and new migrations: the base is found as ``check`` finds it (``--base``, the pull
    request's base, or — with ``auto`` — the merge-base with the default branch)."""
    from ..verify.verification import make_plan

    if not base and not auto:
        return make_plan(scope.project, config)
    from ..history.git import load_history

    start = scope.project.locations[0] if scope.project.locations else Path.cwd()
    history = load_history(scope, ref=base, start=start)
    if history.base is None:
        plan = make_plan(scope.project, config)
        reason = (history.note or "").removeprefix("history checks skipped: ")
        if not reason.startswith("no base"):
            reason = f"no base ({reason})" if reason else "no base"
        plan.notes.append(f"note: {reason}; every migration verified from an empty database")
        return plan
    assert history.root is not None  # a base was found in it
    added = {(history.root / c.path).resolve() for c in history.changes if c.status in ("added", "renamed")}
    plan = make_plan(scope.project, config, new_paths=added, changed_paths=history.changed_paths())
    plan.notes.append(f"base: {history.base.short} ({history.base.source})")
    return plan


def _verify(plan, config, args, sizing=None):
    from ..errors import UsageError
    from ..verify.database import DatabaseError, Workspace, url_conninfo
    from ..verify.pgserver import ServerError, TemporaryServer
    from ..verify.verification import Progress, Verifier

    progress = Progress()
    server = None
    try:
        if args.database_url:
            admin, conninfo_for = url_conninfo(args.database_url)
            workspace = Workspace(admin, conninfo_for, keep=args.keep, what="--database-url")
        else:
            progress.step("starting a throwaway PostgreSQL")
            server = TemporaryServer(keep=args.keep)
            connection = server.start()
            workspace = Workspace(
                connection.conninfo(), connection.conninfo, keep=args.keep, what="the throwaway server", file_copy=True
            )
        workspace.open()
        verifier = Verifier(plan, config, workspace, progress=progress, sizing=sizing)
        try:
            result = verifier.run()
        finally:
            progress.done()
            if args.keep:
                _print_keep(server, workspace, verifier.work)
            workspace.close()
    except (ServerError, DatabaseError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.done()
        if server is not None:
            server.stop()
    return result


def _print_keep(server, workspace, database: str | None) -> None:
    from ..verify.database import redact

    lines = ["migration-gate: kept for debugging"]
    if database:
        lines.append(f"database: {database}")
    if server is not None and server.running:
        lines.extend(server.keep_instructions(database))
    elif database:
        lines.append(f"connect: {redact(workspace.conninfo_for(database))}")
        lines.append(f"   drop: DROP DATABASE \"{database}\";  (and the other {workspace.prefix}_* databases)")
    print("\n".join(lines), file=sys.stderr)


@contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a cancelled CI job) cleans up like Ctrl-C does."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
