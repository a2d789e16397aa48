"""``migration-gate docs``: regenerate ``rules/`` from the rule docstrings."""

from __future__ import annotations

from pathlib import Path


def configure(parser) -> None:
    parser.add_argument("--out", default="rules", metavar="DIR", help="output folder (default rules/)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the pages are stale; write nothing")


def run(args) -> int:
    from ..docs import write_pages

    stale = write_pages(Path(args.out), check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    return 1 if (args.check and stale) else 0
