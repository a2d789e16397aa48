"""Paths of a whole history, resolved folder by folder (not file by file), with the same answers."""

from __future__ import annotations

import os
from pathlib import Path

from migration_gate.discovery import classify
from migration_gate.history.git import Resolver


def test_resolver_answers_as_path_resolve(tmp_path, monkeypatch):
    real = tmp_path / "db" / "sql"
    real.mkdir(parents=True)
    (real / "V1__a.sql").write_text("SELECT 1;\n")
    (tmp_path / "migrations").symlink_to(real, target_is_directory=True)  # a folder that is a link
    (real / "V2__link.sql").symlink_to(real / "V1__a.sql")  # a file that is a link
    monkeypatch.chdir(tmp_path)
    paths = [
        real / "V1__a.sql",
        tmp_path / "migrations" / "V1__a.sql",
        tmp_path / "migrations" / "V2__link.sql",
        tmp_path / "migrations" / ".." / "db" / "sql" / "V1__a.sql",
        Path("migrations/V1__a.sql"),
        tmp_path / "missing" / "V9__gone.sql",
        tmp_path / "migrations" / "..",
    ]
    resolve = Resolver()
    assert [resolve(p) for p in paths] == [p.resolve() for p in paths]
    assert [resolve.text(str(p)) for p in paths] == [str(p.resolve()) for p in paths]
    assert resolve(tmp_path / "migrations" / "V2__link.sql") == real / "V1__a.sql"


def test_resolver_reads_a_busy_folder_from_its_listing_with_the_same_answers(tmp_path):
    """Once a folder's listing is read, its links come from it: the same answers as ``lstat`` for plain
    files, links to files, links to folders, broken links and names that do not exist."""
    folder = tmp_path / "sql"
    folder.mkdir()
    (tmp_path / "elsewhere").mkdir()
    for n in range(32):
        (folder / f"V{n}__plain.sql").write_text("SELECT 1;\n")
    (folder / "V100__link.sql").symlink_to(folder / "V1__plain.sql")
    (folder / "V101__broken.sql").symlink_to(folder / "absent.sql")
    (folder / "V102__dir").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    names = [*sorted(os.listdir(folder)), "V999__missing.sql"]
    resolve = Resolver()
    asked = [resolve.is_link(folder / name) for name in names]  # lstat
    resolve.links_in(str(folder))
    asked += [resolve.is_link(str(folder / n)) for n in names]  # the listing
    assert asked == [os.path.islink(folder / name) for name in names] * 2
    assert asked.count(True) == 6  # three links, asked before and after the listing was read
    assert resolve.text(str(folder / "V100__link.sql")) == str((folder / "V1__plain.sql").resolve())
    assert resolve.is_link(tmp_path / "unlistable" / "V1__a.sql") is False  # a folder that is not there


