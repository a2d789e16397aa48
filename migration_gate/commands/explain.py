"""``migration-gate explain RULE``: a rule's documentation page."""

from __future__ import annotations

import sys


def configure(parser) -> None:
    parser.add_argument("rule", metavar="RULE", help="code (MG101), name or alias")


def run(args) -> int:
    from ..core.rules import registry
    from ..docs import render_rule_page
    from ..errors import UsageError

    rule = registry.lookup(args.rule)
    if rule is None:
        from ..config import did_you_mean

        hint = did_you_mean(args.rule, registry.rule_keys())
        raise UsageError(f"{args.rule}: unknown rule{hint} (see `migration-gate rules`)")
    sys.stdout.write(render_rule_page(rule))
    return 0
