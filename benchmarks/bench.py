#!/usr/bin/env python3
"""Benchmarks for migration-gate: a compiled core against squawk, and cost that grows linearly.

    python benchmarks/bench.py [--runs 7] [--corpus ../shared/corpus] [--only scan,pr,...]

Sections (all of them by default, in this order):

``scan``
    whole-repository scan: ``migration-gate check --format json --no-cache CORPUS`` with the compiled
    core and with the pure-Python package, against ``squawk --reporter json`` on the same files,
    alternating the three, all writing to /dev/null; medians, ratios to squawk, peak RSS; then
    warm-cache runs.
``pr``
    PR path: a git repository holding the corpus's Flyway projects as merged history, one new
    migration on a branch, ``migration-gate check --base main`` as a whole (cold) process.
``scaling``
    time per statement and peak RSS (whole process, median of 3): the corpus 1×, 4× and 10× (copies
    under distinct names, in a temp dir), and one generated file of 4k, 16k and 40k mixed statements,
    with and without non-ASCII text in its first line; the ratio of the 16k non-ASCII file's time per
    statement to the 4k ASCII file's.
``floor``
    what any tool built on pglast pays before its first rule, as whole processes alternating with squawk
    on the same files: the interpreter and ``import pglast.parser``; then reading every file; then
    ``parse_sql_json`` on each; then ``json.loads`` of each tree (the parse the gate's rules read).
``history``
    a generated git repository with 20,000 merged migrations and a one-file change:
    ``check --base main`` as a cold process, with the result cache (filled by an earlier run) and
    without it.
``startup``
    start-up and import time: the interpreter, ``--version``, ``check`` on a one-file project, and
    ``python -X importtime`` of the command line and of what ``check`` adds.
``steps``
    one scan's wall time step by step (installed commands, the edges' seams), and for the pure
    package where one process spends it (the core's functions timed in place: compiled functions
    cannot be wrapped).
``profile``
    the compiled scan under callgrind (instruction counts, own cost per function; one process, stable on
    a loaded machine), and a cProfile of the pure one (cProfile cannot see inside compiled code).

Installs: squawk-cli from PyPI into benchmarks/.venv-squawk; this working tree into
benchmarks/.venv-gate (``pip install .``: the pure package) and benchmarks/.venv-gate-compiled
(``MIGRATION_GATE_COMPILE=1 pip install .``), each reinstalled when the tree's sources change.
Numbers are wall-clock on this machine: compare ratios from one run, not across runs, and note the
load (printed at each section) on a shared machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
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
BUILDS = {"compiled": HERE / ".venv-gate-compiled", "pure": HERE / ".venv-gate"}
SECTIONS = ("scan", "pr", "floor", "scaling", "history", "startup", "steps", "profile")
PR_PROJECTS = ["DSpace__DSpace", "IQSS__dataverse", "MarquezProject__marquez", "hmcts__ccd-definition-store-api"]


# --------------------------------------------------------------------------- installs and runs


def squawk_binary() -> str:
    binary = SQUAWK_VENV / "bin" / "squawk"
    if not binary.exists():
        print("installing squawk-cli into", SQUAWK_VENV, file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(SQUAWK_VENV)], check=True)
        subprocess.run([str(SQUAWK_VENV / "bin" / "pip"), "install", "-q", "squawk-cli"], check=True)
    return str(binary)


def tree_fingerprint() -> str:
    digest = hashlib.sha256()
    files = [REPO / "pyproject.toml", REPO / "setup.py", *sorted((REPO / "build_backend").glob("*.py"))]
    files += sorted(p for p in (REPO / "migration_gate").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def install(build: str) -> Path:
    """This working tree installed into its venv as a user installs it (not editable), current sources.

    Not the editable development install: that one adds an import hook to every start, and with
    PYTHONDONTWRITEBYTECODE (set on some machines) compiles every module from source on every run.
    """
    venv = BUILDS[build]
    python = venv / "bin" / "python"
    marker = venv / ".tree-fingerprint"
    fingerprint = tree_fingerprint()
    if marker.exists() and marker.read_text() == fingerprint:
        return venv
    env = {**os.environ, "MIGRATION_GATE_COMPILE": "1" if build == "compiled" else ""}
    print(f"installing this tree ({build}) into {venv}", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(REPO)], check=True, env=env)
    else:  # dependencies as installed
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO)],
            check=True,
            env=env,
        )
    site = run_python(venv, "import migration_gate, os; print(os.path.dirname(migration_gate.__file__))")
    subprocess.run([str(python), "-m", "compileall", "-q", site], check=True, stdout=subprocess.DEVNULL)
    version = subprocess.run([str(venv / "bin" / "migration-gate"), "--version"], capture_output=True, text=True)
    wanted = "(compiled core)" if build == "compiled" else "(pure Python)"
    if wanted not in version.stdout:
        raise SystemExit(f"{venv}: migration-gate --version says {version.stdout.strip()!r}, not {wanted}")
    marker.write_text(fingerprint)
    return venv


def run_python(venv: Path, code: str, *args: str) -> str:
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{venv}: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


def gate(build: str) -> list[str]:
    return [str(BUILDS[build] / "bin" / "migration-gate")]


def timed(command: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MB, exit code) of one run, output to /dev/null."""
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.PIPE, cwd=cwd, env={**os.environ, **(env or {})}
        )
        stderr = process.stderr.read().decode(errors="replace")  # before waiting: a full pipe would block it
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{command[0]} failed ({code}): {stderr.strip()[-500:]}")
    return wall, usage.ru_maxrss // 1024, code


