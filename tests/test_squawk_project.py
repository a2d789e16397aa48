"""A repository configured for squawk (.squawk.toml, squawk-ignore comments) gets the same suppressions.

fixtures/squawk-project is checked twice by each tool: as configured, and as a
baseline without the suppressions (no ``excluded_rules``, the ignore comments
neutralised). squawk's two runs are recorded in ``squawk-2.70.json`` by
``tests/squawk/record_project.py`` (squawk 2.70.0); migration-gate's run here.
What a tool suppressed is its baseline minus its configured run, per file,
statement and squawk rule name (a migration-gate finding counts under every
squawk name its rule has as an alias).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from conftest import FIXTURES, REPO

from migration_gate.core.parse import parse_source
from migration_gate.core.rules import registry
from migration_gate.core.source import Source
from migration_gate.squawk_config import ALSO_ACCEPTED, RULES_2_70

PROJECT = FIXTURES / "squawk-project"
RECORDED = json.loads((PROJECT / "squawk-2.70.json").read_text(encoding="utf-8"))
SQUAWK_NAMES = set(RULES_2_70) | set(ALSO_ACCEPTED) | {"unused-ignore"}

sys.path.insert(0, str(REPO / "tests" / "squawk"))
from record_project import neutralised_copy  # noqa: E402


def _statement_of(folder: Path, path: str, line: int) -> int:
    """The 1-based line where the statement holding ``line`` starts (its key in the comparison)."""
    source = Source(path, (folder / path).read_text(encoding="utf-8"))
    starts = [source.position(s.start)[0] for s in parse_source(source).statements]
    ends = [source.position(max(s.start, s.end - 1))[0] for s in parse_source(source).statements]
    for start, end in zip(starts, ends):
        if start <= line <= end:
            return start
    return line


def _squawk_keys(folder: Path, found: list[list]) -> set[tuple[str, int, str]]:
    return {(path, _statement_of(folder, path, line), rule) for path, line, rule in found}


def _gate_keys(cli, folder: Path) -> tuple[set[tuple[str, int, str]], str]:
    result = cli("check", "--format", "json", "--no-cache", cwd=folder)
    assert result.code in (0, 1), result.err
    keys = set()
    for v in result.json()["violations"]:
        names = {v["rule"]} if v["rule"] == "unused-ignore" else set(registry.lookup(v["rule"]).aliases)
        for name in names & SQUAWK_NAMES:
            keys.add((v["path"], _statement_of(folder, v["path"], v["line"]), name))
    return keys, result.err


def test_same_suppressions_as_squawk(cli, tmp_path):
    baseline_folder = neutralised_copy(tmp_path / "baseline")
    squawk_configured = _squawk_keys(PROJECT, RECORDED["configured"])
    squawk_baseline = _squawk_keys(baseline_folder, RECORDED["baseline"])
    # Both runs outside any git repository: inside this one, a clone's base branch would make every fixture
    # file a merged, unchanged migration and the comparison would depend on where the suite runs.
    configured_folder = shutil.copytree(PROJECT, tmp_path / "configured")
    gate_configured, err = _gate_keys(cli, configured_folder)
    gate_baseline, _ = _gate_keys(cli, baseline_folder)

    both = squawk_baseline & gate_baseline  # what both tools report without the suppressions
    assert len(both) >= 15
    squawk_suppressed = (squawk_baseline - squawk_configured) & both
    gate_suppressed = (gate_baseline - gate_configured) & both
    assert gate_suppressed == squawk_suppressed
    assert gate_configured & both == squawk_configured & both

    # Written out, so a reader sees what the fixture proves.
    assert sorted(squawk_suppressed) == [
        ("migrations/V1__user_indexes.sql", 2, "require-concurrent-index-creation"),  # comment on the line above
        ("migrations/V1__user_indexes.sql", 2, "require-lock-timeout"),  # excluded_rules: require-timeout-settings
        ("migrations/V1__user_indexes.sql", 2, "require-statement-timeout"),  # … names both timeout rules
        ("migrations/V2__drop_legacy_columns.sql", 1, "ban-drop-column"),  # trailing comment: its own line …
        ("migrations/V2__drop_legacy_columns.sql", 1, "require-lock-timeout"),
        ("migrations/V2__drop_legacy_columns.sql", 2, "ban-drop-column"),  # … and the next one
        ("migrations/V2__drop_legacy_columns.sql", 4, "ban-drop-column"),  # a /* */ comment, with a -- reason
        ("migrations/V3__backfill_tokens.sql", 2, "adding-field-with-default"),  # squawk-ignore-file adding-…
        ("migrations/V3__backfill_tokens.sql", 2, "require-lock-timeout"),
        ("migrations/V3__backfill_tokens.sql", 2, "require-statement-timeout"),
        ("migrations/V3__backfill_tokens.sql", 3, "adding-field-with-default"),
        ("migrations/V4__cleanup.sql", 2, "ban-drop-table"),  # excluded_rules, and squawk-ignore-file (all)
        ("migrations/V4__cleanup.sql", 2, "require-lock-timeout"),
        ("migrations/V4__cleanup.sql", 3, "renaming-column"),
        ("migrations/V4__cleanup.sql", 4, "require-concurrent-index-creation"),
        ("migrations/V4__cleanup.sql", 6, "ban-drop-column"),
        ("migrations/V5__drop_index.sql", 3, "ban-drop-index"),  # an opt-in rule, included_rules
        ("migrations/V6__renames.sql", 2, "renaming-table"),  # two names in one comment
        ("migrations/V6__renames.sql", 2, "require-lock-timeout"),
        ("migrations/V6__renames.sql", 5, "renaming-column"),  # a known name next to an unknown one still applies
    ]
    # Left alone by both: two lines below a comment, the next file, a later statement.
    assert sorted(squawk_configured & both) == [
        ("migrations/V1__user_indexes.sql", 4, "require-concurrent-index-creation"),
        ("migrations/V3__backfill_tokens.sql", 4, "renaming-table"),
        ("migrations/V5__drop_index.sql", 4, "ban-drop-index"),
        ("migrations/V6__renames.sql", 3, "renaming-column"),
    ]
    # An unknown name in a comment (V4's is hidden by its squawk-ignore-file of every rule).
    unused = [("migrations/V6__renames.sql", 4, "unused-ignore")]
    assert sorted(k for k in squawk_configured if k[2] == "unused-ignore") == unused
    assert sorted(k for k in gate_configured if k[2] == "unused-ignore") == unused
    # excluded_paths: neither tool looks at migrations/legacy/.
    assert not [k for k in gate_baseline | gate_configured if "legacy/" in k[0]]
    assert not [f for f in RECORDED["baseline"] + RECORDED["configured"] if "legacy/" in f[0]]
    assert err.splitlines()[:2] == [
        "migration-gate: using squawk's settings from .squawk.toml (excluded_rules, included_rules, pg_version 14, "
        "assume_in_transaction → transaction: per-file, statement_delivery: per-statement, excluded_paths)",
        "migration-gate: warning: .squawk.toml: unknown_setting: not a squawk setting migration-gate reads; ignored",
    ]


def test_disable_assume_in_transaction_takes_the_file_out_of_the_runner_transaction(cli, tmp_path):
    """V5 drops indexes CONCURRENTLY: fine only because its comment opts it out of the per-file transaction."""
    as_is = shutil.copytree(PROJECT, tmp_path / "as-is")
    result = cli("check", "--format", "json", "--no-cache", cwd=as_is)
    assert result.code == 1, result.err  # the run reports (V1's index, …): the absence below is not an empty run
    rules = {(v["path"], v["rule"]) for v in result.json()["violations"]}
    assert ("migrations/V5__drop_index.sql", "non-transactional-statement-in-transaction") not in rules
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy)
    v5 = copy / "migrations" / "V5__drop_index.sql"
    v5.write_text(v5.read_text().replace("-- squawk-disable-assume-in-transaction\n", ""))
    result = cli("check", "--format", "json", "--no-cache", cwd=copy)
    found = [v for v in result.json()["violations"] if v["rule"] == "non-transactional-statement-in-transaction"]
    assert [(v["path"], v["line"]) for v in found] == [
        ("migrations/V5__drop_index.sql", 2),
        ("migrations/V5__drop_index.sql", 3),
    ]
