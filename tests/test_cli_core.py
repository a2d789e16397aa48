"""The core CLI: exit codes, messages for bad input, report shapes, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import EXPECT_COMPILED, FIXTURES, REPO, check_golden, run_subprocess

GUIDE = FIXTURES / "guide"


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {text!r}"
    return lines[0]


# --------------------------------------------------------------------------- the demo


def test_guide_text_report_is_golden(cli):
    result = cli("check", "fixtures/guide/migrations", cwd=REPO, env={"NO_COLOR": "1"})
    assert result.code == 1
    check_golden("guide.txt", result.out)


def test_guide_json_report_is_golden_and_shaped(cli):
    result = cli("check", "fixtures/guide/migrations", "--format", "json", cwd=REPO)
    assert result.code == 1
    doc = result.json()
    assert set(doc) == {"schema_version", "tool", "files", "violations", "statements", "summary"}
    assert doc["schema_version"] == 1
    assert doc["tool"]["name"] == "migration-gate"
    for f in doc["files"]:
        assert set(f) == {"path", "kind", "version", "description", "checksum"}
        assert f["kind"] in ("versioned", "repeatable", "rollback", "other")
    for v in doc["violations"]:
        assert set(v) == {
            "rule",
            "code",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "help",
            "doc",
        }
        assert v["severity"] in ("error", "warning", "info")
        assert v["line"] >= 1 and v["column"] >= 1
        assert v["path"].startswith("fixtures/guide/migrations/")
    for s in doc["statements"]:
        assert set(s) == {"path", "line", "end_line", "locks"}
    assert doc["summary"]["result"] == "fail"
    assert doc["summary"]["files"] == len(doc["files"])
    # Compact on a pipe; the golden file holds it indented, for readable diffs.
    assert "\n" not in result.out.rstrip("\n")
    check_golden("guide.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def test_output_is_byte_identical_across_runs():
    first = run_subprocess("check", "fixtures/guide/migrations", "--format", "json", cwd=REPO)
    second = run_subprocess("check", "fixtures/guide/migrations", "--format", "json", cwd=REPO)
    assert first.out == second.out and first.out


def test_relative_paths_stay_relative(cli):
    result = cli("check", "migrations", "--format", "json", cwd=GUIDE)
    assert all(f["path"].startswith("migrations/") for f in result.json()["files"])


def test_check_without_path_uses_config(cli, tmp_path):
    import shutil

    # A copy outside any git repository: inside a clone, `check` alone would compare with origin's branch.
    shutil.copytree(GUIDE, tmp_path / "guide")
    result = cli("check", "--format", "json", cwd=tmp_path / "guide")
    paths = {f["path"] for f in result.json()["files"]}
    assert "migrations/V001__initial_schema.sql" in paths


def test_seeds_are_data_not_migrations(cli):
    result = cli("check", "migrations", "--format", "json", cwd=GUIDE)
    kinds = {f["path"]: f["kind"] for f in result.json()["files"]}
    assert kinds["migrations/seeds/development.sql"] == "other"
    assert not [v for v in result.json()["violations"] if "seeds/" in v["path"]]


# --------------------------------------------------------------------------- bad input


def test_missing_path_is_usage_error(cli, tmp_path):
    result = cli("check", "nope.sql", cwd=tmp_path)
    assert result.code == 2
    assert one_line(result.err) == "migration-gate: error: nope.sql: no such file or folder"


def test_unknown_flag_is_one_line(cli, tmp_path):
    result = cli("check", "--bogus", cwd=tmp_path)
    assert result.code == 2
    assert "--bogus" in one_line(result.err)


def test_bad_format_value(cli, tmp_path):
    result = cli("check", "--format", "xml", cwd=tmp_path)
    assert result.code == 2
    assert "xml" in one_line(result.err)


def test_no_migrations_folder(cli, tmp_path):
    result = cli("check", cwd=tmp_path)
    assert result.code == 2
    assert "migrations folder not found" in one_line(result.err)


def test_directory_without_migrations_is_a_usage_error(cli, tmp_path):
    """Not "0 files: gate passed": a folder named on the command line with no .sql file is exit 2."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.txt").write_text("not SQL\n")
    for folder in ("empty", "docs"):
        result = cli("check", folder, cwd=tmp_path)
        assert result.code == 2
        assert result.out == ""
        assert one_line(result.err) == (
            f"migration-gate: error: no migration files found in {folder} (no .sql file in it or its subfolders)"
        )


def test_a_folder_of_misnamed_sql_files_is_still_analysed(cli, tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "create_users.sql").write_text("CREATE TABLE users (id bigint);\n")
    result = cli("check", "sql", "--format", "json", cwd=tmp_path)
    assert [v["rule"] for v in result.json()["violations"]] == ["invalid-migration-filename"]


