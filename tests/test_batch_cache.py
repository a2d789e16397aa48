"""Worker processes and the result cache change speed, never results."""

from __future__ import annotations

from conftest import run_subprocess

#: What `layout: auto` prints about the folder (stderr).
DETECTED = "migration-gate: migrations: flyway (from V<version>__<description>.sql names)\n"


def _project(tmp_path, count: int = 240):
    """A Flyway folder with enough files for the parallel path, with varied findings."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V1__create.sql").write_text("CREATE TABLE accounts (id int PRIMARY KEY, name varchar(20));\n")
    for n in range(2, count):
        body = [
            f"ALTER TABLE accounts ADD COLUMN c{n} text DEFAULT gen_random_uuid()::text;",
            f"CREATE INDEX idx_{n} ON accounts (c{n});",
            f"UPDATE accounts SET c{n} = 'x';",
            "SELECT 'é☕😀';",
        ][n % 4]
        (folder / f"V{n}__step_{n}.sql").write_text(f"-- step {n}\n{body}\n")
    (folder / f"V{count}__widen.sql").write_text("ALTER TABLE accounts ALTER COLUMN name TYPE varchar(10);\n")
    return folder


def test_workers_give_byte_identical_output(tmp_path):
    _project(tmp_path)
    one = run_subprocess("check", "migrations", "--format", "json", "--no-cache", "--jobs", "1", cwd=tmp_path)
    two = run_subprocess("check", "migrations", "--format", "json", "--no-cache", "--jobs", "2", cwd=tmp_path)
    three = run_subprocess("check", "migrations", "--format", "json", "--no-cache", "--jobs", "3", cwd=tmp_path)
    assert one.code == two.code == three.code == 1
    assert one.out == two.out == three.out
    assert '"column-type-change-rewrites-table"' in one.out  # a lookup into V1 happened in a worker


def test_cache_reuses_and_invalidates(tmp_path):
    folder = _project(tmp_path, 20)
    cache = tmp_path / "cache"
    args = ("check", "migrations", "--format", "json", "--cache-dir", str(cache))
    fresh = run_subprocess("check", "migrations", "--format", "json", "--no-cache", cwd=tmp_path)
    first = run_subprocess(*args, cwd=tmp_path)
    assert any(cache.rglob("*")), "results were stored"
    second = run_subprocess(*args, cwd=tmp_path)
    assert fresh.out == first.out == second.out

    # Editing a file changes its key.
    (folder / "V3__step_3.sql").write_text("-- step 3\nSELECT 1;\n")
    third = run_subprocess(*args, cwd=tmp_path)
    assert third.out == run_subprocess("check", "migrations", "--format", "json", "--no-cache", cwd=tmp_path).out
    assert third.out != second.out

    # A cached result that looked up a column type in an earlier migration is re-checked:
    # accounts.name was varchar(20) (shrinking to 10 rewrites); make it varchar(5) (now it widens).
    assert '"column-type-change-rewrites-table"' in third.out
    (folder / "V1__create.sql").write_text("CREATE TABLE accounts (id int PRIMARY KEY, name varchar(5));\n")
    fourth = run_subprocess(*args, cwd=tmp_path)
    assert '"column-type-change-rewrites-table"' not in fourth.out


def test_corrupt_cache_entries_are_misses(tmp_path):
    _project(tmp_path, 5)
    cache = tmp_path / "cache"
    args = ("check", "migrations", "--format", "json", "--cache-dir", str(cache))
    first = run_subprocess(*args, cwd=tmp_path)
    for entry in cache.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not a pickle")
    again = run_subprocess(*args, cwd=tmp_path)
    assert again.out == first.out and again.err == first.err == DETECTED


def test_config_changes_invalidate(tmp_path):
    _project(tmp_path, 5)
    cache = tmp_path / "cache"
    args = ("check", "migrations", "--format", "json", "--cache-dir", str(cache))
    before = run_subprocess(*args, cwd=tmp_path)
    (tmp_path / ".migration-gate.yml").write_text("pg_version: 10\n")
    after = run_subprocess(*args, cwd=tmp_path)
    assert before.out != after.out  # before 11 every default rewrites


def test_bad_jobs_value(cli, tmp_path):
    (tmp_path / "V1__a.sql").write_text("SELECT 1;\n")
    result = cli("check", ".", "--jobs", "-1", cwd=tmp_path)
    assert result.code == 2 and "--jobs -1" in result.err


def test_text_runs_do_not_poison_the_cache_for_json(tmp_path):
    _project(tmp_path, 5)
    cache = tmp_path / "cache"
    run_subprocess("check", "migrations", "--cache-dir", str(cache), cwd=tmp_path)  # text: no statement reports
    cached = run_subprocess("check", "migrations", "--format", "json", "--cache-dir", str(cache), cwd=tmp_path)
    fresh = run_subprocess("check", "migrations", "--format", "json", "--no-cache", cwd=tmp_path)
    assert cached.out == fresh.out and '"locks": [{' in fresh.out


def test_worker_errors_carry_the_traceback(tmp_path):
    """An exception in a forked worker reaches the parent with the worker's traceback (no hang)."""
    import os

    import pytest

    from migration_gate.batch.workers import in_workers, shares_by_location
    from migration_gate.core.analyze import analyze_file
    from migration_gate.core.config import Config
    from migration_gate.discovery import discover_location

    folder = _project(tmp_path, 6)
    files = discover_location(folder, "migrations", Config(root=tmp_path))
    parent = os.getpid()
    analysed = []

    def analyse(migration):
        if os.getpid() != parent:
            raise ValueError(f"cannot analyse {migration.display}")
        analysed.append(migration.display)
        return analyze_file(migration, Config(root=tmp_path), batch_rules(tmp_path))

    with pytest.raises(RuntimeError, match=r"(?s)a worker process failed:.*ValueError: cannot analyse migrations/"):
        in_workers(files, 2, analyse)
    # This process analyses its own share (in order) until the worker's error arrives; then it stops.
    own_share = [files[index].display for index in shares_by_location(files, 2)[0]]
    assert analysed and analysed == own_share[: len(analysed)]


