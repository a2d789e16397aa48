"""A drizzle folder between drizzle-kit 0.x's journal and 1.x's `<YYYYMMDDHHMMSS>_<name>/` folders: the gate reports
what the migrator of the drizzle-orm version the repository names never applies, with the runner's own message.
tests/test_runners_real.py runs the same folders through the real drizzle-orm 1.0.0-rc.5 and 0.45.4."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

FOLDER = "m/20250101120000_folder/migration.sql"
JOURNAL = (
    '{"version":"7","dialect":"postgresql","entries":['
    '{"idx":0,"version":"7","when":1700000000000,"tag":"0000_base","breakpoints":true}]}'
)
REFUSED = (
    "drizzle-orm 1.0.0-rc.5 refuses the whole folder while meta/_journal.json is there, so no migration is applied "
    "(its migrator throws: We detected that you have old drizzle-kit migration folders. You must upgrade drizzle-kit "
    'and run "drizzle-kit up")'
)
UP = (
    "run `drizzle-kit up` (it moves each journal migration into a <YYYYMMDDHHMMSS>_<name>/ folder and deletes meta/), "
    "or delete a meta/ folder left over from an earlier move"
)
FINISH = (
    "finish the move to drizzle-kit 1.x (drizzle-orm 1.x, then `drizzle-kit up`), or generate the migration with the "
    "drizzle-kit 0.x the project uses"
)


def project(root: Path, files: dict[str, str], orm: str | None, configured: bool = True) -> Path:
    tree = {
        FOLDER: "CREATE TABLE t_folder (id int);\n",
        "m/20250101120000_folder/snapshot.json": '{"id": "a", "prevIds": []}\n',
        **files,
    }
    if orm is not None:
        tree["package.json"] = f'{{"dependencies": {{"drizzle-orm": "{orm}"}}}}\n'
    if configured:
        tree[".migration-gate.yml"] = "migrations:\n  path: m\n  layout: drizzle\n"
    for rel, text in tree.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def reported(cli, root: Path) -> list[tuple[str, int, int, str, str | None]]:
    result = cli("check", "--no-cache", "--format", "json", "--rule", "invalid-migration-filename", cwd=root)
    assert result.code in (0, 1), result.err
    return [(v["path"], v["line"], v["column"], v["message"], v["help"]) for v in result.json()["violations"]]


LEFTOVER = {"m/meta/_journal.json": JOURNAL, "m/0000_base.sql": "CREATE TABLE t_base (id int);\n"}


@pytest.mark.parametrize(
    ("orm", "files", "expected"),
    [
        (
            "1.0.0-rc.5",
            LEFTOVER,
            [
                ("m/0000_base.sql", 1, 1, f"0000_base.sql: {REFUSED}", UP),
                (FOLDER, 1, 1, f"migration.sql: {REFUSED}", UP),
            ],
        ),
        (
            "^1.0.0-rc.5",
            {"m/meta/_journal.json": "not json"},  # the migrator tests only that the file exists
            [(FOLDER, 1, 1, f"migration.sql: {REFUSED.replace('1.0.0-rc.5', '^1.0.0-rc.5')}", UP)],
        ),
        ("1.0.0-rc.5", {}, []),
        (
            "1.0.0-rc.5",
            {"m/0000_flat.sql": "CREATE TABLE t_flat (id int);\n"},
            [
                (
                    "m/0000_flat.sql",
                    1,
                    1,
                    "0000_flat.sql: drizzle-orm 1.0.0-rc.5 runs only <folder>/migration.sql (one folder per migration): "
                    "this file never runs",
                    "move it to <YYYYMMDDHHMMSS>_<name>/migration.sql, the folder drizzle-kit 1.x writes",
                )
            ],
        ),
        (
            "0.45.4",
            {},
            [
                (
                    FOLDER,
                    1,
                    1,
                    "migration.sql: drizzle-orm 0.45.4 refuses a folder without meta/_journal.json, so no migration is "
                    "applied (its migrator throws: Can't find meta/_journal.json file): these "
                    "<YYYYMMDDHHMMSS>_<name>/ folders are drizzle-kit 1.x's",
                    "upgrade drizzle-orm to 1.x, the migrator that reads these folders",
                )
            ],
        ),
        (
            "0.45.4",
            LEFTOVER,
            [
                (
                    FOLDER,
                    1,
                    1,
                    "migration.sql: drizzle-orm 0.45.4 runs only the files meta/_journal.json lists: this "
                    "folder-per-migration file (drizzle-kit 1.x) never runs",
                    FINISH,
                )
            ],
        ),
        (
            None,
            LEFTOVER,
            [
                (
                    FOLDER,
                    1,
                    1,
                    "migration.sql: this folder-per-migration file (drizzle-kit 1.x) never runs: drizzle-orm 0.x runs "
                    "only the files meta/_journal.json lists, and drizzle-orm 1.x refuses the whole folder while "
                    "meta/_journal.json is there (drizzle-orm version not found in package.json or a lock file)",
                    FINISH,
                )
            ],
        ),
        (None, {}, []),  # no version, no journal: drizzle-kit 1.x's layout, nothing to say
    ],
    ids=[
        "1.x-leftover-journal",
        "1.x-unreadable-journal",
        "1.x-folders",
        "1.x-flat-file",
        "0.x-no-journal",
        "0.x-folder-beside-journal",
        "unknown-both",
        "unknown-folders",
    ],
)
def test_what_the_migrator_of_the_version_never_applies(cli, tmp_path, orm, files, expected):
    assert reported(cli, project(tmp_path / "p", files, orm)) == expected


def test_a_journal_file_is_found_from_the_lock_file(cli, tmp_path):
    """The lock file's resolved version decides over a package.json range."""
    root = project(tmp_path / "p", LEFTOVER, "^0.45.0")
    (root / "package-lock.json").write_text(
        '{"packages": {"node_modules/drizzle-orm": {"version": "1.0.0-rc.5"}}}\n', encoding="utf-8"
    )
    assert [v[0] for v in reported(cli, root)] == ["m/0000_base.sql", FOLDER]


