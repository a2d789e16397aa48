"""The opt-in sqlfluff style layer."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("sqlfluff", reason="the style extra is not installed")


def test_sqlfluff_findings_are_reported_at_the_configured_level(cli, tmp_path):
    (tmp_path / ".migration-gate.yml").write_text("style: sqlfluff\nrules:\n  missing-rollback: off\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__a.sql").write_text("select a from  t\nWHERE x=1;\n")
    doc = cli("check", "--format", "json", cwd=tmp_path).json()
    style = [
        (v["rule"], v["severity"], v["line"], v["column"])
        for v in doc["violations"]
        if v["rule"].startswith("sqlfluff/")
    ]
    assert ("sqlfluff/LT01", "info", 1, 14) in style
    assert ("sqlfluff/CP01", "info", 2, 1) in style
    assert doc["summary"]["result"] == "pass"  # infos never fail the gate

    (tmp_path / ".migration-gate.yml").write_text(
        "style: sqlfluff\nstyle_level: error\nrules:\n  missing-rollback: off\n"
    )
    doc = cli("check", "--format", "json", cwd=tmp_path).json()
    assert doc["summary"]["result"] == "fail"


def test_users_sqlfluff_config_is_respected(cli, tmp_path):
    (tmp_path / ".migration-gate.yml").write_text("style: sqlfluff\nrules:\n  missing-rollback: off\n")
    (tmp_path / ".sqlfluff").write_text("[sqlfluff]\nexclude_rules = LT01, CP01\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "V1__a.sql").write_text("select a from  t\nWHERE x=1;\n")
    doc = cli("check", "--format", "json", cwd=tmp_path).json()
    rules = {v["rule"] for v in doc["violations"]}
    assert "sqlfluff/LT01" not in rules and "sqlfluff/CP01" not in rules


def test_sqlfluff_is_not_imported_when_off(tmp_path):
    (tmp_path / "V1__a.sql").write_text("SELECT 1;\n")
    code = (
        "import sys; from migration_gate.cli import main; main(['check', 'V1__a.sql', '--format', 'json']); "
        "print('sqlfluff' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
