"""``migration-gate rules``: the rule table."""

from __future__ import annotations


def configure(parser) -> None:
    parser.add_argument(
        "--preset", choices=("recommended", "strict"), default="recommended", help="whose default levels to show"
    )


def run(args) -> int:
    from ..core.rules import registry

    rows = [(r.code, r.name, r.default_level(args.preset).label, r.summary()) for r in registry.sorted_rules()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("CODE", "NAME", "LEVEL", "SUMMARY")
    widths = [max(w, len(h)) for w, h in zip(widths, header)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip())
    return 0
