"""``--format gitlab`` (GitLab Code Quality) and ``--format junit``, validated against vendored schemas.

* ``tests/schemas/gitlab-code-quality.schema.json``: written from the table in GitLab's Code Quality
  documentation (GitLab publishes no schema file; the schema's ``$comment`` names the page and commit).
* ``tests/schemas/junit-10.xsd``: the JUnit XML schema from pytest's source distribution
  (``testing/example_scripts/junit-10.xsd``, MIT), which pytest validates its own reports against.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, check_golden
from lxml import etree

SCHEMAS = Path(__file__).resolve().parent / "schemas"


@pytest.fixture(scope="module")
def gitlab_schema():
    schema = json.loads((SCHEMAS / "gitlab-code-quality.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def junit_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd")))


def gitlab_errors(validator, doc) -> list[str]:
    return [e.message for e in validator.iter_errors(doc)]


def junit_errors(schema, text: str) -> list[str]:
    document = etree.fromstring(text.encode("utf-8"))
    schema.validate(document)
    return [str(e) for e in schema.error_log]


# --------------------------------------------------------------------------- the guide, validated


def test_guide_gitlab_report_is_valid_and_golden(cli, gitlab_schema):
    result = cli("check", "fixtures/guide/migrations", "--format", "gitlab", cwd=REPO)
    assert result.code == 1
    doc = json.loads(result.out)
    assert gitlab_errors(gitlab_schema, doc) == []
    summary = json.loads(cli("check", "fixtures/guide/migrations", "--format", "json", cwd=REPO).out)["summary"]
    assert len(doc) == summary["errors"] + summary["warnings"] + summary["infos"]
    assert [d["severity"] for d in doc].count("major") == summary["errors"]
    assert {d["severity"] for d in doc} == {"major", "minor"}
    assert len({d["fingerprint"] for d in doc}) == len(doc)
    first_index = next(d for d in doc if d["check_name"] == "non-concurrent-index-creation")
    assert first_index["location"] == {
        "path": "fixtures/guide/migrations/V005__add_indexes.sql",
        "lines": {"begin": 13, "end": 13},
    }
    assert first_index["description"].startswith("CREATE INDEX on products without CONCURRENTLY holds a SHARE lock")
    assert " — fix: use CREATE INDEX CONCURRENTLY" in first_index["description"]
    check_golden("guide.gitlab.json", result.out)


def test_guide_junit_report_is_valid_and_golden(cli, junit_schema):
    result = cli("check", "fixtures/guide/migrations", "--format", "junit", cwd=REPO)
    assert result.code == 1
    assert junit_errors(junit_schema, result.out) == []
    root = etree.fromstring(result.out.encode("utf-8"))
    suites = root.findall("testsuite")
    assert len(suites) == 30  # one per file
    cases = root.findall("testsuite/testcase")
    assert root.get("tests") == str(len(cases))
    failed = [c for c in cases if c.find("failure") is not None]
    assert root.get("failures") == str(len(failed))
    # Every error fails its case, and only errors (fail_on: error): one failed case per (file, rule) with one.
    violations = json.loads(cli("check", "fixtures/guide/migrations", "--format", "json", cwd=REPO).out)["violations"]
    with_errors = {(v["path"], v["rule"]) for v in violations if v["severity"] == "error"}
    assert sorted((c.get("classname"), c.get("name")) for c in failed) == sorted(with_errors)
    assert len(cases) == len({(v["path"], v["rule"]) for v in violations}) + sum(
        1 for s in suites if s.get("failures") == "0" and len(s) == 1 and s[0].get("name") == "migration-gate"
    )
    check_golden("guide.junit.xml", result.out)


def test_schemas_reject_broken_documents(gitlab_schema, junit_schema):
    """The validation above can fail: documents missing what the formats require are rejected."""
    good = {
        "description": "d",
        "check_name": "c",
        "fingerprint": "f",
        "severity": "major",
        "location": {"path": "p.sql", "lines": {"begin": 1}},
    }
    assert gitlab_errors(gitlab_schema, [good]) == []
    assert gitlab_errors(gitlab_schema, [{**good, "severity": "error"}])
    assert gitlab_errors(gitlab_schema, [{**good, "location": {"path": "p.sql"}}])
    assert gitlab_errors(gitlab_schema, [{k: v for k, v in good.items() if k != "fingerprint"}])
    assert gitlab_errors(gitlab_schema, good)  # not an array
    assert junit_errors(junit_schema, '<testsuites><testsuite name="x"/></testsuites>')  # no tests/failures/errors
    assert junit_errors(
        junit_schema,
        '<testsuites><testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>',
    )


# --------------------------------------------------------------------------- GitLab details


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


INDEXES = "CREATE INDEX idx_a ON orders (a);\nCREATE INDEX idx_b ON orders (b);\n"


def test_fingerprints_survive_inserted_lines_and_tell_repeats_apart(cli, tmp_path):
    _write(tmp_path, {"V1__indexes.sql": INDEXES, "V2__same.sql": "CREATE INDEX idx_a ON orders (a);\n" * 2})
    before = json.loads(cli("check", ".", "--format", "gitlab", "--rule", "MG101", cwd=tmp_path).out)
    _write(
        tmp_path,
        {
            "V1__indexes.sql": "-- a comment\n\n-- é ☕ 😀\n" + INDEXES,
            "V2__same.sql": "\n\nCREATE INDEX idx_a ON orders (a);\n" * 2,
        },
    )
    after = json.loads(cli("check", ".", "--format", "gitlab", "--rule", "MG101", cwd=tmp_path).out)
    assert [d["location"]["lines"]["begin"] for d in before] == [1, 2, 1, 2]
    assert [d["location"]["lines"]["begin"] for d in after] == [4, 5, 3, 6]
    assert [d["fingerprint"] for d in after] == [d["fingerprint"] for d in before]
    assert len({d["fingerprint"] for d in after}) == 4  # the two identical lines of V2 differ by occurrence


def test_severities_map_to_gitlab_levels(cli, tmp_path):
    _write(
        tmp_path,
        {
            ".migration-gate.yml": "rules:\n  unbatched-update: info\n  long-operation-under-held-lock: off\n"
            "  missing-statement-timeout: off\n",
            "V1__x.sql": "CREATE INDEX idx_a ON orders (a);\nUPDATE orders SET a = 1;\n",
        },
    )
    doc = json.loads(cli("check", "V1__x.sql", "--format", "gitlab", cwd=tmp_path).out)
    assert sorted((d["check_name"], d["severity"]) for d in doc) == [
        ("missing-lock-timeout", "minor"),
        ("missing-rollback", "major"),
        ("non-concurrent-index-creation", "major"),
        ("unbatched-update", "info"),
    ]


def test_gitlab_paths_are_relative_to_the_project_dir_in_gitlab_ci(cli, tmp_path):
    _write(tmp_path, {"db/migrations/V1__x.sql": "CREATE INDEX idx_a ON orders (a);\n"})
    env = {"GITLAB_CI": "true", "CI_PROJECT_DIR": str(tmp_path)}
    doc = json.loads(cli("check", "V1__x.sql", "--format", "gitlab", cwd=tmp_path / "db" / "migrations", env=env).out)
    assert {d["location"]["path"] for d in doc} == {"db/migrations/V1__x.sql"}


def test_an_empty_report_is_an_empty_array(cli, tmp_path, gitlab_schema):
    _write(tmp_path, {"V1__x.sql": "CREATE TABLE t (id bigint);\n", "rollback/V1__rollback.sql": "DROP TABLE t;\n"})
    _write(tmp_path, {".migration-gate.yml": "ignore_rollback_collision: true\nrules:\n  missing-lock-timeout: off\n"})
    result = cli("check", "V1__x.sql", "--format", "gitlab", cwd=tmp_path)
    assert result.code == 0 and result.out == "[]\n"


# --------------------------------------------------------------------------- JUnit details


def test_junit_cases_per_file_and_rule(cli, tmp_path, junit_schema):
    _write(
        tmp_path,
        {
            ".migration-gate.yml": "ignore_rollback_collision: true\nrules:\n  missing-lock-timeout: off\n"
            "  long-operation-under-held-lock: off\n  missing-statement-timeout: off\n",
            "V1__clean.sql": "CREATE TABLE t (id bigint);\n",
            "rollback/V1__rollback.sql": "DROP TABLE t;\n",
            "V2__two_indexes.sql": INDEXES + "UPDATE orders SET a = '<&]]>\"';\n",
            "rollback/V2__rollback.sql": "DROP INDEX idx_a;\nDROP INDEX idx_b;\n",
        },
    )
    result = cli("check", "V1__clean.sql", "V2__two_indexes.sql", "--format", "junit", cwd=tmp_path)
    assert junit_errors(junit_schema, result.out) == []
    root = etree.fromstring(result.out.encode("utf-8"))
    cases = [
        (c.get("classname"), c.get("name"), "failure" if c.find("failure") is not None else "passed")
        for c in root.iter("testcase")
    ]
    assert cases == [
        ("V1__clean.sql", "migration-gate", "passed"),
        ("V2__two_indexes.sql", "non-concurrent-index-creation", "failure"),
        ("V2__two_indexes.sql", "unbatched-update", "passed"),  # a warning does not fail the gate
    ]
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("type") == "non-concurrent-index-creation"
    assert failure.get("message").startswith(
        "2 findings of non-concurrent-index-creation (MG101): CREATE INDEX on orders"
    )
    assert failure.text.splitlines()[0].startswith("V2__two_indexes.sql:1:23: error[non-concurrent-index-creation]")
    assert [line[:30] for line in failure.text.splitlines() if not line.startswith("  ")] == [
        "V2__two_indexes.sql:1:23: erro",
        "V2__two_indexes.sql:2:23: erro",
    ]
    assert (root.get("tests"), root.get("failures")) == ("3", "1")


def test_junit_follows_fail_on(cli, tmp_path):
    _write(tmp_path, {"V1__x.sql": "UPDATE orders SET a = 1;\n"})
    warned = cli("check", "V1__x.sql", "--format", "junit", "--rule", "unbatched-update", cwd=tmp_path)
    strict = cli(
        "check", "V1__x.sql", "--format", "junit", "--rule", "unbatched-update", "--fail-on", "warning", cwd=tmp_path
    )
    assert "<failure" not in warned.out and "<system-out>" in warned.out
    assert "<failure" in strict.out and strict.code == 1


def test_junit_drops_characters_xml_cannot_carry(cli, tmp_path, junit_schema):
    _write(tmp_path, {"V1__x.sql": "SELEC '\x01\x1b[31m';\n"})
    result = cli("check", "V1__x.sql", "--format", "junit", "--rule", "syntax-error", cwd=tmp_path)
    assert junit_errors(junit_schema, result.out) == []
    assert "\x01" not in result.out and "\x1b" not in result.out
