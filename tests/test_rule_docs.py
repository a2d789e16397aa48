"""Rule docstrings are the documentation: complete, runnable, and rendered into rules/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO

from migration_gate.core.rules import registry
from migration_gate.docs import REQUIRED_SECTIONS, pages, rule_doc

# Rules whose example cannot be reproduced by writing files: their findings come
# from a git base or a live database, and scenario tests cover them.
NOT_FILE_REPRODUCIBLE = {r.name for r in registry.ALL_RULES if getattr(r, "produced_by", None) in ("history", "verify")}


def test_registry_is_complete_and_unique():
    import pkgutil

    import migration_gate.core.rules as package

    helpers = {
        "base",
        "registry",
        "rulekit",
        "columns",
        "typechange",
        "volatility",
        "compat",
        "held_locks",
        "merged_files",
        "merged_changelogs",
        "rerun",
    }  # the rules' own helpers
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - helpers
    registered = {r.__module__.rsplit(".", 1)[1] for r in registry.ALL_RULES}
    assert modules == registered, "every rule module is registered, and only those"
    codes = [r.code for r in registry.ALL_RULES]
    names = [r.name for r in registry.ALL_RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    own = {k.lower(): r for r in registry.ALL_RULES for k in (r.code, r.name)}
    assert len(own) == 2 * len(registry.ALL_RULES), "codes and names never collide"
    for rule in registry.ALL_RULES:
        assert len(set(rule.aliases)) == len(rule.aliases), f"{rule.name}: an alias listed twice"
        for alias in rule.aliases:
            # An alias may name several rules (squawk's require-timeout-settings), but never another rule's
            # own code or name: `rules: {dropped-table: off}` must mean that rule only.
            assert own.get(alias.lower(), rule) is rule, f"{rule.name}: alias {alias} is another rule's name"
        assert set(rule.alias_notes) <= set(rule.aliases), f"{rule.name}: a note about an alias it does not have"
        for alias, (option, values) in rule.alias_scopes.items():
            assert alias in rule.aliases
            default = getattr(rule.Options(), option)
            assert set(values) <= set(rule.make_options({option: list(values)}).__getattribute__(option))
            assert isinstance(default, tuple), f"{rule.name}: a scoped option is a tuple of values"


def test_an_alias_may_name_several_rules_and_lookup_finds_all():
    assert {r.name for r in registry.lookup_all("require-timeout-settings")} == {
        "missing-lock-timeout",
        "missing-statement-timeout",
    }
    assert {r.name for r in registry.lookup_all("PREFER-BIGINT-OVER-INT")} == {"int-primary-key", "integer-column"}
    assert [r.name for r in registry.lookup_all("MG118")] == ["dropped-column"]
    assert registry.lookup_all("no-such-rule") == ()
    assert registry.is_alias("ban-drop-view") and not registry.is_alias("dropped-object")


def test_every_rule_has_a_family():
    families = {r.family_name() for r in registry.ALL_RULES}
    assert families == {
        "general",
        "lock",
        "transaction",
        "data",
        "files",
        "history",
        "verify",
        "types",
        "style",
        "compatibility",
        "correctness",
    }
    assert registry.lookup("MG118").family_name() == "compatibility"
    assert registry.lookup("MG601").family_name() == "compatibility"
    assert registry.lookup("MG126").family_name() == "transaction"


@pytest.mark.parametrize("rule", registry.sorted_rules(), ids=lambda r: r.name)
def test_docstring_sections(rule):
    doc = rule_doc(rule)
    assert doc.summary and not doc.summary.endswith(":")
    for section in REQUIRED_SECTIONS:
        assert doc.sections.get(section), f"{rule.name}: missing section '## {section}'"
    assert doc.code_block("Example") and doc.code_block("Use instead")


def _materialise(tmp_path: Path, block: tuple[str, str], rule) -> Path:
    """Write a doc example as a migrations folder; returns the folder."""
    language, code = block
    folder = tmp_path / "project"
    migrations = folder / "migrations"
    migrations.mkdir(parents=True)
    if language == "sql":
        # A first line `-- R__name.sql` names the file (rules about one kind of file, e.g. repeatables).
        first = code.splitlines()[0] if code else ""
        named = re.fullmatch(r"--\s*([VR][\w.]*__\w+\.sql)\s*", first)
        (migrations / (named.group(1) if named else "V1__example.sql")).write_text(code + "\n", encoding="utf-8")
        (migrations / "rollback").mkdir()
        (migrations / "rollback" / "V1__rollback.sql").write_text("SELECT 1;\n")
    else:
        for line in code.splitlines():
            name = line.split("(")[0].strip()
            if not name:
                continue
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("SELECT 1;\n")
    import yaml

    settings = {**rule.example_config, "rules": {rule.name: "error"}}
    (folder / ".migration-gate.yml").write_text(yaml.safe_dump(settings))
    return folder


@pytest.mark.parametrize(
    "rule",
    [r for r in registry.sorted_rules() if r.name not in NOT_FILE_REPRODUCIBLE and r.name != "unreadable-file"],
    ids=lambda r: r.name,
)
def test_example_triggers_and_use_instead_does_not(rule, cli, tmp_path):
    doc = rule_doc(rule)
    bad = _materialise(tmp_path / "bad", doc.code_block("Example"), rule)
    result = cli("check", "--format", "json", cwd=bad)
    assert any(v["code"] == rule.code for v in result.json()["violations"]), f"{rule.name}: Example does not trigger"
    good = _materialise(tmp_path / "good", doc.code_block("Use instead"), rule)
    result = cli("check", "--format", "json", cwd=good)
    hits = [v for v in result.json()["violations"] if v["code"] == rule.code]
    assert not hits, f"{rule.name}: 'Use instead' triggers: {hits}"


def test_rules_folder_is_up_to_date():
    wanted = pages()
    folder = REPO / "rules"
    on_disk = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in [*folder.glob("*.md"), *folder.glob("layouts/*.md")]
    }
    stale = sorted(name for name in set(wanted) | set(on_disk) if wanted.get(name) != on_disk.get(name))
    assert not stale, f"rules/ is stale ({stale}); run `migration-gate docs`"