def test_shares_keep_a_folder_whole_and_balance_the_work(tmp_path):
    """A folder goes to one process whole unless it is more than a share; pieces are consecutive runs."""
    from migration_gate.batch.workers import shares_by_location
    from migration_gate.core.config import Config
    from migration_gate.discovery import discover_location

    files = []
    for name, count in (("big", 8), ("small", 3), ("tiny", 2)):
        folder = tmp_path / name
        folder.mkdir()
        for n in range(1, count + 1):
            (folder / f"V{n}__step.sql").write_text("SELECT 1;\n")
        files.extend(discover_location(folder, name, Config(root=tmp_path)))
    # weights about 1 each: 13 files, two shares of 6.5; "big" (8) is cut into a run of 6 and one of 2
    assert shares_by_location(files, 2) == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11, 12]]
    assert shares_by_location(files, 3) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11, 12]]
    assert shares_by_location(files, 1) == [list(range(13))]


def batch_rules(tmp_path):
    from migration_gate.core.config import Config
    from migration_gate.core.ruleset import build_ruleset

    return build_ruleset(Config(root=tmp_path))


def test_cache_entries_of_another_shape_are_misses(tmp_path):
    """An entry another version of the tool wrote (a valid pickle, not our shape) is re-analysed."""
    import pickle

    _project(tmp_path, 5)
    cache = tmp_path / "cache"
    args = ("check", "migrations", "--format", "json", "--cache-dir", str(cache))
    first = run_subprocess(*args, cwd=tmp_path)
    entries = [entry for entry in cache.rglob("*") if entry.is_file()]
    assert entries
    for entry in entries:
        entry.write_bytes(pickle.dumps((1, None, [("x",)], [("p", 1, 1, [])], (), [], ())))
    again = run_subprocess(*args, cwd=tmp_path)
    assert (again.code, again.out, again.err) == (first.code, first.out, DETECTED)


def _run(tmp_path, **schedule):
    """check in this process with a given Schedule: (the run's JSON, the scheduler's statistics)."""
    from migration_gate.batch import Schedule
    from migration_gate.config import load_config
    from migration_gate.discovery import scope_from_paths
    from migration_gate.reporters import json_report
    from migration_gate.run import run_check

    config = load_config(None, search_from=tmp_path)
    plan = Schedule(**schedule)
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run_check(scope_from_paths(["migrations"], config), config, schedule=plan)
    finally:
        os.chdir(here)
    return json_report.Writer(result.docs_url).compact(result), plan.stats


def test_the_cache_hits_and_misses(tmp_path):
    """Not only the same output: the second run reads every result from the cache, and a configuration
    change makes every key new."""
    _project(tmp_path, 12)
    cache = tmp_path / "cache"
    first, stats = _run(tmp_path, cache_dir=cache, workers=1)
    assert (stats.cache_hits, stats.cache_misses, stats.cache_stored) == (0, 12, 12)
    second, stats = _run(tmp_path, cache_dir=cache, workers=1)
    assert (stats.cache_hits, stats.cache_misses) == (12, 0)
    assert second == first
    (tmp_path / ".migration-gate.yml").write_text("pg_version: 10\n")
    third, stats = _run(tmp_path, cache_dir=cache, workers=1)
    assert (stats.cache_hits, stats.cache_misses) == (0, 12)
    assert third != first


def test_workers_run_in_other_processes(tmp_path):
    import os

    _project(tmp_path, 240)
    serial, stats = _run(tmp_path, workers=1)
    assert stats.processes == {os.getpid(): 240}
    parallel, stats = _run(tmp_path, workers=3)
    assert parallel == serial
    others = {pid: count for pid, count in stats.processes.items() if pid != os.getpid()}
    assert len(others) == 2 and sum(stats.processes.values()) == 240
    assert all(count >= 60 for count in stats.processes.values())  # each took a third of the files


