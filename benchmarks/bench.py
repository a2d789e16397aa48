#!/usr/bin/env python3
"""Benchmarks for migration-gate (issue: beat squawk on a whole-repository scan).

    python benchmarks/bench.py [--runs 7] [--corpus ../shared/corpus]

1. whole-repository scan: ``migration-gate check --format json CORPUS`` against
   ``squawk --reporter json`` on the same files, alternating A/B, both writing
   to /dev/null; median wall time, ratio, peak RSS; then warm-cache runs.
2. PR path: a git repository holding the corpus's Flyway projects as merged
   history, one new migration on a branch, ``migration-gate check --base main``
   as a whole (cold) process.
3. import cost: ``python -X importtime -c "import migration_gate.cli"``.

squawk-cli is installed from PyPI into benchmarks/.venv-squawk on first use, and
migration-gate from this working tree into benchmarks/.venv-gate (a regular,
not editable, install: what users run).
Numbers are wall-clock on this machine: compare ratios from one run, not runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SQUAWK_VENV = HERE / ".venv-squawk"
GATE_VENV = HERE / ".venv-gate"
GATE: list[str] = []  # the installed command, set by main()


def squawk_binary() -> str:
    binary = SQUAWK_VENV / "bin" / "squawk"
    if not binary.exists():
        print("installing squawk-cli into", SQUAWK_VENV, file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(SQUAWK_VENV)], check=True)
        subprocess.run([str(SQUAWK_VENV / "bin" / "pip"), "install", "-q", "squawk-cli"], check=True)
    return str(binary)


def gate_command() -> list[str]:
    """migration-gate from this working tree, installed into its own venv as a user installs it.

    Not the editable development install: that one adds an import hook to every
    start, and with PYTHONDONTWRITEBYTECODE (set on some machines) it compiles
    every module from source on every run.  ``pip install`` puts compiled
    bytecode next to the modules, as for any user.
    """
    python = GATE_VENV / "bin" / "python"
    if not python.exists():
        print("installing migration-gate and its dependencies into", GATE_VENV, file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(GATE_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO)], check=True)
    else:  # this tree's current code, dependencies as installed
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO)], check=True
        )
    site = subprocess.run(
        [str(python), "-c", "import migration_gate, os; print(os.path.dirname(migration_gate.__file__))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run([str(python), "-m", "compileall", "-q", site], check=True, stdout=subprocess.DEVNULL)
    return [str(GATE_VENV / "bin" / "migration-gate")]


def timed(command: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MB, exit code) of one run, output to /dev/null."""
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.PIPE, cwd=cwd, env={**os.environ, **(env or {})}
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        stderr = process.stderr.read().decode(errors="replace")
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{command[0]} failed ({code}): {stderr.strip()[-500:]}")
    return wall, usage.ru_maxrss // 1024, code


def whole_repo(corpus: Path, runs: int) -> dict:
    files = sorted(str(p) for p in corpus.rglob("*.sql"))
    squawk = [squawk_binary(), "--reporter", "json", *files]
    gate = [*GATE, "check", "--format", "json", "--no-cache", str(corpus)]
    timed(gate), timed(squawk)  # warm the page cache
    results = {"gate": [], "squawk": []}
    rss = {"gate": 0, "squawk": 0}
    for _ in range(runs):
        for name, command in (("gate", gate), ("squawk", squawk)):
            wall, peak, _ = timed(command)
            results[name].append(wall)
            rss[name] = max(rss[name], peak)
    gate_median = statistics.median(results["gate"])
    squawk_median = statistics.median(results["squawk"])
    warm = []
    with tempfile.TemporaryDirectory() as cache:
        warm_cmd = [*GATE, "check", "--format", "json", "--cache-dir", cache, str(corpus)]
        timed(warm_cmd)  # fills the cache
        warm = [timed(warm_cmd)[0] for _ in range(runs)]
    return {
        "files": len(files),
        "gate": gate_median,
        "squawk": squawk_median,
        "ratio": gate_median / squawk_median,
        "gate_rss": rss["gate"],
        "squawk_rss": rss["squawk"],
        "gate_runs": results["gate"],
        "squawk_runs": results["squawk"],
        "warm": statistics.median(warm),
    }


