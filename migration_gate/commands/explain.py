"""``migration-gate explain RULE``: a rule's documentation page.

To a terminal it is laid out for reading (headings underlined, code blocks
indented, colour unless ``NO_COLOR``); to a pipe or a file it is the page's
plain Markdown.  Neither carries the rule pages' "generated from the
docstring" note, which is for maintainers.
"""

from __future__ import annotations

import argparse
import os
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", metavar="RULE", help="code (MG101), name or alias")


def run(args: argparse.Namespace) -> int:
    from ..core.rules import registry
    from ..docs import for_terminal, render_rule_page
    from ..errors import UsageError

    rules = registry.lookup_all(args.rule)
    if not rules:
        from ..config import did_you_mean

        hint = did_you_mean(args.rule, registry.rule_keys())
        raise UsageError(f"{args.rule}: unknown rule{hint} (see `migration-gate rules`)")
    page = "\n".join(render_rule_page(rule, maintainer_note=False) for rule in rules)  # an alias may name several
    if sys.stdout.isatty():
        page = for_terminal(page, color="NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb")
    sys.stdout.write(page)
    return 0