def test_packing_round_trips_a_result(tmp_path):
    """What crosses a worker's pipe and what the cache stores: every field of a result comes back."""
    import pickle

    from migration_gate.batch.packing import pack, unpack
    from migration_gate.core.analyze import analyze_file
    from migration_gate.core.config import Config
    from migration_gate.core.ruleset import build_ruleset
    from migration_gate.discovery import discover_location

    folder = _project(tmp_path, 8)
    (folder / "V8__ignored.sql").write_text(
        "-- migration-gate: ignore MG101 -- small table\nCREATE INDEX i ON accounts (name);\n"
        "-- migration-gate: ignore MG102 -- nothing to ignore here\nSELECT 1;\n"
    )
    config = Config(root=tmp_path)
    rules = build_ruleset(config)
    files = discover_location(folder, "migrations", config)
    for migration in files:
        result = analyze_file(migration, config, rules, frozenset({"public.x"}), True, lambda kind, *a: None)
        back = unpack(pickle.loads(pickle.dumps(pack(result))), migration)
        _assert_same_result(back, result)
    assert any(r.ignores for r in [analyze_file(f, config, rules) for f in files])


def _assert_same_result(back, result):
    """Every field of a FileResult but the two packing leaves out (a field added later is compared too)."""
    from dataclasses import fields

    from migration_gate.core.results import FileResult

    compared = [f.name for f in fields(FileResult) if f.name not in ("source", "facts")]
    assert "batch_after" in compared
    for name in compared:
        assert getattr(back, name) == getattr(result, name), name


def test_packing_round_trips_what_a_deploy_batch_carries(tmp_path, monkeypatch):
    """A pending file of a Flyway group: the locks and enum values its transaction carries on to the next
    pending file (``batch_after``) come back from a worker's pipe or the cache as they went in."""
    import pickle

    from migration_gate.batch.packing import pack, unpack
    from migration_gate.config import load_config
    from migration_gate.core.analyze import analyze_file
    from migration_gate.core.deploy_batch import BatchState, HeldLock, NewEnumValue
    from migration_gate.core.ruleset import build_ruleset
    from migration_gate.discovery import scope_from_config

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".migration-gate.yml").write_text("rules: {}\n")
    (tmp_path / "flyway.conf").write_text("flyway.group=true\n")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "V2__status.sql").write_text(
        "ALTER TABLE accounts ADD COLUMN status text;\nALTER TYPE mood ADD VALUE 'calm';\n"
    )
    scope = scope_from_config(load_config(tmp_path / ".migration-gate.yml"))
    assert scope.notes == [
        "migration-gate: migrations: flyway (from V<version>__<description>.sql names; flyway.conf: group = true)"
    ]
    config = scope.project.config
    rules = build_ruleset(config)
    (migration,) = scope.files
    before = BatchState(
        "Flyway (group = true)",
        locks=(HeldLock("public.users", "AccessExclusiveLock", "migrations/V1__users.sql", 1, "ALTER TABLE users"),),
        enum_values=(NewEnumValue("public.mood", "sad", "migrations/V1__users.sql", 2),),
    )
    result = analyze_file(migration, config, rules, batch=before)
    after = result.batch_after
    assert after is not None
    assert [(lock.table, lock.mode, lock.path, lock.line) for lock in after.locks] == [
        ("public.accounts", "AccessExclusiveLock", "migrations/V2__status.sql", 1),
        ("public.users", "AccessExclusiveLock", "migrations/V1__users.sql", 1),
    ]
    assert [(v.enum, v.label, v.line) for v in after.enum_values] == [
        ("public.mood", "sad", 2),
        ("public.mood", "calm", 2),
    ]
    back = unpack(pickle.loads(pickle.dumps(pack(result))), migration)
    _assert_same_result(back, result)
    assert back.batch_after == after


def test_the_code_fingerprint_follows_every_module_and_only_modules(tmp_path):
    """A result made by other code is never reused: any module's size or modification time changes the
    fingerprint, other files do not, and modules are taken in the order of their paths' parts."""
    import hashlib
    import os

    from migration_gate.batch.cache import code_fingerprint

    package = tmp_path / "pkg"
    for rel in ("a.py", "sub/b.py", "a.b/c.py", "a/d.py"):  # "a.b/" sorts after "a/" by parts, before by text
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text("x = 1\n")
    (package / "notes.txt").write_text("n\n")
    first = code_fingerprint(str(package))
    assert code_fingerprint(str(package)) == first
    listed = [(p.relative_to(package), p.stat()) for p in sorted(package.rglob("*.py"))]
    expected = hashlib.sha256("|".join(f"{rel}:{st.st_size}:{st.st_mtime_ns}" for rel, st in listed).encode())
    assert first == expected.hexdigest()
    (package / "notes.txt").write_text("changed\n")
    assert code_fingerprint(str(package)) == first
    stat = (package / "sub" / "b.py").stat()
    os.utime(package / "sub" / "b.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert code_fingerprint(str(package)) != first