def pr_path(corpus: Path, runs: int) -> dict:
    projects = ["DSpace__DSpace", "IQSS__dataverse", "MarquezProject__marquez", "hmcts__ccd-definition-store-api"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        migrations = repo / "db" / "migration"
        migrations.mkdir(parents=True)
        count = 0
        for project in projects:  # one Flyway location holding four projects' histories
            for path in sorted((corpus / project).rglob("V*.sql")):
                target = migrations / project / path.name
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(path, target)
                count += 1
        (repo / ".migration-gate.yml").write_text(
            "migrations:\n  path: db/migration\n  description_style: any\nrules:\n  missing-rollback: off\n"
        )
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
        git("init", "-q", "-b", "main")
        git("-c", "user.email=b@e", "-c", "user.name=b", "add", "-A")
        git("-c", "user.email=b@e", "-c", "user.name=b", "commit", "-qm", "history")
        git("checkout", "-q", "-b", "feature")
        (migrations / "V99999999__add_orders_index.sql").write_text(
            "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY idx_item_owner ON item (owning_collection);\n"
        )
        command = [*GATE, "check", "--base", "main", "--format", "json"]
        timed(command, cwd=repo)
        walls = [timed(command, cwd=repo)[0] for _ in range(runs)]
        return {"history_files": count, "median": statistics.median(walls), "runs": walls}


def cpu_scaling() -> float:
    """Throughput of two CPU-bound processes at once relative to one (2.0 = two real cores)."""
    spin = "import time\nt=time.perf_counter()\nx=0\nfor i in range(8_000_000): x+=i\nprint(time.perf_counter()-t)"
    alone = float(subprocess.run([sys.executable, "-c", spin], capture_output=True, text=True).stdout)
    pair = [subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    together = max(float(p.communicate()[0]) for p in pair)
    return 2 * alone / together


def phases(corpus: Path) -> list[str]:
    """Where one process spends the scan (in-process, one worker, no cache)."""
    import io
    from contextlib import redirect_stdout

    sys.path.insert(0, str(REPO))
    import gc

    from migration_gate import engine
    from migration_gate.config import load_config
    from migration_gate.core import parse
    from migration_gate.reporters import render

    gc.disable()  # as `check` runs
    spent: dict[str, float] = {}

    def timed(module, name, label):
        inner = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        setattr(module, name, wrapper)
        return inner

    start = time.perf_counter()
    parse._parser()
    spent["import pglast"] = time.perf_counter() - start
    originals = [
        (engine, "parse_source", timed(engine, "parse_source", "parse (pglast + json.loads)")),
        (engine, "_statement_reports", timed(engine, "_statement_reports", "lock model, statement reports")),
        (engine, "_resolve", timed(engine, "_resolve", "positions, suppression, violations")),
        (engine, "read_bytes", timed(engine, "read_bytes", "reading files")),
    ]
    config = load_config(None, search_from=corpus)
    start = time.perf_counter()
    scope = engine.scope_from_paths([str(corpus)], config)
    spent["discovery"] = time.perf_counter() - start
    start = time.perf_counter()
    result = engine.run_check(scope, config, workers=1)
    analysis = time.perf_counter() - start
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        render("json", result, type("Context", (), {"pretty": False, "color": False, "notes": []})())
    spent["JSON report"] = time.perf_counter() - start
    for module, name, inner in originals:
        setattr(module, name, inner)
    measured = sum(v for k, v in spent.items() if k not in ("discovery", "JSON report", "import pglast"))
    spent["rules, pre-pass, project rules"] = analysis - measured
    return [f"{seconds:7.3f} s  {label}" for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1])]


_TIMELINE = """
import sys, time
start = time.perf_counter()
marks = []
import atexit, migration_gate.cli as cli
from migration_gate import batch, engine
from migration_gate.commands import check
marks.append(("imports", time.perf_counter()))
def mark(module, name, label, before):
    inner = getattr(module, name)
    def wrapper(*args, **kwargs):
        marks.append((before, time.perf_counter()))
        try:
            return inner(*args, **kwargs)
        finally:
            marks.append((label, time.perf_counter()))
    setattr(module, name, wrapper)
mark(engine, "scope_from_paths", "discovery", "arguments, configuration")
mark(batch, "analyze_all", "analysis (this process and a forked worker, results back)", "rule set")
mark(check, "write_report", "JSON report, written", "project rules, merging, sorting")
def show():
    previous = start
    for label, at in marks + [("exit", time.perf_counter())]:
        print(f"{at - previous:7.3f} s  {label}", file=sys.stderr)
        previous = at
atexit.register(show)
sys.argv = ["migration-gate", "check", "--format", "json", "--no-cache", sys.argv[1]]
cli.entry()
"""


