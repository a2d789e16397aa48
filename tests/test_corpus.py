"""Every real migration in ../shared/corpus gives a result without an internal error."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, run_subprocess

LAYOUTS = {
    "LemmyNet__lemmy": "up-down",
    "rust-lang__crates.io": "up-down",
    "concourse__concourse": "up-down",
    "ory__kratos": "up-down",
    "MarquezProject__marquez": "flyway",
    "IQSS__dataverse": "flyway",
    "DSpace__DSpace": "flyway",
    "hmcts__ccd-definition-store-api": "flyway",
}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not present at {CORPUS}")


@pytest.mark.parametrize("project", sorted(LAYOUTS))
def test_corpus_project(project, tmp_path):
    config = tmp_path / "corpus.yml"
    config.write_text(f"migrations:\n  layout: {LAYOUTS[project]}\n  description_style: any\n")
    folder = CORPUS / project
    result = run_subprocess("check", str(folder), "--config", str(config), "--format", "json")
    assert result.code in (0, 1), result.err
    assert result.err == ""
    doc = json.loads(result.out)
    sql_files = list(folder.rglob("*.sql"))
    assert doc["summary"]["files"] == len(sql_files)
    for v in doc["violations"]:
        assert v["line"] >= 1 and v["column"] >= 1
    if project == "rust-lang__crates.io":
        # The one file pglast cannot parse: a missing `;` (a real bug upstream).
        errors = [v for v in doc["violations"] if v["rule"] == "syntax-error"]
        assert [e["path"].rsplit("/", 2)[-2] for e in errors] == ["20170318181441_downloads_need_no_id"]
    else:
        assert not [v for v in doc["violations"] if v["rule"] == "syntax-error"]