def test_empty_file_is_a_warning(cli, tmp_path):
    (tmp_path / "V1__empty.sql").write_text("")
    (tmp_path / "rollback").mkdir()
    (tmp_path / "rollback" / "V1__rollback.sql").write_text("")
    result = cli("check", "V1__empty.sql", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.out
    assert result.json()["summary"]["statements"] == 0
    assert [
        (v["rule"], v["severity"], v["line"], v["column"], v["message"])
        for v in result.json()["violations"]
        if v["rule"] == "empty-migration"
    ] == [
        (
            "empty-migration",
            "warning",
            1,
            1,
            "the migration is empty: no statement runs, yet the runner records the version as applied",
        )
    ]


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"\xef\xbb\xbfSELECT 1;\r\nCREATE TABLE t (a int);\r\n", 2),
        (b"SELECT 1;\rSELECT 2;\r", 2),
    ],
)
def test_bom_and_line_endings_parse(cli, tmp_path, content, expected):
    (tmp_path / "x.sql").write_bytes(content)
    result = cli("check", "x.sql", "--format", "json", "--rule", "syntax-error", cwd=tmp_path)
    assert result.code == 0
    lines = [s["line"] for s in result.json()["statements"]]
    assert len(lines) == expected and lines == [1, 2]


def test_non_utf8_file_is_a_finding(cli, tmp_path):
    (tmp_path / "V1__latin1.sql").write_bytes(b"SELECT 'Jos\xe9';\n")
    result = cli("check", "V1__latin1.sql", "--format", "json", cwd=tmp_path)
    assert result.code == 1
    (violation,) = [v for v in result.json()["violations"] if v["rule"] == "unreadable-file"]
    assert "not valid UTF-8 (byte 0xe9 at line 1)" in violation["message"]


def test_huge_file_is_reported_not_read(cli, tmp_path):
    big = tmp_path / "V1__huge.sql"
    with big.open("wb") as handle:
        chunk = b"INSERT INTO t VALUES (1);\n" * 40000
        for _ in range(50):  # ~50 MB
            handle.write(chunk)
    result = cli("check", "V1__huge.sql", "--format", "json", cwd=tmp_path)
    assert result.code == 1
    (violation,) = [v for v in result.json()["violations"] if v["rule"] == "unreadable-file"]
    assert "over the 10 MB limit" in violation["message"]


def test_unreadable_permissions(cli, tmp_path):
    path = tmp_path / "V1__secret.sql"
    path.write_text("SELECT 1;")
    path.chmod(0)
    try:
        result = cli("check", "V1__secret.sql", "--format", "json", cwd=tmp_path)
        messages = [v["message"] for v in result.json()["violations"] if v["rule"] == "unreadable-file"]
        import os

        if os.geteuid() != 0:  # root reads anything
            assert messages and "cannot read file" in messages[0]
    finally:
        path.chmod(0o644)


def test_nothing_is_modified(cli, tmp_path):
    import shutil

    shutil.copytree(GUIDE, tmp_path / "guide")
    before = {p: p.read_bytes() for p in (tmp_path / "guide").rglob("*") if p.is_file()}
    cli("check", "migrations", "--format", "json", cwd=tmp_path / "guide")
    after = {p: p.read_bytes() for p in (tmp_path / "guide").rglob("*") if p.is_file()}
    assert before == after


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    "yaml_text,message",
    [
        ("bogus: 1\n", ".migration-gate.yml: bogus: unknown setting"),
        ("pg_version: 99\n", ".migration-gate.yml: pg_version: 99 is not a PostgreSQL major version from 9 to 18"),
        ("rules:\n  no-such-rule: error\n", ".migration-gate.yml: rules.no-such-rule: unknown rule"),
        ("rules:\n  MG303: loud\n", ".migration-gate.yml: rules.MG303: 'loud' is not a level"),
        (
            "migrations:\n  layout: rails\n",
            ".migration-gate.yml: migrations.layout: 'rails' is not one of flyway, up-down",
        ),
        ("migrations: [\n", ".migration-gate.yml: invalid YAML"),
        ("- a\n- b\n", ".migration-gate.yml: the top level must be a mapping"),
        ("fail_on: sometimes\n", ".migration-gate.yml: fail_on: 'sometimes' is not one of"),
    ],
)
def test_bad_config_is_exit_2_one_line(cli, tmp_path, yaml_text, message):
    (tmp_path / ".migration-gate.yml").write_text(yaml_text)
    (tmp_path / "migrations").mkdir()
    result = cli("check", cwd=tmp_path)
    assert result.code == 2
    assert message in one_line(result.err)


