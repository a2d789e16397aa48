"""Runs migration-gate over squawk 2.70's rule cases and reports agreement per squawk rule.

A case (``tests/squawk/cases.json``, or any file of the same shape: ``--cases``)
is one SQL file with squawk's verdict for one of its rules: did that rule fire
(``squawk_fires``), and on which lines.  It was produced by running squawk
2.70.0 on the case with ``--include=<rule>`` (and the case's ``pg_version`` /
``assume_in_transaction``); 587 cases are squawk's own test snippets, the rest
edge cases written for PostgreSQL facts.

migration-gate runs each case the way a squawk user's settings would be read
(:mod:`migration_gate.squawk_config`): the rule included, its pg_version, and
``assume_in_transaction`` as ``transaction: per-file`` (else ``explicit``, as
squawk assumes no runner transaction), with only the rules the squawk name
aliases enabled.  The case agrees when migration-gate fires exactly when
squawk does.  Where migration-gate deliberately differs (squawk is wrong about
PostgreSQL, or a documented policy), the case is listed in
``tests/squawk/accepted.json`` with the reason, which the rule's page explains.

    python tests/squawk_harness.py                 # the table
    python tests/squawk_harness.py --details       # every disagreement
    python tests/squawk_harness.py --cases other.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "squawk" / "cases.json"
ACCEPTED = HERE / "squawk" / "accepted.json"


@dataclass(frozen=True)
class Outcome:
    case: dict
    rules: tuple[str, ...]  # the migration-gate rules the squawk name aliases
    fires: bool
    lines: tuple[int, ...]  # 1-based lines of migration-gate's findings of those rules

    @property
    def agrees(self) -> bool:
        return self.fires == self.case["squawk_fires"]

    @property
    def same_lines(self) -> bool:
        """Both fire, on at least one common line."""
        return self.fires and self.case["squawk_fires"] and bool(set(self.lines) & set(self.case["lines"]))


def load_cases(path: Path = CASES) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def load_accepted(path: Path = ACCEPTED) -> dict[str, dict]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def run_case(case: dict) -> Outcome:
    from migration_gate.config import parse_config
    from migration_gate.core.analyze import analyze_file
    from migration_gate.core.migration import MigrationFile
    from migration_gate.core.rules import registry
    from migration_gate.core.ruleset import build_ruleset
    from migration_gate.core.version import flyway_version
    from migration_gate.squawk_config import translate

    squawk = {"included_rules": [case["rule"]], "assume_in_transaction": case["assume_in_transaction"]}
    if case.get("pg_version"):
        squawk["pg_version"] = case["pg_version"]
    settings = translate(squawk, "case").settings
    settings.setdefault("transaction", "explicit")
    config = parse_config(settings)
    names = tuple(sorted(rule.name for rule in registry.lookup_all(case["rule"])))
    rules = build_ruleset(config, only=names)
    migration = MigrationFile(
        Path("V1__case.sql"), "V1__case.sql", Path("."), "V1__case.sql", "versioned", flyway_version("1")
    )
    result = analyze_file(migration, config, rules, data=case["sql"].encode("utf-8"), want_statements=False)
    hits = [v for v in result.violations if v.rule in names]
    return Outcome(case, names, bool(hits), tuple(sorted({v.line for v in hits})))


def run_all(cases: Iterable[dict]) -> list[Outcome]:
    return [run_case(case) for case in cases]


def table(outcomes: list[Outcome], accepted: dict[str, dict]) -> str:
    """The per-rule agreement table (Markdown).

    *accepted*: migration-gate differs on purpose (the rule's page says why);
    *known*: migration-gate is wrong or blind there (a known gap, listed with
    its reason); *open*: a disagreement nobody has looked at (the test fails).
    """
    by_rule: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_rule.setdefault(outcome.case["rule"], []).append(outcome)
    lines = [
        "| squawk rule | migration-gate rules | cases | agree | accepted | known gap | open | same line |",
        "|---|---|---|---|---|---|---|---|",
    ]
    totals = [0] * 7
    for rule, found in sorted(by_rule.items()):
        differ = [o for o in found if not o.agrees]
        status = [accepted.get(o.case["id"], {}).get("status") for o in differ]
        both = [o for o in found if o.fires and o.case["squawk_fires"]]
        row = [
            len(found),
            len(found) - len(differ),
            status.count("accepted"),
            status.count("known"),
            status.count(None),
            sum(o.same_lines for o in both),
            len(both),
        ]
        totals = [t + r for t, r in zip(totals, row)]
        names = ", ".join(f"`{n}`" for n in found[0].rules)
        lines.append(f"| `{rule}` | {names} | {' | '.join(map(str, row[:5]))} | {row[5]}/{row[6]} |")
    lines.append(f"| **all** | | {' | '.join(map(str, totals[:5]))} | {totals[5]}/{totals[6]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--accepted", type=Path, default=ACCEPTED)
    parser.add_argument("--details", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    outcomes = run_all(load_cases(args.cases))
    accepted = load_accepted(args.accepted)
    sys.stdout.write(table(outcomes, accepted))
    if args.details:
        for o in outcomes:
            if not o.agrees:
                mark = accepted.get(o.case["id"], {}).get("status", "OPEN")
                who = "squawk only" if o.case["squawk_fires"] else "migration-gate only"
                print(f"\n[{mark}] {o.case['id']} ({who}) {o.case.get('note', o.case.get('squawk_test', ''))}")
                if o.case["id"] in accepted:
                    print(f"  reason: {accepted[o.case['id']]['reason']}")
                print("  " + o.case["sql"].strip().replace("\n", "\n  ")[:600])
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    raise SystemExit(main())
