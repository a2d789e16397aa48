"""Versioning and the README snippets users copy: one version everywhere, tags pinned, a complete workflow."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO
from test_action import INPUTS

README = (REPO / "README.md").read_text(encoding="utf-8")


def version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def yaml_blocks() -> list[dict]:
    blocks = []
    for body in re.findall(r"```yaml\n(.*?)```", README, re.S):
        try:
            loaded = yaml.safe_load(body)
        except yaml.YAMLError:
            continue  # indented fragments (a step to add) are not whole documents
        if isinstance(loaded, dict):
            blocks.append(loaded)
    return blocks


def test_one_version_everywhere():
    from migration_gate import __version__

    assert version() == __version__ == "0.1.0"
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(version())}\]", changelog, re.M)


def test_readme_workflow_is_complete():
    (workflow,) = [b for b in yaml_blocks() if "jobs" in b]
    # PyYAML reads the key `on` as the boolean True (YAML 1.1); GitHub reads it as "on".
    assert workflow.get("on", workflow.get(True)) == "pull_request"
    assert workflow["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "statuses": "write",
        "checks": "write",
    }
    (job,) = workflow["jobs"].values()
    checkout, gate = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert "fetch-depth" in checkout["with"]  # explicit: the history checks need the base commit
    assert gate["uses"] == f"migration-gate/migration-gate@v{version()}"
    assert set(gate.get("with", {})) <= INPUTS


def test_readme_pre_commit_snippet():
    (config,) = [b for b in yaml_blocks() if "repos" in b]
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{version()}"
    hooks = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in repo["hooks"]} == hooks
