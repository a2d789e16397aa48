"""squawk 2.70's own rule cases decide: migration-gate agrees, or the difference is listed and explained.

The harness is ``tests/squawk_harness.py``; the cases, squawk's verdicts and
where they come from are in ``tests/squawk/`` (see its README).
"""

from __future__ import annotations

import pytest
from conftest import check_golden
from squawk_harness import ACCEPTED, CASES, load_accepted, load_cases, run_all, run_case, table

from migration_gate.core.rules import registry

OUTCOMES = run_all(load_cases(CASES))
ACCEPTED_CASES = load_accepted(ACCEPTED)


def test_the_suite_is_squawks_whole_case_set():
    cases = load_cases(CASES)
    assert len(cases) == 864
    assert sum(c["origin"] == "squawk-test" for c in cases) == 587
    names = {c["rule"] for c in cases}
    assert len(names - {"require-timeout-settings", "prefer-timestamptz"}) == 76


def test_every_disagreement_is_listed_with_its_reason():
    open_cases = [o.case["id"] for o in OUTCOMES if not o.agrees and o.case["id"] not in ACCEPTED_CASES]
    assert not open_cases, (
        f"disagreements nobody has explained: {open_cases} (python tests/squawk_harness.py --details)"
    )


def test_no_listed_difference_is_stale():
    agreeing = {o.case["id"] for o in OUTCOMES if o.agrees}
    stale = sorted(case for case in ACCEPTED_CASES if case in agreeing)
    assert not stale, f"listed as differences but they agree now: {stale}; remove them from accepted.json"
    unknown = sorted(set(ACCEPTED_CASES) - {o.case["id"] for o in OUTCOMES})
    assert not unknown


def test_each_accepted_difference_is_explained_on_the_rule_page():
    """The page named is one of the rules the squawk name aliases, and its alias note for that name says why."""
    by_id = {o.case["id"]: o for o in OUTCOMES}
    for case_id, entry in ACCEPTED_CASES.items():
        assert entry["status"] in ("accepted", "known"), case_id
        assert len(entry["reason"]) > 20, case_id
        squawk_rule = by_id[case_id].case["rule"]
        rule = registry.lookup(entry["page"])
        assert rule is not None and rule.name == entry["page"], case_id
        assert rule in registry.lookup_all(squawk_rule), f"{case_id}: {entry['page']} is not what {squawk_rule} names"
        if entry["status"] == "accepted":
            assert rule.alias_notes.get(squawk_rule), f"{case_id}: {rule.name}'s page says nothing about {squawk_rule}"


def test_agreement_table_golden():
    """The per-rule table (tests/golden/squawk-agreement.md); MG_UPDATE_GOLDEN=1 rewrites it."""
    check_golden("squawk-agreement.md", table(OUTCOMES, ACCEPTED_CASES))


@pytest.mark.parametrize(
    "case_id, fires",
    [
        ("ban-drop-view/01", True),  # DROP VIEW, four forms
        ("ban-drop-view/02", False),  # CREATE VIEW; DROP INDEX (index drops are opt-in)
        ("ban-drop-index/03", True),  # included by name: the index part of dropped-object turns on
        ("prefer-bigint-over-int/19", False),  # smallint columns only: the int part of integer-column
        ("prefer-robust-stmts/53", True),  # a named CREATE INDEX CONCURRENTLY leaves an INVALID index when it fails
        ("prefer-robust-stmts/52", False),  # inside BEGIN … COMMIT
    ],
)
def test_single_cases(case_id, fires):
    case = next(c for c in load_cases(CASES) if c["id"] == case_id)
    assert run_case(case).fires is fires