def test_config_in_pyproject(cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-gate]\nmigrations = { path = "db" }\nrules = { missing-rollback = "off" }\n'
    )
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "V1__a.sql").write_text("SELECT 1;")
    result = cli("check", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.out
    assert [f["path"] for f in result.json()["files"]] == ["db/V1__a.sql"]


def test_explicit_config_missing(cli, tmp_path):
    result = cli("check", "--config", "nope.yml", cwd=tmp_path)
    assert result.code == 2
    assert one_line(result.err) == "migration-gate: error: nope.yml: config file not found"


def test_yaml_off_means_off(cli, tmp_path):
    (tmp_path / ".migration-gate.yml").write_text("rules:\n  missing-rollback: off\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__a.sql").write_text("SELECT 1;")
    assert cli("check", cwd=tmp_path).code == 0


def test_fail_on_flag(cli, tmp_path):
    (tmp_path / "V1__a.sql").write_text("SELECT 1;")
    (tmp_path / "rollback").mkdir()
    (tmp_path / "rollback" / "V9__rollback.sql").write_text("SELECT 1;")
    # V1 has no rollback (error) and V9's rollback is an orphan (warning).
    assert cli("check", "V1__a.sql", "--fail-on", "never", cwd=tmp_path).code == 0
    assert cli("check", "rollback/V9__rollback.sql", cwd=tmp_path).code == 0  # warning only
    assert cli("check", "rollback/V9__rollback.sql", "--fail-on", "warning", cwd=tmp_path).code == 1


def test_unknown_rule_flag(cli, tmp_path):
    result = cli("check", "--rule", "nope", ".", cwd=tmp_path)
    assert result.code == 2
    assert "--rule nope: unknown rule" in one_line(result.err)


# --------------------------------------------------------------------------- other commands


def test_version(cli, capsys):
    from migration_gate import __version__

    with pytest.raises(SystemExit) as exit_info:
        cli("--version")
    assert exit_info.value.code == 0
    build = "compiled core" if EXPECT_COMPILED else "pure Python"  # which build this run tests (.ci/run)
    assert capsys.readouterr().out == f"migration-gate {__version__} ({build})\n"


def test_rules_table(cli):
    from migration_gate.core.rules import registry

    result = cli("rules")
    assert result.code == 0
    for rule in registry.ALL_RULES:
        assert rule.code in result.out and rule.name in result.out


def test_explain_by_code_and_name(cli):
    by_code = cli("explain", "MG303")
    by_name = cli("explain", "missing-rollback")
    assert by_code.code == 0 and by_code.out == by_name.out
    assert "# missing-rollback (MG303)" in by_code.out
    assert cli("explain", "MG999").code == 2


def test_output_file(cli, tmp_path):
    result = cli("check", str(GUIDE / "migrations"), "--format", "json", "--output", "out.json", cwd=tmp_path)
    assert result.out == ""
    assert json.loads((tmp_path / "out.json").read_text())["schema_version"] == 1


def test_color_only_on_tty(cli):
    result = cli("check", "fixtures/guide/migrations", cwd=REPO)
    assert "\x1b[" not in result.out


def test_import_cli_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, migration_gate.cli; "
        "heavy = [m for m in ('jinja2', 'github', 'sqlfluff', 'psycopg', 'yaml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


_HEAVY = ("jinja2", "github", "psycopg", "sqlfluff", "pygls")
_WATCH_IMPORTS = (
    "import sys\n"
    "from migration_gate.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({_HEAVY!r}))\n"
    "print('exit', code, 'heavy', ','.join(heavy) or '-', file=sys.stderr)\n"
)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_check_imports_nothing_heavy(tmp_path, fmt):
    """A whole `check` run (in its own process) leaves Jinja2, PyGithub, psycopg, sqlfluff and pygls unimported."""
    done = subprocess.run(
        [sys.executable, "-c", _WATCH_IMPORTS, "check", str(GUIDE / "migrations"), "--format", fmt],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
    )
    assert done.stderr.splitlines()[-1] == "exit 1 heavy -", done.stderr


def test_check_with_a_base_imports_nothing_heavy(git_repo):
    git_repo.write("migrations/V1__create.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    git_repo.commit("merged")
    git_repo.write("migrations/V2__index.sql", "CREATE INDEX idx_users_id ON users (id);\n")
    done = subprocess.run(
        [sys.executable, "-c", _WATCH_IMPORTS, "check", "--base", "main"],
        cwd=git_repo.path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
    )
    assert done.stderr.splitlines()[-1] == "exit 1 heavy -", done.stderr


def test_a_flyway_check_leaves_other_runners_checksums_unimported(git_repo):
    """Start-up is most of a small pull request's run: each runner's checksum algorithm (Atlas's sum file,
    Liquibase's changelog parser, Sqitch's plan …) is imported when a folder of that runner is met."""
    git_repo.write("migrations/V1__create.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    git_repo.commit("merged")
    git_repo.write("migrations/V2__index.sql", "CREATE INDEX idx_users_id ON users (id);\n")
    code = (
        "import sys\nfrom migration_gate.cli import main\ncode = main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m.startswith('migration_gate.core.integrity.')), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "check", "--base", "main", "--no-cache"],
        cwd=git_repo.path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
    )
    assert done.stderr.splitlines()[-1] == "[]", done.stderr