def test_history_through_a_linked_location(cli, git_repo):
    """The location is a link to the folder git tracks: merged files are still found in it (an edit of a
    merged migration is reported, and a new one is checked), as when each file was resolved whole."""
    git_repo.write("db/sql/V1__create.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    git_repo.write("db/sql/V2__more.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n")
    os.symlink("db/sql", git_repo.path / "migrations", target_is_directory=True)
    git_repo.write(
        ".migration-gate.yml",
        "migrations:\n  path: migrations\nrules:\n  missing-rollback: off\n  missing-statement-timeout: off\n",
    )
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("db/sql/V1__create.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    git_repo.write("db/sql/V3__index.sql", "CREATE INDEX idx_orders_id ON orders (id);\n")
    doc = cli("check", "--base", "main", "--format", "json", cwd=git_repo.path).json()
    found = sorted((v["path"], v["line"], v["rule"]) for v in doc["violations"])
    assert found == [
        ("migrations/V1__create.sql", 1, "modified-merged-migration"),
        ("migrations/V3__index.sql", 1, "missing-lock-timeout"),
        ("migrations/V3__index.sql", 1, "non-concurrent-index-creation"),
    ]


def test_merged_files_are_placed_in_their_location(git_repo):
    """A merged file (a path from the repository's root, as git lists it) lands in the deepest location
    that holds it, through linked folders, with the relative path and display the location's own files get."""
    from migration_gate.config import load_config
    from migration_gate.history.merged_files import MergedFiles

    git_repo.write("db/sql/V1__create.sql", "SELECT 1;\n")
    git_repo.write("db/sql/nested/V2__more.sql", "SELECT 1;\n")
    git_repo.write("other/V3__elsewhere.sql", "SELECT 1;\n")
    os.symlink("db/sql", git_repo.path / "migrations", target_is_directory=True)
    os.symlink("../../other/V3__elsewhere.sql", git_repo.path / "db/sql/V4__out.sql")  # files that are links
    os.symlink("../db/sql/nested/V2__more.sql", git_repo.path / "other/V5__in.sql")
    config = load_config(None, search_from=git_repo.path)
    root = git_repo.path.resolve()
    locations = [
        (git_repo.path / "migrations", str((git_repo.path / "migrations").resolve())),
        (git_repo.path / "migrations" / "nested", str((git_repo.path / "db/sql/nested").resolve())),
    ]
    displays = {locations[0][0]: "migrations", locations[1][0]: "migrations/nested"}
    resolve = Resolver()
    relpaths = [
        "db/sql/V1__create.sql",
        "db/sql/nested/V2__more.sql",
        "other/V3__elsewhere.sql",
        "db/sql/V4__out.sql",
        "other/V5__in.sql",
        "db/sql/V6__gone.sql",  # merged, deleted since
    ]
    expected = {
        "db/sql/V1__create.sql": (locations[0][0], "V1__create.sql", "migrations/V1__create.sql"),
        "db/sql/nested/V2__more.sql": (locations[1][0], "V2__more.sql", "migrations/nested/V2__more.sql"),
        "other/V3__elsewhere.sql": None,
        "db/sql/V4__out.sql": None,
        "other/V5__in.sql": (locations[1][0], "V2__more.sql", "migrations/nested/V2__more.sql"),
        "db/sql/V6__gone.sql": (locations[0][0], "V6__gone.sql", "migrations/V6__gone.sql"),
    }
    one_by_one = {r: MergedFiles(root, locations, config, displays, resolve).classify(r) for r in relpaths}
    assert {r: (m.location, m.relpath, m.display) if m else None for r, m in one_by_one.items()} == expected
    merged = MergedFiles(root, locations, config, displays, Resolver())  # folder by folder, the same places
    assert {r: merged.classify(r) for r in relpaths * 2} == one_by_one


def test_git_commands_started_beside_a_failing_one_are_reaped(git_repo):
    """The untracked listing runs beside `git diff`: when the diff fails (a base that is no commit), the
    error is the diff's and the other process is stopped and reaped, not left running."""
    import gc
    import warnings

    import pytest

    from migration_gate.history.git import GitError, changed_files

    git_repo.write("migrations/V1__a.sql", "SELECT 1;\n")
    git_repo.commit("merged")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(GitError, match=r"^fatal: bad object 0{40}$"):
            changed_files(git_repo.path, "0" * 40, ["migrations"])
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_project_rules_report_on_exactly_the_paths_in_scope(tmp_path):
    """``reports_on`` compares names first: a file of the same name in another folder is not in scope."""
    from migration_gate.core.config import Config
    from migration_gate.core.context import ProjectContext
    from migration_gate.core.migration import MigrationFile, Project

    def migration(folder: str, name: str) -> MigrationFile:
        location = tmp_path / folder
        return MigrationFile(
            path=location / name, display=f"{folder}/{name}", location=location, relpath=name, kind="versioned"
        )

    changed, twin, other = migration("a", "V2__x.sql"), migration("b", "V2__x.sql"), migration("a", "V1__y.sql")
    context = ProjectContext(
        Project(Config(), [tmp_path / "a", tmp_path / "b"], [changed, twin, other]), Config(), frozenset({changed.path})
    )
    assert [context.reports_on(m) for m in (changed, twin, other)] == [True, False, False]


def _os_walk(folder: Path) -> list[tuple[str, str, list[str]]]:
    """The walk discovery made before it noted links: ``os.walk``, hidden folders left out, sorted."""
    root = os.fspath(folder)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.append((dirpath, dirpath[len(root) :].lstrip(os.sep).replace(os.sep, "/"), sorted(filenames)))
    return out


def test_discovery_walks_as_os_walk_and_notes_the_links_the_file_system_has(tmp_path):
    from migration_gate.discovery_walk import walk_noting_links

    root = tmp_path / "migrations"
    for rel in ("V1__a.sql", "b/V2__b.sql", "b/c/V3__c.sql", "d/V4__d.sql", ".hidden/V9__h.sql"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("SELECT 1;\n")
    os.symlink("b", root / "linked_dir", target_is_directory=True)  # listed, not entered (as os.walk)
    os.symlink("V1__a.sql", root / "V5__file_link.sql")
    os.symlink("missing.sql", root / "V6__broken.sql")
    os.symlink("../V1__a.sql", root / "b" / "V7__up.sql")
    walked = list(walk_noting_links(root))
    assert [(d, r, n) for d, r, n, _ in walked] == _os_walk(root)
    assert {d: links for d, _, _, links in walked} == {
        d: frozenset(n for n in os.listdir(d) if os.path.islink(os.path.join(d, n))) for d, _, _ in _os_walk(root)
    }
    assert walked[0][3] == {"linked_dir", "V5__file_link.sql", "V6__broken.sql"}


def test_the_project_says_which_of_its_files_are_links_as_the_file_system_does(tmp_path, monkeypatch):
    from migration_gate.config import load_config
    from migration_gate.discovery import scope_from_config

    for n in range(1, 4):
        (tmp_path / "migrations").mkdir(exist_ok=True)
        (tmp_path / "migrations" / f"V{n}__t{n}.sql").write_text(f"CREATE TABLE t{n} (id int);\n")
    os.symlink("V1__t1.sql", tmp_path / "migrations" / "V4__same.sql")
    monkeypatch.chdir(tmp_path)
    project = scope_from_config(load_config(None, search_from=tmp_path)).project
    assert project.linked == {tmp_path / "migrations" / "V4__same.sql"}
    assert project.linked == {f.path for f in project.files if os.path.islink(f.path)}
    from dataclasses import replace

    from migration_gate.history.git import History

    assert History().linked(replace(project, linked=None)) == project.linked  # a project discovery did not build


def test_a_link_to_a_changed_file_is_in_the_change_set(cli, git_repo):
    """A file that is a link to a file the change edits is the same file to the runner: reported on too."""
    git_repo.write("migrations/V1__create.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    os.symlink("V1__create.sql", git_repo.path / "migrations" / "V2__again.sql")
    git_repo.write("migrations/V3__other.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\n")
    git_repo.write(".migration-gate.yml", "rules:\n  missing-rollback: off\n")
    git_repo.commit("merged")
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("migrations/V1__create.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    doc = cli("check", "--base", "main", "--format", "json", cwd=git_repo.path).json()
    assert sorted(f["path"] for f in doc["files"]) == ["migrations/V1__create.sql", "migrations/V2__again.sql"]


def test_a_merged_file_reuses_the_record_of_the_file_now_only_when_it_would_be_classified_the_same(tmp_path):
    """The base's files take the working tree's record of the same location and name, unless a sidecar
    opts the file now out of its transaction (merged files are read without sidecars), it is shown
    otherwise, or another layout classified it."""
    from dataclasses import replace

    from migration_gate.config import load_config
    from migration_gate.history.merged_files import MergedFiles

    folder = tmp_path / "migrations"
    folder.mkdir()
    config = load_config(None, search_from=tmp_path)
    location = (folder, str(folder.resolve()))
    now = {
        name: classify(folder / name, f"migrations/{name}", folder, config, rel=name)
        for name in ("V1__same.sql", "V2__sidecar.sql", "V3__shown.sql", "V4__layout.sql")
    }
    now["V2__sidecar.sql"] = replace(now["V2__sidecar.sql"], runner_opt_out=True)
    now["V3__shown.sql"] = replace(now["V3__shown.sql"], display="elsewhere/V3__shown.sql")
    now["V4__layout.sql"] = replace(now["V4__layout.sql"], layout="up-down")
    merged = MergedFiles(tmp_path, [location], config, {folder: "migrations"}, Resolver(), known={folder: now})
    found = {name: merged.classify(f"migrations/{name}") for name in now}
    assert found["V1__same.sql"] is now["V1__same.sql"]
    for name in ("V2__sidecar.sql", "V3__shown.sql", "V4__layout.sql"):
        assert found[name] is not now[name]
        assert found[name] == classify(
            folder / name, f"migrations/{name}", folder, config, rel=name, siblings=frozenset()
        )
    assert found["V2__sidecar.sql"].runner_opt_out is False
    assert found["V3__shown.sql"].display == "migrations/V3__shown.sql"
    assert found["V4__layout.sql"].layout == "flyway"


def test_a_given_file_discovery_did_not_list_is_a_link_to_the_project_too(tmp_path, monkeypatch):
    """A PATH in a hidden folder (discovery's walk leaves those out) joins the project: if it is a link,
    the project says so, as the file system does."""
    from migration_gate.config import load_config
    from migration_gate.discovery import scope_from_paths

    (tmp_path / "migrations" / ".old").mkdir(parents=True)
    (tmp_path / "migrations" / "V1__a.sql").write_text("CREATE TABLE a (id int);\n")
    os.symlink("../V1__a.sql", tmp_path / "migrations" / ".old" / "V2__link.sql")
    monkeypatch.chdir(tmp_path)
    project = scope_from_paths(
        ["migrations", "migrations/.old/V2__link.sql"], load_config(None, search_from=tmp_path)
    ).project
    assert sorted(f.display for f in project.files) == ["migrations/.old/V2__link.sql", "migrations/V1__a.sql"]
    assert project.linked == {f.path for f in project.files if os.path.islink(f.path)}
    assert len(project.linked) == 1
