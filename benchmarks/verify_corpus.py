#!/usr/bin/env python3
"""Soak: `migration-gate verify` over the up/down projects of the shared corpus.

For each project (Diesel: LemmyNet/lemmy, rust-lang/crates.io; golang-migrate
style: concourse/concourse; pop: ory/kratos) every migration is treated as new:
verify starts a throwaway PostgreSQL, applies the history from an empty
database in version order, and for each migration with a down file applies
it, rolls it back, compares the schema and applies it again.  The corpus is
read in place (a temporary config points at it); nothing in it is modified.

Prints, per project: how many migration/rollback pairs round-trip cleanly,
how many do not and why (grouped by the kind of difference or error, with an
example), how far verification got, and how long it took.

    .venv/bin/python benchmarks/verify_corpus.py [--corpus DIR] [--project NAME …] [--json OUT]

This is a soak script, not a unit test: the numbers describe real projects
(and this machine), not a pass/fail condition.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
PROJECTS = {
    "LemmyNet__lemmy": "Diesel",
    "rust-lang__crates.io": "Diesel",
    "concourse__concourse": "golang-migrate style",
    "ory__kratos": "pop (popx)",
}


def plan_pairs(folder: Path, config_file: Path):
    """The versioned migrations verify will run, and which of them have a rollback."""
    sys.path.insert(0, str(REPO))
    from migration_gate.config import load_config
    from migration_gate.discovery import scope_from_config
    from migration_gate.verify.verification import make_plan

    config = load_config(config_file)
    scope = scope_from_config(config)
    return make_plan(scope.project, scope.project.config)


def rollback_key(migration):
    from migration_gate.verify.verification import rollback_key as key

    return key(migration)


_QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'')
_NAME_AFTER_KIND = re.compile(
    r"\b(index|table|column|constraint|view|function|sequence|type|trigger|"
    r"schema|extension|enum type|partitioned table|materialized view)\s+[^\s:;,]+"
)


def reason(message: str) -> str:
    """A message with its object names blanked, to group similar findings."""
    text = message.split(": ", 1)[1] if message.startswith("after the rollback of ") else message
    if text.startswith("rollback of "):
        text = text.split(" fails: ", 1)[-1]
    text = _QUOTED.sub("X", text)
    text = _NAME_AFTER_KIND.sub(lambda m: m.group(1) + " X", text)
    text = re.sub(r"\b(is|was) .*? (after|before) the", r"\1 … \2 the", text)
    return text[:140]


def soak(name: str, corpus: Path, work: Path) -> dict:
    folder = corpus / name
    config_file = work / f"{name}.yml"
    config_file.write_text(f"migrations:\n  path: {folder}\n  layout: up-down\n", encoding="utf-8")
    plan = plan_pairs(folder, config_file)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "migration_gate", "verify", "--config", str(config_file), "--format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        return {"project": name, "error": done.stderr.strip(), "seconds": seconds}
    report = json.loads(done.stdout)
    by_path: dict[str, list[dict]] = collections.defaultdict(list)
    for v in report["violations"]:
        by_path[os.path.abspath(os.path.join(work, v["path"]))].append(v)
    ran = {os.path.abspath(os.path.join(work, f["path"])) for f in report["files"]}

    statuses: collections.Counter = collections.Counter()
    why: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    examples: dict[tuple[str, str], str] = {}
    stopped_at = None
    pairs = 0
    for migration in plan.new:
        rollback = plan.rollbacks.get(rollback_key(migration))
        up, down = str(migration.path.resolve()), str(rollback.path.resolve()) if rollback else None
        if up not in ran:
            statuses["not verified (after a failing migration)"] += 1
            continue
        found = by_path.get(up, []) + (by_path.get(down, []) if down else [])
        errors = {v["rule"]: v for v in found if v["severity"] == "error"}
        if "migration-fails" in errors:
            status = "migration fails"
            stopped_at = (migration.display, errors["migration-fails"]["message"])
        elif rollback is None:
            status = "no rollback (applied only)"
        elif "rollback-fails" in errors:
            status = "rollback fails"
        elif "rollback-incomplete" in errors:
            status = "rollback incomplete"
        elif "reapply-fails" in errors:
            status = "re-apply fails"
        else:
            status = "round-trips cleanly"
        if rollback is not None:
            pairs += 1
        statuses[status] += 1
        for v in found:
            if v["severity"] != "error":
                continue
            key = reason(v["message"])
            why[v["rule"]][key] += 1
            examples.setdefault((v["rule"], key), f"{v['path']}:{v['line']}: {v['message'][:200]}")
    counts = collections.Counter(v["rule"] for v in report["violations"])
    return {
        "project": name,
        "layout": PROJECTS.get(name, "?"),
        "seconds": round(seconds, 1),
        "migrations": len(plan.new),
        "pairs": sum(1 for m in plan.new if m.version is not None and rollback_key(m) in plan.rollbacks),
        "statements": report["summary"]["statements"],
        "statuses": dict(statuses),
        "why": {rule: dict(c.most_common()) for rule, c in why.items()},
        "examples": {f"{rule}: {key}": ex for (rule, key), ex in examples.items()},
        "findings": dict(sorted(counts.items())),
        "stopped_at": stopped_at,
    }


def print_summary(result: dict) -> None:
    print(f"\n== {result['project']} ({result.get('layout')})")
    if "error" in result:
        print(f"   verify could not run: {result['error']}")
        return
    print(
        f"   {result['migrations']} migrations, {result['pairs']} with a down file, "
        f"{result['statements']} statements, {result['seconds']} s"
    )
    for status, n in sorted(result["statuses"].items(), key=lambda kv: -kv[1]):
        print(f"   {n:5d}  {status}")
    if result["stopped_at"]:
        print(f"   stopped at {result['stopped_at'][0]}: {result['stopped_at'][1][:200]}")
    for rule, reasons in result["why"].items():
        print(f"   {rule}:")
        for key, n in list(reasons.items())[:8]:
            print(f"     {n:4d}  {key}")
            print(f"           e.g. {result['examples'][f'{rule}: {key}']}")
    print(f"   findings: {result['findings']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("MIGRATION_GATE_CORPUS", DEFAULT_CORPUS)))
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS))
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    results = []
    total = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mg-soak-") as tmp:
        for name in args.project or PROJECTS:
            result = soak(name, args.corpus, Path(tmp))
            results.append(result)
            print_summary(result)
    print(f"\ntotal: {time.monotonic() - total:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
