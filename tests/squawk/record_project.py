"""Records squawk 2.70's findings on fixtures/squawk-project (run when squawk-cli 2.70 is installed).

    python tests/squawk/record_project.py /path/to/squawk

Two runs: as configured (its .squawk.toml and ignore comments) and a baseline
without the suppressions (no excluded_rules, the ignore comments neutralised),
both from the project folder. tests/test_squawk_project.py compares what each
tool suppresses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "squawk-project"
OUT = PROJECT / "squawk-2.70.json"


def neutralised_copy(target: Path) -> Path:
    """The project without its suppressions: no excluded_rules, no squawk-ignore comments."""
    shutil.copytree(PROJECT, target)
    toml = target / ".squawk.toml"
    toml.write_text(
        "\n".join(line for line in toml.read_text().splitlines() if not line.startswith("excluded_rules")) + "\n"
    )
    for sql in target.rglob("*.sql"):
        sql.write_text(sql.read_text().replace("squawk-ignore", "squawk_ignore"))
    return target


def findings(squawk: str, folder: Path) -> list[list]:
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.sql"))
    done = subprocess.run([squawk, "--reporter", "json", *files], cwd=folder, capture_output=True, text=True)
    return sorted([f["file"], f["line"] + 1, f["rule_name"]] for f in json.loads(done.stdout))


def main() -> None:
    squawk = sys.argv[1]
    version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = findings(squawk, neutralised_copy(Path(tmp) / "project"))
    record = {
        "squawk": version,
        "command": "squawk --reporter json <every .sql file> (from the project folder)",
        "configured": findings(squawk, PROJECT),
        "baseline": baseline,
    }
    OUT.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
