"""The README's walkthrough: ``fixtures/shop/demo.sh`` prints what the README shows.

The demo makes a git repository of the fixture (V1 merged, V2–V5 a pull request), runs
``check --base main`` with the committed production snapshot and ``verify --base main`` on a
throwaway server.  Timings and the planner's cost estimates (``ANALYZE`` samples rows at random)
vary from run to run and are compared as shapes; everything else must match.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
SHOP = REPO / "fixtures" / "shop"


def block(marker: str) -> list[str]:
    found = re.search(rf"<!-- {marker}.*?-->\n```text\n(.*?)```", README, re.S)
    assert found, marker
    return found.group(1).splitlines()


def shape(line: str) -> str:
    """A line with the numbers that vary from run to run replaced."""
    line = re.sub(r"\b\d+\.\d\d s\b", "N s", line)
    line = re.sub(r"cost [\d,.]+", "cost C", line)
    line = re.sub(r"from [\d,.]+ to [\d,.]+ \(×[\d,]+", "from C to C (×R", line)
    # a loaded machine may make V2 slow too (one more slow-migration warning)
    return re.sub(r"^1 error, [23] warnings,", "1 error, W warnings,", line)


@pytest.fixture(scope="module")
def demo(pg_server) -> list[str]:
    """The demo's output (pg_server: the suite's check that PostgreSQL is installed)."""
    gate = Path(sys.executable).with_name("migration-gate")
    env = {**os.environ, "MIGRATION_GATE": str(gate), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        ["bash", str(SHOP / "demo.sh")], capture_output=True, text=True, env=env, timeout=600, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return (done.stdout + done.stderr).splitlines()


def test_readme_check_output_is_what_the_demo_prints(demo):
    printed = demo[
        demo.index("$ migration-gate check --base main") + 1 : demo.index("$ migration-gate verify --base main")
    ]
    shown = block("shop-check-output")
    findings = [line for line in printed if line and not line.startswith(" ")]
    assert findings == shown


def test_readme_verify_output_is_what_the_demo_prints(demo):
    shown = block("shop-verify-output")
    printed = [shape(line) for line in demo]
    for line in shown:
        assert shape(line) in printed, f"README verify line no longer printed: {line!r}"
    verified = demo[demo.index("$ migration-gate verify --base main") :]
    found = [re.match(r"(\S+?):\d+:\d+: (error|warning)\[([a-z-]+)\]", line) for line in verified]
    assert [(m.group(1), m.group(3)) for m in found if m and m.group(3) != "slow-migration"] == [
        ("migrations/V3__drop_unused_index.sql", "query-plan-regression"),
        ("migrations/V4__rename_email.sql", "query-broken"),
    ]
    # The backfill is slow on the seed data; the index builds of V2 are several times faster (timing:
    # only V5 is asserted).
    assert "migrations/V5__backfill_totals.sql" in {m.group(1) for m in found if m and m.group(3) == "slow-migration"}


def test_the_committed_snapshot_is_the_one_the_readme_quotes():
    document = json.loads((SHOP / "table-stats.json").read_text(encoding="utf-8"))
    tables = {t["name"]: t for t in document["tables"]}
    assert sorted(tables) == ["countries", "orders", "users"]
    assert (tables["countries"]["rows"], tables["users"]["rows"]) == (250, 2_000_000)
    assert tables["orders"]["rows"] > 10_000_000  # large by the default limits
    assert document["sample_seconds"] == 20.0 and tables["orders"]["writes_per_second"] > 0
    quoted = re.search(r'```json\n(\{"schema": "public", "name": "orders".*?)\n```', README, re.S).group(1)
    assert json.loads(quoted) == tables["orders"]
