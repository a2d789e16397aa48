"""``migration-gate new NAME``: write the next versioned migration and its rollback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the migration's description, e.g. add_user_preferences")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: found by walking up)")
    parser.add_argument(
        "--path", metavar="FOLDER", help="the migrations folder to write into (default: the first configured one)"
    )


def run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..discovery import build_project, configured_locations, resolve_layouts
    from ..scaffold import plan, write
    from .check import print_notes

    config = load_config(Path(args.config) if args.config else None, search_from=Path.cwd())
    locations = configured_locations(config)
    if args.path:
        location = (Path(args.path), args.path.rstrip("/") or ".")
        locations = [location, *(l for l in locations if l[0].resolve() != Path(args.path).resolve())]
    else:
        location = locations[0]
    notes: list[str] = []
    resolved, config = resolve_layouts(locations, config, notes, keep_rest=True)
    project = build_project(resolved, config)
    files = plan(project, config, location[0], location[1], args.name)
    same = sorted(f.display for f in project.files if f.kind == "versioned" and f.description == args.name)
    write(files)
    print_notes(notes)
    for f in files:
        print(f"{'updated' if f.append else 'created'} {f.display}")
    for display in same:
        print(
            f"migration-gate: warning: {display} already has the description {args.name!r}; "
            f"if {files[0].display} was not meant as a second migration of that name, delete both new files",
            file=sys.stderr,
        )
    return 0