def timeline(corpus: Path, runs: int = 5) -> list[str]:
    """Where one whole-scan process spends its wall time (the installed command, median per step)."""
    python = str(GATE_VENV / "bin" / "python")
    table: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [python, "-c", _TIMELINE, str(corpus)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for line in done.stderr.splitlines():
            seconds, _, label = line.strip().partition(" s  ")
            table.setdefault(label, []).append(float(seconds))
    return [f"{statistics.median(values):7.3f} s  {label}" for label, values in table.items()]


def profile(corpus: Path, top: int = 20) -> list[str]:
    """cProfile of one in-process scan (one worker, no cache): the functions with the most own time.

    cProfile's overhead inflates Python-heavy functions (about 2.3× here), so read
    the shares, not the seconds.
    """
    import cProfile
    import pstats

    sys.path.insert(0, str(REPO))
    import gc

    from migration_gate import engine
    from migration_gate.config import load_config
    from migration_gate.core import parse

    gc.disable()  # as `check` runs
    config = load_config(None, search_from=corpus)
    parse._parser()
    scope = engine.scope_from_paths([str(corpus)], config)
    profiler = cProfile.Profile()
    profiler.enable()
    engine.run_check(scope, config, workers=1)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(row[2] for row in stats.values())
    rows = sorted(((row[2], row[1], where) for where, row in stats.items()), reverse=True)[:top]
    out = [f"{'own s':>7}  {'share':>5}  {'calls':>7}  function"]
    for own, calls, (filename, line, name) in rows:
        place = "built-in" if filename == "~" else f"{Path(filename).name}:{line}"
        out.append(f"{own:7.3f}  {own / total:5.1%}  {calls:7d}  {name} ({place})")
    return out


def import_cost(module: str) -> list[str]:
    """``python -X importtime -c "import MODULE"`` in the installed copy, top cumulative entries."""
    python = str(GATE_VENV / "bin" / "python")
    done = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3:
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:7.1f} ms  {name}" for us, name in rows[:12]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    global GATE
    GATE = gate_command()
    scan = whole_repo(args.corpus, args.runs)
    print(f"\nwhole-repository scan: {scan['files']} files, median of {args.runs} alternating runs")
    print(
        f"  migration-gate  {scan['gate']:.3f} s  (peak RSS {scan['gate_rss']} MB)"
        f"  runs: {', '.join(f'{w:.3f}' for w in scan['gate_runs'])}"
    )
    print(
        f"  squawk          {scan['squawk']:.3f} s  (peak RSS {scan['squawk_rss']} MB)"
        f"  runs: {', '.join(f'{w:.3f}' for w in scan['squawk_runs'])}"
    )
    print(f"  ratio           {scan['ratio']:.2f}× squawk's wall time")
    print(f"  warm cache      {scan['warm']:.3f} s  (merged files' results reused from --cache-dir)")
    pr = pr_path(args.corpus, args.runs)
    print(
        f"\nPR path: one new migration on top of {pr['history_files']} merged Flyway migrations, "
        f"`check --base main` as a cold process"
    )
    print(f"  median {pr['median']:.3f} s  runs: {', '.join(f'{w:.3f}' for w in pr['runs'])}")
    print(f"\nCPU scaling of this machine: two CPU-bound processes run at {cpu_scaling():.2f}× the throughput of one")
    print("\nwall time of one scan, step by step (installed command, median of 5; the interpreter's own")
    print("start, ~0.02 s, comes before the first line):")
    for row in timeline(args.corpus):
        print("  " + row)
    print("\nwhere one process spends the scan (one worker, no cache):")
    for row in phases(args.corpus):
        print("  " + row)
    print("\nprofile of that scan (cProfile, own time per function, top 20):")
    for row in profile(args.corpus):
        print("  " + row)
    for module, what in (
        ("migration_gate.cli", "the command line"),
        ("migration_gate.engine", "what `check` adds: engine and rules (pglast loads at the first parse)"),
    ):
        print(f"\nimport cost of {what} (python -X importtime -c 'import {module}'), cumulative, top entries:")
        for row in import_cost(module):
            print("  " + row)


if __name__ == "__main__":
    main()
