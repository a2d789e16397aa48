"""``migration-gate docs``: regenerate the rule pages from the rule docstrings.

In migration-gate's own source tree it rewrites ``rules/`` (and removes pages
of rules that no longer exist).  Anywhere else it writes only where it is told
(``--output DIR``) and never removes a file: a user's project may well have a
``rules/`` folder of its own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

OWN_PAGES = "rules"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        "--out",
        dest="output",
        metavar="DIR",
        help="write the pages into DIR (required outside migration-gate's own source tree, "
        "where the default is rules/)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the pages are stale; write nothing")


def own_source_tree(folder: Path) -> bool:
    """Is ``folder`` the root of migration-gate's own source tree (its pyproject.toml and package)?"""
    pyproject = folder / "pyproject.toml"
    if not (pyproject.is_file() and (folder / "migration_gate" / "__init__.py").is_file()):
        return False
    import tomllib

    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return bool(project.get("name") == "migration-gate")


def run(args: argparse.Namespace) -> int:
    from ..docs import write_pages
    from ..errors import UsageError

    if args.output:
        out, prune = Path(args.output), False
    elif own_source_tree(Path.cwd()):
        out, prune = Path(OWN_PAGES), True
    else:
        raise UsageError(
            "docs regenerates migration-gate's own rule pages (rules/ of its source tree); "
            "to write them here, name the folder: --output DIR (`migration-gate explain RULE` shows one page)"
        )
    stale = write_pages(out, check=args.check, prune=prune)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    return 1 if (args.check and stale) else 0