def alternate(commands: dict[str, list[str]], runs: int, cwd: Path | None = None) -> dict[str, list[float]]:
    """Run each command once per round, in turn, ``runs`` rounds: {name: walls}; also {name + " rss": [MB]}."""
    results: dict[str, list[float]] = {}
    for command in commands.values():
        timed(command, cwd)  # page cache, venvs, git objects
    for _ in range(runs):
        for name, command in commands.items():
            wall, rss, _ = timed(command, cwd)
            results.setdefault(name, []).append(wall)
            results.setdefault(name + " rss", []).append(rss)
    return results


def runs_text(walls: list[float]) -> str:
    return ", ".join(f"{w:.3f}" for w in walls)


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    return f"(load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs)"


def statements_in_report(command: list[str], cwd: Path | None = None) -> int:
    """The statement count of a JSON report, read from its end (its ``summary``) in the file it went to.

    Never parsed here: a process that grew by parsing a large report passes its size on to the peak RSS
    (``ru_maxrss``) of every command it starts after that.
    """
    with tempfile.TemporaryFile() as out:
        subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        out.seek(max(0, out.tell() - 4096))
        tail = out.read().decode("utf-8", "replace")
    return int(re.findall(r'"statements": (\d+)', tail)[-1])


# --------------------------------------------------------------------------- scan and PR path


def whole_repo(corpus: Path, runs: int) -> None:
    files = sorted(str(p) for p in corpus.rglob("*.sql"))
    commands = {
        "compiled": [*gate("compiled"), "check", "--format", "json", "--no-cache", str(corpus)],
        "pure": [*gate("pure"), "check", "--format", "json", "--no-cache", str(corpus)],
        "squawk": [squawk_binary(), "--reporter", "json", *files],
    }
    print(f"\nwhole-repository scan: {len(files)} files, median of {runs} alternating runs {load_note()}")
    results = alternate(commands, runs)
    medians = {name: statistics.median(results[name]) for name in commands}
    labels = {"compiled": "migration-gate, compiled core", "pure": "migration-gate, pure Python", "squawk": "squawk"}
    for name, label in labels.items():
        ratio = f"{medians[name] / medians['squawk']:.2f}× squawk" if name != "squawk" else ""
        print(
            f"  {label:30} {medians[name]:.3f} s  {ratio:13} peak RSS {max(results[name + ' rss'])} MB"
            f"   runs: {runs_text(results[name])}"
        )
    with tempfile.TemporaryDirectory() as cache:
        warm = {}
        for build in BUILDS:
            command = [*gate(build), "check", "--format", "json", "--cache-dir", f"{cache}/{build}", str(corpus)]
            timed(command)  # fills the cache
            warm[build] = statistics.median(timed(command)[0] for _ in range(runs))
    print(
        f"  warm cache (merged files' results reused from --cache-dir): compiled {warm['compiled']:.3f} s,"
        f" pure {warm['pure']:.3f} s"
    )


