#!/usr/bin/env python3
"""A longer fuzz run than CI's: tests/test_fuzz.py with random seeds and more cases.

    python benchmarks/fuzz.py [--cases 200000]

CI runs 10,000 cases with a fixed seed; this runs as many as asked, with a new seed each time, and
prints hypothesis's statistics.  A failure prints the falsifying text and how to reproduce it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    args = parser.parse_args()
    env = {**os.environ, "MIGRATION_GATE_FUZZ_CASES": str(args.cases), "MIGRATION_GATE_FUZZ_RANDOM": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "tests/test_fuzz.py", "--hypothesis-show-statistics"]
    return subprocess.call(command, cwd=REPO, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
