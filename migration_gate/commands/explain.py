"""``migration-gate explain RULE``: a rule's documentation page."""

from __future__ import annotations

import sys


def configure(parser) -> None:
    parser.add_argument("rule", metavar="RULE", help="code (MG101), name or alias")


def run(args) -> int:
    from ..core.rules import registry
    from ..docs import render_rule_page
    from ..errors import UsageError

    rules = registry.lookup_all(args.rule)
    if not rules:
        raise UsageError(f"{args.rule}: unknown rule (see `migration-gate rules`)")
    sys.stdout.write("\n".join(render_rule_page(rule) for rule in rules))  # an alias may name several
    return 0