#: One process doing only what comes before the rules, up to ``sys.argv[1]``: import, read, parse, loads.
_FLOOR = """
import json, os, sys
stage, corpus = sys.argv[1], sys.argv[2]
from pglast import parser
if stage != "import":
    paths = sorted(os.path.join(d, n) for d, _, names in os.walk(corpus) for n in names if n.endswith(".sql"))
    texts = []
    for path in paths:
        with open(path, "rb") as handle:
            texts.append(handle.read().decode("utf-8", "replace"))
    for text in texts if stage != "read" else ():
        try:
            tree = parser.parse_sql_json(text)
        except parser.ParseError:
            continue
        if stage == "loads":
            json.loads(tree)
"""


def parse_floor(corpus: Path, runs: int) -> None:
    """The cost of pglast's parse alone (no discovery, rules, positions or report), against squawk."""
    files = sorted(str(p) for p in corpus.rglob("*.sql"))
    python = str(BUILDS["pure"] / "bin" / "python")
    stages = {
        "import": "python + import pglast.parser",
        "read": "  + read every file",
        "parse": "  + parse_sql_json of each",
        "loads": "  + json.loads of each tree",
    }
    commands = {label: [python, "-c", _FLOOR, stage, str(corpus)] for stage, label in stages.items()}
    commands["squawk"] = [squawk_binary(), "--reporter", "json", *files]
    print(
        f"\nparse floor: what a pglast-based tool pays before its first rule, {len(files)} files, median of {runs} "
        f"alternating runs {load_note()}"
    )
    results = alternate(commands, runs)
    squawk = statistics.median(results["squawk"])
    for name in commands:
        median = statistics.median(results[name])
        ratio = f"{median / squawk:.2f}× squawk" if name != "squawk" else ""
        print(f"  {name:34} {median:.3f} s  {ratio:13}  runs: {runs_text(results[name])}")