@pytest.mark.parametrize(
    ("orm", "files", "line"),
    [
        (
            None,
            {},
            "migration-gate: m: drizzle (from <timestamp>_<name>/ folders holding migration.sql and snapshot.json, "
            "drizzle-kit 1.x's layout; drizzle-orm version not found: assumed 1.x (a folder per migration, no journal))",
        ),
        (
            None,
            LEFTOVER,
            "migration-gate: m: drizzle (from meta/_journal.json; drizzle-orm version not found: assumed 0.x (journal))",
        ),
        (
            "1.0.0-rc.5",
            LEFTOVER,
            "migration-gate: m: drizzle (from meta/_journal.json; drizzle-orm 1.0.0-rc.5 from package.json)",
        ),
    ],
    ids=["1.x-layout", "journal", "journal-1.x"],
)
def test_detection_line(cli, tmp_path, orm, files, line):
    root = project(tmp_path / "p", files, orm, configured=False)
    result = cli("check", "--no-cache", "--rule", "invalid-migration-filename", cwd=root)
    assert result.err.splitlines()[0] == line


def test_a_folder_without_snapshot_is_not_taken_for_drizzle(cli, tmp_path):
    """The twin: `<14 digits>_<name>/migration.sql` alone is also Prisma's shape; drizzle-kit 1.x writes snapshot.json
    beside it (drizzle-kit `prepareOutFolder` reads `<subdir>/snapshot.json`)."""
    root = project(tmp_path / "p", {}, None, configured=False)
    (root / "m" / "20250101120000_folder" / "snapshot.json").unlink()
    result = cli("check", "--no-cache", cwd=root)
    assert (result.code, result.err.strip()) == (
        2,
        "migration-gate: error: migrations: migrations folder not found (set migrations.path in .migration-gate.yml "
        "or pass a PATH)",
    )
