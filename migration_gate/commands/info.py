"""``migration-gate info``: the migrations, their checksums and their state, offline (like ``flyway info``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="migration folders (default: the configured migrations folders)"
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: found by walking up)")
    parser.add_argument(
        "--base",
        metavar="REF",
        help="git ref to compare with (default: the pull request's base in GitHub Actions, "
        "else the merge-base with origin/HEAD, origin/main or origin/master)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="also show each migration's state in Flyway's flyway_schema_history (read-only)",
    )


def run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..discovery import scope_from_config, scope_from_paths
    from ..history.changeset import attach_history
    from ..history.info import build_info, render_json, render_text
    from .check import print_notes, write_output

    first = Path(args.paths[0]) if args.paths else Path.cwd()
    config = load_config(Path(args.config) if args.config else None, search_from=first)
    scope = scope_from_paths(args.paths, config) if args.paths else scope_from_config(config)
    config = scope.project.config  # with the layouts `layout: auto` found
    notes: list[str] = []
    scope = attach_history(
        scope, base=args.base, auto=True, include_all=True, database_url=args.database_url, start=first, notes=notes
    )
    info = build_info(scope, config, notes)
    text = render_json(info) if args.format == "json" else render_text(info, with_database=bool(args.database_url))
    write_output(text, args.output)
    print_notes(scope.notes)
    return 0