def pr_path(corpus: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        migrations = repo / "db" / "migration"
        migrations.mkdir(parents=True)
        count = 0
        for project in PR_PROJECTS:  # one Flyway location holding four projects' histories
            for path in sorted((corpus / project).rglob("V*.sql")):
                target = migrations / project / path.name
                target.parent.mkdir(exist_ok=True)
                shutil.copyfile(path, target)
                count += 1
        (repo / ".migration-gate.yml").write_text(
            "migrations:\n  path: db/migration\n  description_style: any\nrules:\n  missing-rollback: off\n"
        )
        commit_all(repo, "history")
        git(repo, "checkout", "-q", "-b", "feature")
        (migrations / "V99999999__add_orders_index.sql").write_text(
            "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY idx_item_owner ON item (owning_collection);\n"
        )
        commands = {build: [*gate(build), "check", "--base", "main", "--format", "json"] for build in BUILDS}
        print(
            f"\nPR path: one new migration on top of {count} merged Flyway migrations, `check --base main` as a "
            f"cold process, median of {runs} alternating runs {load_note()}"
        )
        results = alternate(commands, runs, cwd=repo)
        for build in BUILDS:
            print(f"  {build:9} {statistics.median(results[build]):.3f} s   runs: {runs_text(results[build])}")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def commit_all(repo: Path, message: str) -> None:
    if not (repo / ".git").exists():
        git(repo, "init", "-q", "-b", "main")
    who = ["-c", "user.email=bench@example.com", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]
    git(repo, *who, "add", "-A")
    git(repo, *who, "commit", "-qm", message)


# --------------------------------------------------------------------------- scaling

#: One generated file's statements, in turn (``{i}`` numbers the round): the kinds a long migration holds.
GENERATED = (
    "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());",
    "CREATE INDEX idx_t{i}_name ON t{i} (name);",
    "ALTER TABLE orders ADD COLUMN c{i} integer;",
    "INSERT INTO t{i} (id, name) VALUES ({i}, 'row {i}');",
    "-- migration-gate: ignore unbatched-update -- orders is small\nUPDATE orders SET c{i} = 0 WHERE id > {i};",
    "CREATE INDEX idx_orders_c{i} ON orders (c{i});",
    "ALTER TABLE t{i} ADD CONSTRAINT t{i}_user_fk FOREIGN KEY (id) REFERENCES users (id) NOT VALID;",
    "/* a block comment */ COMMENT ON TABLE t{i} IS 'table {i}';",
    "ALTER TABLE orders ALTER COLUMN c{i} TYPE bigint;",
    "DO $$ BEGIN UPDATE t{i} SET name = 'x' WHERE id = {i}; END $$;",
    "ALTER TABLE t{i} DROP CONSTRAINT t{i}_user_fk;",
    "DROP INDEX idx_t{i}_name;",
)


def generated_file(statements: int, non_ascii: bool) -> str:
    lines = ["-- Migration: Größe und Café ☕ 😀" if non_ascii else "-- Migration: Grosse und Cafe"]
    for k in range(statements):
        lines.append(GENERATED[k % len(GENERATED)].format(i=k // len(GENERATED)))
    return "\n".join(lines) + "\n"


def copies_of(corpus: Path, times: int, into: Path) -> Path:
    """``times`` copies of the corpus under distinct folder names (``copy-1/``, …): hard links where possible."""
    for k in range(1, times + 1):
        target = into / f"copy-{k}"
        shutil.copytree(corpus, target, copy_function=_link_or_copy)
    return into


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def per_statement(build: str, path: Path, runs: int = 3) -> tuple[int, float, float, int]:
    """(statements, median wall, µs per statement, peak RSS MB) of ``check --format json --no-cache PATH``."""
    command = [*gate(build), "check", "--format", "json", "--no-cache", str(path)]
    statements = statements_in_report(command)
    walls, rss = [], 0
    for _ in range(runs):
        wall, peak, _ = timed(command)
        walls.append(wall)
        rss = max(rss, peak)
    median = statistics.median(walls)
    return statements, median, median / statements * 1e6, rss


def scaling(corpus: Path, builds: list[str]) -> None:
    print(f"\nscaling: time per statement (whole process, median of 3) and peak RSS {load_note()}")
    print(f"  {'input':34} {'build':9} {'statements':>10} {'wall':>8} {'µs/stmt':>8} {'RSS':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for times in (1, 4, 10):
            folder = copies_of(corpus, times, Path(tmp) / f"corpus-{times}")
            for build in builds:
                statements, wall, micro, rss = per_statement(build, folder)
                label = f"corpus {times}×"
                print(f"  {label:34} {build:9} {statements:10d} {wall:7.2f}s {micro:8.1f} {rss:5d} MB")
            shutil.rmtree(folder)
        per: dict[tuple[str, int, bool], float] = {}
        for size in (4000, 16000, 40000):
            for non_ascii in (False, True):
                folder = Path(tmp) / f"generated-{size}-{int(non_ascii)}"
                folder.mkdir()
                (folder / "V1__generated.sql").write_text(generated_file(size, non_ascii), encoding="utf-8")
                for build in builds:
                    statements, wall, micro, rss = per_statement(build, folder / "V1__generated.sql")
                    per[build, size, non_ascii] = micro
                    label = f"one file, {size // 1000}k statements, {'non-ASCII' if non_ascii else 'ASCII'}"
                    print(f"  {label:34} {build:9} {statements:10d} {wall:7.2f}s {micro:8.1f} {rss:5d} MB")
        for build in builds:
            ratio = per[build, 16000, True] / per[build, 4000, False]
            print(f"  16k non-ASCII / 4k ASCII time per statement, {build}: {ratio:.2f} (target ≤ 1.3)")


# --------------------------------------------------------------------------- history scale


def history_scale(runs: int, migrations: int = 20000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        folder = repo / "db" / "migration"
        folder.mkdir(parents=True)
        for n in range(1, migrations + 1):
            kind = n % 4
            if kind == 0 or n < 4:
                sql = f"CREATE TABLE t{n} (id bigint PRIMARY KEY, name text);\n"
            elif kind == 1:
                sql = f"ALTER TABLE t{n - 1} ADD COLUMN note text;\n"
            elif kind == 2:
                sql = f"CREATE INDEX CONCURRENTLY idx_t{n - 2}_name ON t{n - 2} (name);\n"
            else:
                sql = f"SET lock_timeout = '5s';\nALTER TABLE t{n - 3} ADD CONSTRAINT c{n} CHECK (id > 0) NOT VALID;\n"
            (folder / f"V{n}__step_{n}.sql").write_text(sql)
        (repo / ".migration-gate.yml").write_text("migrations:\n  path: db/migration\n")
        commit_all(repo, "history")
        git(repo, "checkout", "-q", "-b", "feature")
        (folder / f"V{migrations + 1}__add_index.sql").write_text(
            "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY idx_t4_id ON t4 (id);\n"
        )
        commit_all(repo, "one new migration")
        print(
            f"\nhistory scale: {migrations} merged migrations and one new one, `check --base main` as a cold "
            f"process, median of {runs} alternating runs {load_note()}"
        )
        commands = {}
        for build in BUILDS:
            cache = Path(tmp) / f"cache-{build}"
            commands[f"{build}, result cache"] = [*gate(build), "check", "--base", "main", "--cache-dir", str(cache)]
            commands[f"{build}, --no-cache"] = [*gate(build), "check", "--base", "main", "--no-cache"]
        results = alternate(commands, runs, cwd=repo)  # its first round fills the caches
        for name in commands:
            print(
                f"  {name:26} {statistics.median(results[name]):.3f} s  peak RSS {max(results[name + ' rss'])} MB"
                f"   runs: {runs_text(results[name])}"
            )


# --------------------------------------------------------------------------- start-up


def startup(runs: int) -> None:
    print(f"\nstart-up, median of {runs} {load_note()}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "migrations").mkdir()
        (project / "migrations" / "V1__create.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
        rows = {"python -c pass (the interpreter)": [str(BUILDS["pure"] / "bin" / "python"), "-c", "pass"]}
        for build in BUILDS:
            rows[f"{build}: migration-gate --version"] = [*gate(build), "--version"]
            rows[f"{build}: import the core (analyze)"] = [
                str(BUILDS[build] / "bin" / "python"),
                "-c",
                "import migration_gate.core.analyze",
            ]
            rows[f"{build}: check, one-file project"] = [*gate(build), "check", "--no-cache"]
        results = alternate(rows, runs, cwd=project)
        for name in rows:
            print(f"  {statistics.median(results[name]) * 1000:7.1f} ms  {name}")
    for build in BUILDS:
        for module, what in (
            ("migration_gate.cli", "the command line"),
            ("migration_gate.commands.check, migration_gate.run, migration_gate.core.analyze", "what `check` adds"),
            ("pglast.parser", "pglast (at the first parse)"),
        ):
            print(f"\nimport cost of {what}, {build} (python -X importtime), cumulative, top entries:")
            for row in import_cost(BUILDS[build], module):
                print("  " + row)


def import_cost(venv: Path, modules: str, top: int = 10) -> list[str]:
    python = str(venv / "bin" / "python")
    done = subprocess.run([python, "-X", "importtime", "-c", f"import {modules}"], capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines()[1:]:
        parts = line.split("|")
        if len(parts) == 3:
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:7.1f} ms  {name}" for us, name in rows[:top]]


# --------------------------------------------------------------------------- steps and profiles

_TIMELINE = """
import sys, time
start = time.perf_counter()
marks = []
import migration_gate.cli as cli
from migration_gate import batch, discovery, run
from migration_gate.commands import check
import migration_gate.core.analyze
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
mark(discovery, "scope_from_paths", "discovery", "arguments, configuration")
mark(run, "analyze_all", "analysis (this process and forked workers, results back)", "rule set")
mark(check, "write_report", "JSON report, written", "project rules, merging, sorting")
def show():
    previous = start
    for label, at in marks + [("exit", time.perf_counter())]:
        print(f"{at - previous:7.3f} s  {label}", file=sys.stderr)
        previous = at
import atexit
atexit.register(show)
sys.argv = ["migration-gate", "check", "--format", "json", "--no-cache", sys.argv[1]]
cli.entry()
"""


def timeline(corpus: Path, build: str, runs: int = 5) -> list[str]:
    """Where one whole-scan process spends its wall time (the installed command, median per step)."""
    table: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [str(BUILDS[build] / "bin" / "python"), "-c", _TIMELINE, str(corpus)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in done.stderr.splitlines():
            seconds, found, label = line.strip().partition(" s  ")
            if found and re.fullmatch(r"\d+\.\d+", seconds):  # not the detection lines `check` prints
                table.setdefault(label, []).append(float(seconds))
    return [f"{statistics.median(values):7.3f} s  {label}" for label, values in table.items()]


def child(task: str, corpus: Path) -> None:
    """Run inside the pure venv: ``phases`` or ``cprofile`` of one in-process scan (one process, no cache)."""
    import gc
    import io
    from contextlib import redirect_stdout

    from migration_gate.batch import Schedule
    from migration_gate.config import load_config
    from migration_gate.core import analyze, load, parse
    from migration_gate.discovery import scope_from_paths
    from migration_gate.reporters import render
    from migration_gate.run import run_check

    gc.disable()  # as `check` runs
    config = load_config(None, search_from=corpus)
    spent: dict[str, float] = {}
    start = time.perf_counter()
    parse._parser()
    spent["import pglast"] = time.perf_counter() - start
    start = time.perf_counter()
    scope = scope_from_paths([str(corpus)], config)
    spent["discovery"] = time.perf_counter() - start
    if task == "cprofile":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        run_check(scope, config, schedule=Schedule(workers=1))
        profiler.disable()
        stats = pstats.Stats(profiler).stats
        total = sum(row[2] for row in stats.values())
        rows = sorted(((row[2], row[1], where) for where, row in stats.items()), reverse=True)[:20]
        print(f"{'own s':>7}  {'share':>5}  {'calls':>7}  function")
        for own, calls, (filename, line, name) in rows:
            place = "built-in" if filename == "~" else f"{Path(filename).name}:{line}"
            print(f"{own:7.3f}  {own / total:5.1%}  {calls:7d}  {name} ({place})")
        return

    def timed_in(module, name: str, label: str) -> tuple[object, str, object]:
        inner = getattr(module, name)

        def wrapper(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - begin

        setattr(module, name, wrapper)
        return module, name, inner

    originals = [
        timed_in(load, "read_bytes", "reading files"),
        timed_in(load, "parse_source", "parse (pglast + json.loads)"),
        timed_in(load, "read_directives", "directives"),
        timed_in(load, "analyze", "pre-pass"),
        timed_in(analyze, "dispatch", "rules, lock model (as rules ask for it)"),
        timed_in(analyze, "statement_reports_of", "statement reports"),
        timed_in(analyze, "resolve", "positions, suppression, violations"),
    ]
    start = time.perf_counter()
    result = run_check(scope, config, schedule=Schedule(workers=1))
    analysis = time.perf_counter() - start
    start = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        render("json", result, type("Context", (), {"pretty": False, "color": False, "notes": []})())
    spent["JSON report"] = time.perf_counter() - start
    for module, name, inner in originals:
        setattr(module, name, inner)
    measured = sum(v for k, v in spent.items() if k not in ("discovery", "JSON report", "import pglast"))
    spent["the rest: file rules' share of the loop, project rules, merging"] = analysis - measured
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{seconds:7.3f} s  {label}")


def in_child(task: str, corpus: Path) -> list[str]:
    done = subprocess.run(
        [
            str(BUILDS["pure"] / "bin" / "python"),
            str(Path(__file__).resolve()),
            "--child",
            task,
            "--corpus",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),  # the installed package, not this checkout
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return done.stdout.splitlines()


_CALLGRIND_SCAN = """
import gc, sys
from migration_gate.batch import Schedule
from migration_gate.config import load_config
from migration_gate.core import parse
from migration_gate.discovery import scope_from_paths
from migration_gate.run import run_check
from pathlib import Path
gc.disable()
config = load_config(None, search_from=Path(sys.argv[1]))
parse._parser()
scope = scope_from_paths([sys.argv[1]], config)
run_check(scope, config, schedule=Schedule(workers=1))
"""


def callgrind_counts(build: str, corpus: Path) -> tuple[int, list[tuple[int, str, str, str]]]:
    """(total instructions, [(own instructions, function, source file, object)]) of one in-process scan
    (one process, no cache) under callgrind.  Instruction counts do not depend on the machine's load."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        python = str(BUILDS[build] / "bin" / "python")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-c", _CALLGRIND_SCAN]
        subprocess.run([*command, str(corpus)], check=True, capture_output=True, cwd=tmp)
        report = subprocess.run(
            ["callgrind_annotate", "--inclusive=no", "--threshold=100", str(out)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    rows: list[tuple[int, str, str, str]] = []
    total = 0
    for line in report.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
            continue
        match = re.match(r"^\s*([\d,]+) \([^)]*\)\s+(\S.*?):(\S+)(?: \[(.*)\])?$", line)
        if match:
            rows.append((int(match.group(1).replace(",", "")), match.group(3), match.group(2), match.group(4) or ""))
    return total or sum(r[0] for r in rows) or 1, rows


def callgrind(corpus: Path, top: int = 20) -> list[str]:
    """The compiled scan's instructions by area and by function, and the pure scan's total beside it."""
    if shutil.which("valgrind") is None:
        return ["(valgrind not installed: apt-get install valgrind)"]
    total, rows = callgrind_counts("compiled", corpus)
    pure_total, _ = callgrind_counts("pure", corpus)
    areas: dict[str, int] = {}
    for count, function, source, obj in rows:
        area = _area(function, source, obj)
        areas[area] = areas.get(area, 0) + count
    lines = [
        f"instructions: compiled core {total / 1e9:.2f} G, pure Python {pure_total / 1e9:.2f} G "
        f"(compiled/pure {total / pure_total:.2f})",
        "compiled scan by area (own instructions):",
    ]
    small = sum(count for count in areas.values() if count < total / 200)
    for area, count in sorted(areas.items(), key=lambda kv: -kv[1]):
        if count >= total / 200:
            lines.append(f"  {count / total:6.1%}  {area}")
    lines.append(f"  {small / total:6.1%}  the rest (areas under 0.5% each)")
    lines.append(f"compiled scan, top {top} functions by own instructions:")
    for count, function, source, obj in sorted(rows, reverse=True)[:top]:
        lines.append(f"  {count / total:6.1%}  {_readable(function)}  [{Path(obj or source).name}]")
    return lines


def _area(function: str, source: str, obj: str) -> str:
    where = Path(obj).name
    file = Path(source).name
    if "migration_gate_core__mypyc" in where or "__native_" in file or file in ("CPy.h", "mypyc_util.h"):
        return "compiled core: mypyc's own code (native calls, attributes, unboxed values)"
    if "pglast" in obj or where.startswith("parser.cpython"):
        return "pglast: PostgreSQL's parser and its JSON output"
    if where.startswith("_json"):
        return "json.loads of the parse trees"
    if where.startswith(("libc", "ld-linux")):
        return "C library (memcpy, memset, …)"
    if "python" in where.lower() or "/Include/" in source or "Python-3" in source:
        if "EvalFrame" in function or file == "ceval.c":
            return "interpreter: bytecode (edges, stdlib)"
        if file in ("obmalloc.c", "gcmodule.c") or "Malloc" in function or "Free" in function:
            return "interpreter: memory (allocation, freeing, GC)"
        if file in ("dictobject.c", "pyhash.c"):
            return "interpreter: dicts (the AST is dicts)"
        if file in ("pegen.c", "compile.c", "marshal.c", "tokenizer.c", "parser.c"):
            return "interpreter: compiling code at start (imports, dataclasses)"
        return "interpreter: strings, numbers, tuples, lists, calls, attributes"
    return "other: " + (where or file)


def _readable(function: str) -> str:
    """mypyc's C names back to Python's: ``CPyDef_parse____statements`` → ``parse._statements``."""
    match = re.match(r"^CPy(?:Def|Py)_(.+)$", function)
    if not match:
        return function
    return match.group(1).replace("___", ".")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections, comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.corpus)
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found at {args.corpus}")
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown section(s): {', '.join(unknown)} (choose from {', '.join(SECTIONS)})")
    for build in BUILDS:
        install(build)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.platform()}, {time.strftime('%Y-%m-%d %H:%M')} {load_note()}"
    )
    if "scan" in only:
        whole_repo(args.corpus, args.runs)
    if "pr" in only:
        pr_path(args.corpus, args.runs)
    if "floor" in only:
        parse_floor(args.corpus, args.runs)
    if "scaling" in only:
        scaling(args.corpus, list(BUILDS))
    if "history" in only:
        history_scale(max(3, args.runs // 2))
    if "startup" in only:
        startup(args.runs)
    if "steps" in only:
        for build in BUILDS:
            print(f"\nwall time of one scan, step by step, {build} (installed command, median of 5) {load_note()}:")
            for row in timeline(args.corpus, build):
                print("  " + row)
        print(f"\nwhere one process spends the scan, pure Python (one process, no cache) {load_note()}:")
        for row in in_child("phases", args.corpus):
            print("  " + row)
    if "profile" in only:
        print(f"\nprofile of the compiled scan (callgrind, one process, no cache) {load_note()}:")
        for row in callgrind(args.corpus):
            print("  " + row)
        print("\nprofile of the pure-Python scan (cProfile, own time per function, top 20; cProfile's overhead")
        print(f"inflates Python-heavy functions, so read the shares) {load_note()}:")
        for row in in_child("cprofile", args.corpus):
            print("  " + row)


if __name__ == "__main__":
    main()
