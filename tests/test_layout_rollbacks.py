"""missing-rollback as each runner keeps rollbacks (or has none), at the layout's default level."""

from __future__ import annotations

import pytest


def run(cli, tmp_path, layout: str, files: dict[str, str], extra: str = "") -> list[tuple[str, int, str, str]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / ".migration-gate.yml").write_text(f"migrations:\n  layout: {layout}\n{extra}", encoding="utf-8")
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = cli("check", ".", "--no-cache", "--format", "json", "--rule", "missing-rollback", cwd=tmp_path)
    assert result.code in (0, 1), result.err
    return [(v["path"], v["line"], v["severity"], v["message"]) for v in result.json()["violations"]]


UP = "-- +goose Up\nCREATE TABLE t (id int);\n"


def test_goose_file_without_or_with_an_empty_down(cli, tmp_path):
    found = run(
        cli,
        tmp_path,
        "goose",
        {
            "1_a.sql": UP + "-- +goose Down\nDROP TABLE t;\n",
            "2_b.sql": UP,
            "3_c.sql": UP + "-- +goose Down\n-- nothing to undo\n",
        },
    )
    assert found == [
        (
            "2_b.sql",
            1,
            "warning",
            "no down section: rolling this migration back does nothing (expected a `-- +goose Down` section)",
        ),
        (
            "3_c.sql",
            1,
            "warning",
            "the down section is empty: rolling this migration back does nothing (expected a `-- +goose Down` section)",
        ),
    ]


def test_the_configured_level_wins_over_the_layouts(cli, tmp_path):
    found = run(cli, tmp_path, "goose", {"2_b.sql": UP}, "rules:\n  missing-rollback: error\n")
    assert [f[2] for f in found] == ["error"]


def test_liquibase_changeset_without_rollback_is_reported_at_the_changeset(cli, tmp_path):
    text = (
        "--liquibase formatted sql\n"
        "--changeset a:1\nCREATE TABLE t (id int);\n--rollback DROP TABLE t;\n"
        "--changeset a:2\nCREATE INDEX i ON t (id);\n"
        "--changeset a:3\nSELECT 1;\n--rollback empty\n"
    )
    found = run(cli, tmp_path, "liquibase", {"changes.sql": text})
    assert found == [
        (
            "changes.sql",
            5,
            "warning",
            "changeset a:2 has no --rollback: `liquibase rollback` cannot undo it (Liquibase does not generate "
            "rollbacks for SQL changes)",
        )
    ]


@pytest.mark.parametrize(
    ("layout", "files"),
    [
        ("prisma", {"m/1_a/migration.sql": "SELECT 1;\n", "m/migration_lock.toml": 'provider = "postgresql"\n'}),
        ("atlas", {"m/1_a.sql": "SELECT 1;\n", "m/atlas.sum": "h1:x\n"}),
        ("drizzle", {"m/0000_a.sql": "SELECT 1;\n", "m/meta/_journal.json": '{"entries":[{"tag":"0000_a","when":1}]}'}),
        ("sqlx", {"m/1_a.sql": "SELECT 1;\n"}),
    ],
)
def test_forward_only_runners_are_never_reported(cli, tmp_path, layout, files):
    assert run(cli, tmp_path, layout, files, "  path: m\n") == []


def test_optional_down_files_are_reported_only_where_the_folder_has_them(cli, tmp_path):
    files = {"m/1_a.up.sql": "SELECT 1;\n", "m/2_b.up.sql": "SELECT 2;\n"}
    assert run(cli, tmp_path / "none", "golang-migrate", files, "  path: m\n") == []
    files["m/1_a.down.sql"] = "SELECT 1;\n"
    assert run(cli, tmp_path / "some", "golang-migrate", files, "  path: m\n") == [
        ("m/2_b.up.sql", 1, "warning", "no rollback for version 2 (expected 2_b.down.sql)")
    ]


def test_sqitch_change_without_revert_script(cli, tmp_path):
    files = {
        "sqitch.plan": "%project=x\n\na 2026-01-01T00:00:00Z me <me@x>\nb 2026-01-01T00:00:01Z me <me@x>\n",
        "deploy/a.sql": "SELECT 1;\n",
        "deploy/b.sql": "SELECT 2;\n",
        "revert/a.sql": "SELECT 1;\n",
    }
    assert run(cli, tmp_path, "sqitch", files) == [
        ("deploy/b.sql", 1, "error", "no rollback for version b (expected revert/b.sql)")
    ]
