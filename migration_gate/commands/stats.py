"""``migration-gate stats --database-url URL``: a read-only snapshot of table sizes and write rates."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        required=True,
        help="the server to read (production or staging): read-only, catalogs and statistics only",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write the snapshot to FILE instead of stdout")
    parser.add_argument(
        "--sample",
        type=float,
        metavar="SECONDS",
        help="read the write counters twice, SECONDS apart, and store writes per second (a minute or more "
        "gives steadier rates: backends publish their counters up to ~10 s late)",
    )
    parser.add_argument(
        "--schema", action="append", dest="schemas", metavar="NAME", help="only this schema (repeatable)"
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how long to wait for a table that another session locks before reporting it unsized (default 1)",
    )
    parser.add_argument(
        "--statement-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="the longest any one query may run (default 60)",
    )


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..stats.reader import StatsError, read_stats
    from ..stats.snapshot import render
    from .check import print_notes, write_output

    if args.sample is not None and args.sample <= 0:
        raise UsageError(f"--sample {args.sample:g}: must be a positive number of seconds")
    for name, value in (("--lock-timeout", args.lock_timeout), ("--statement-timeout", args.statement_timeout)):
        if value <= 0:
            raise UsageError(f"{name} {value:g}: must be a positive number of seconds")
    notes: list[str] = []
    try:
        document = read_stats(
            args.database_url,
            schemas=tuple(args.schemas or ()),
            sample=args.sample,
            lock_timeout=args.lock_timeout,
            statement_timeout=args.statement_timeout,
            notes=notes,
        )
    except StatsError as exc:
        raise UsageError(str(exc)) from None
    print_notes(notes)
    write_output(render(document), args.output)
    return 0
