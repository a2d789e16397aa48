"""Each runner's checksum, with test vectors and where each value comes from.

Sources, by mark:

* **[runner]** the value the runner itself stored or printed, run here on a
  throwaway PostgreSQL 15 (sqlx-cli 0.8.6, Liquibase 4.28.0, Sqitch 1.3.1,
  drizzle-orm 0.45.4; the runs are repeated by ``tests/test_integrity_runners.py``
  against the tests' own server);
* **[source]** a value from the runner's own test suite;
* **[corpus]** a real repository's committed file (``../shared/corpus-runners``,
  read in place: ``SOURCES.md`` there names the repository and commit);
* **[derived]** computed from the algorithm as the runner's source states it,
  with the derivation written next to it.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from conftest import RUNNER_CORPUS

from migration_gate.core.integrity import atlas, drizzle, first_difference, liquibase, prisma, same_statements, sqitch
from migration_gate.core.integrity import sqlx as sqlx_checksum


def corpus(relpath: str):
    path = RUNNER_CORPUS / relpath
    if not path.exists():  # the shared corpus lives beside the project, not in it: a clean clone may lack it
        pytest.skip(f"runner corpus not present at {RUNNER_CORPUS}")
    return path


# --------------------------------------------------------------------------- sqlx (SHA-384)

SQLX = [
    # (name, file bytes, ignored-chars, checksum, mark)
    (
        "empty file",
        b"",
        (),
        "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
        "[derived] SHA-384 of nothing (FIPS 180-4 test value)",
    ),
    (
        "1_init.sql",
        b"create table t (id int, v int);\ncreate table u (id int);\n",
        (),
        "3f73b6d560c8d925622cbd416bc4482020375eae1d8e951c8d1839f3a92ecbde56425b874f60f305d59881d38db11f30",
        "[runner] _sqlx_migrations.checksum written by sqlx-cli 0.8.6",
    ),
    (
        "2_idx.sql, -- no-transaction",
        b"-- no-transaction\ncreate index concurrently t_v on t (v);\n",
        (),
        "1c4522c18dba5a51ac5cecfefe4eb6e0b33cd61dabe1d6c5df2ad1bf2676f7c345ce9e7c8e31cdb7bee88d84b8082fc2",
        "[runner] _sqlx_migrations.checksum written by sqlx-cli 0.8.6",
    ),
    (
        "CRLF counts (0.8)",
        b"CREATE TABLE t (id int);\r\n",
        (),
        "13ec31b9fdb54e368195d7bc842339dbb8844066c2781756dc6003d955e6a4199f83dbb6148cf8b6addef8ce34a3e985",
        "[derived] raw bytes: migration.rs hashes the text as read",
    ),
    (
        "CRLF, 0.9 ignored-chars ['\\r']",
        b"CREATE TABLE t (id int);\r\n",
        ("\r",),
        "e1cc0b49a7d453bb345d9fc52670c0bfd4a694b2befb7061a9bad55916701e1ef4ddd22ee7cb1c80b4317a1b5780422c",
        "[derived] source.rs checksum_with: the digest of the text without the ignored chars",
    ),
    (
        "LF, 0.9 ignored-chars ['\\r'] (equals the CRLF line)",
        b"CREATE TABLE t (id int);\n",
        ("\r",),
        "e1cc0b49a7d453bb345d9fc52670c0bfd4a694b2befb7061a9bad55916701e1ef4ddd22ee7cb1c80b4317a1b5780422c",
        "[derived] same text once \\r is ignored",
    ),
    (
        "BOM and whitespace ignored (0.9)",
        "\ufeffCREATE TABLE t (id int);\r\n".encode(),
        (" ", "\t", "\r", "\n", "\ufeff"),
        "6c53e6ea7456de74a43949bafff7b32f254fbc92587c7af7059210356894e23d6c1da96761a3c268411ef2417f06bbc5",
        "[derived] = SHA-384('CREATETABLEt(idint);')",
    ),
]


@pytest.mark.parametrize("name,data,ignored,expected,mark", SQLX, ids=[v[0] for v in SQLX])
def test_sqlx_vector(name, data, ignored, expected, mark):
    assert sqlx_checksum.checksum(data, ignored) == expected, mark


def test_sqlx_checksum_of_invalid_utf8_is_none():
    # sqlx reads migrations with fs::read_to_string, which refuses invalid UTF-8: sqlx has no checksum for it.
    assert sqlx_checksum.checksum(b"SELECT '\xff';") is None


def test_sqlx_ignored_chars_from_sqlx_toml():
    toml = '[migrate]\nignored-chars = ["\\r", " ", "\\r"]\n'
    assert sqlx_checksum.ignored_chars(toml) == ("\r", " ")  # a set, sorted
    assert sqlx_checksum.ignored_chars("[migrate]\ntable-name = 'x'\n") is None
    assert sqlx_checksum.ignored_chars("not toml [") is None
    assert sqlx_checksum.ignored_chars('[migrate]\nignored-chars = ["ab"]\n') is None  # chars, not strings


# --------------------------------------------------------------------------- Prisma (SHA-256 hex)

PRISMA = [
    (
        "hello",
        b"hello",
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "[source] prisma-engines checksum.rs test",
    ),
    (
        "LF file",
        b'CREATE TABLE "a" ("id" INTEGER);\n',
        "c05370e4c324bbc1ab816c70db98bd94f2fd1c8f1f09d81529be43731bc0a36a",
        "[derived] SHA-256 hex of the bytes",
    ),
    (
        "CRLF file",
        b'CREATE TABLE "a" ("id" INTEGER);\r\n',
        "94e038bb57ba6be3a98494a53fcd597b17203971a7e42e1560413a2c5aa6decc",
        "[derived] SHA-256 hex of the bytes",
    ),
]


@pytest.mark.parametrize("name,data,expected,mark", PRISMA, ids=[v[0] for v in PRISMA])
def test_prisma_vector(name, data, expected, mark):
    assert prisma.checksum(data) == expected, mark


def test_prisma_accepts_the_other_line_ending_and_the_old_unpadded_format():
    lf, crlf = PRISMA[1][1], PRISMA[2][1]
    # script_matches_checksum: the script as is, CRLF->LF, LF->CRLF (checksum.rs).
    assert prisma.matches(crlf, PRISMA[1][2]) and prisma.matches(lf, PRISMA[2][2])
    assert not prisma.matches(lf + b"-- x\n", PRISMA[1][2])
    assert not prisma.matches(b"hello\n", PRISMA[0][2])  # the source's own negative test: "abc\n" != "abc"
    # Stored values whose length is not 64 use "{byte:x}" (no zero padding), checksum.rs; the source's test value:
    assert prisma.matches(b"hello", "2cf24dba5fb0a3e26e83b2ac5b9e29e1b161e5c1fa7425e7343362938b9824")


def test_prisma_corpus_migration():
    path = corpus(
        "prisma/documenso__documenso/packages/prisma/migrations/20230404095503_initial_migration/migration.sql"
    )
    # [derived] = sha256sum of the committed file (Prisma hashes migration.sql as read, decoded as UTF-8).
    assert prisma.checksum(path.read_bytes()) == "def1213f370dec5b2e38139ed9cb2a9e9cc7ae01240c09b7b95ffc737719f0f2"


# --------------------------------------------------------------------------- Atlas (atlas.sum)

ATLAS_FILES = [
    ("1_init.sql", b"CREATE TABLE t (id int);\n"),
    ("2_idx.sql", b"-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY i ON t (id);\n"),
]
# [derived] sql/migrate/dir.go NewHashFile + MarshalText; the same code reproduced the corpus sum below byte for byte.
ATLAS_SUM = (
    "h1:Wey7opv97f9+31+SmaDou9I+4H2IMr52rcdZb1Y7z/o=\n"
    "1_init.sql h1:CljdN0mRRypLgnOb0bKKlZ2rGT42jXDb5lFPkN5gFHI=\n"
    "2_idx.sql h1:CTrn57zapC1TcYFgUZ0stUlh8O/R6eV7MfMjneOrqmI=\n"
)
ATLAS_SUM_INSERTED = (
    "h1:OVc5AOA2/zEGCZgZ57Yu99iwkY+zk4DE6ST4DiElpuY=\n"
    "1_init.sql h1:CljdN0mRRypLgnOb0bKKlZ2rGT42jXDb5lFPkN5gFHI=\n"
    "1a_new.sql h1:WoEYqVmGTP5JNdI6W7coaKn1Mroh0hCiLtF5pUmguqM=\n"
    "2_idx.sql h1:pExENj7N556xb5P8QPaX4himZ5GFuDb/KpgFt302uAg=\n"
)


def test_atlas_sum_vector_and_every_later_line_changes_on_insert():
    assert atlas.sum_of(ATLAS_FILES) == ATLAS_SUM
    assert atlas.sum_of([*ATLAS_FILES, ("1a_new.sql", b"SELECT 1;\n")]) == ATLAS_SUM_INSERTED
    assert atlas.check(ATLAS_SUM, ATLAS_FILES) == []


def test_atlas_sum_ignore_directive_hashes_only_the_name():
    ignored = ("1b_skip.sql", b"-- atlas:sum ignore\nSELECT 1;\n")
    lines = atlas.hash_lines([*ATLAS_FILES, ignored])
    assert [line.name for line in lines] == ["1_init.sql", "2_idx.sql"]
    running = hashlib.sha256(b"1_init.sql" + ATLAS_FILES[0][1] + b"1b_skip.sql" + b"2_idx.sql" + ATLAS_FILES[1][1])
    assert lines[1].hash == base64.b64encode(running.digest()).decode()


def test_atlas_check_names_the_stale_line():
    edited = [ATLAS_FILES[0], ("2_idx.sql", ATLAS_FILES[1][1] + b"-- edited\n")]
    problems = atlas.check(ATLAS_SUM, edited)
    expected_hash = atlas.hash_lines(edited)[1].hash
    assert [(p.line, p.file, p.reason) for p in problems] == [
        (
            3,
            "2_idx.sql",
            "the line of 2_idx.sql is stale: its hash is h1:CTrn57zapC1TcYFgUZ0stUlh8O/R6eV7MfMjneOrqmI=, "
            f"the directory gives h1:{expected_hash}",
        )
    ]
    # An edit of the first file makes its own line the first stale one.
    first = [("1_init.sql", b"CREATE TABLE t (id bigint);\n"), ATLAS_FILES[1]]
    assert [(p.line, p.file) for p in atlas.check(ATLAS_SUM, first)] == [(2, "1_init.sql")]


def test_atlas_check_missing_and_extra_files_and_bad_sums():
    added = [*ATLAS_FILES, ("1a_new.sql", b"SELECT 1;\n")]
    assert [(p.line, p.file, p.reason) for p in atlas.check(ATLAS_SUM, added)] == [
        (3, "1a_new.sql", "1a_new.sql is not listed (added without `atlas migrate hash`)")
    ]
    assert [(p.line, p.file) for p in atlas.check(ATLAS_SUM, ATLAS_FILES[:1])] == [(3, "2_idx.sql")]
    assert [p.reason for p in atlas.check(None, ATLAS_FILES)] == [
        "atlas.sum is missing (Atlas: `checksum file not found`)"
    ]
    assert [p.line for p in atlas.check("junk\n", ATLAS_FILES)] == [1]
    wrong_total = "h1:AAAA\n" + ATLAS_SUM.split("\n", 1)[1]
    assert [(p.line, p.reason) for p in atlas.check(wrong_total, ATLAS_FILES)] == [
        (1, "the total on the first line does not match the listed lines")
    ]


def test_atlas_corpus_sum_is_reproduced_byte_for_byte():
    folder = corpus("atlas/speakeasy-api__gram/server/migrations")
    files = [(p.name, p.read_bytes()) for p in folder.glob("*.sql")]
    committed = (folder / "atlas.sum").read_bytes()
    assert atlas.sum_of(files).encode() == committed  # 362 lines, ariga/atlas's own output
    assert atlas.check(committed.decode(), files) == []


# --------------------------------------------------------------------------- Liquibase (MD5, v8 and v9)

LIQUIBASE = [
    # (body as Liquibase hashes it, attributes, v9, v8) — every value written to DATABASECHANGELOG.MD5SUM by
    # Liquibase 4.28.0 (v9), or accepted by it and silently upgraded on the next update (v8). [runner]
    ("CREATE TABLE t1 (id int primary key, name text);", {}, "9:b97bf729aae253dff4bfea86cf8e4df5",
     "8:b36b1bb552bee061f02865a5a68b0138"),
    ("CREATE INDEX CONCURRENTLY t1_name_idx ON t1 (name);", {}, "9:d83c7dd617544e3f85d8da22c8712c3f",
     "8:304ae56e9b3870f988f4badce3b63ff0"),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$;",
     {"split_statements": False}, "9:80e21c8a20d5cb168cd87ece5187a797", "8:1119137762a7659ae994ead2eab98481"),
    ("-- a comment\nINSERT INTO t1 VALUES (1, 'a');\nINSERT INTO t1   VALUES (2, 'b');", {"end_delimiter": ";"},
     "9:efebff1c761cf40a23407bd2f6769e7f", "8:c2bad83fa9c79dde6653e86b759eb97d"),
    ("CREATE TABLE t5 (id int);", {}, "9:fbaf6dc776ada1f57bad0acbc7dcdac1", "8:094945dd1453264735b4dd56f82c9e2c"),
    ("CREATE TABLE t1 (id int primary key, name varchar);", {}, "9:85a64b226ecc6b308af381f16c504eda",
     "8:c8870945ec69a9700364d9c8972a7810"),
]  # fmt: skip


@pytest.mark.parametrize("body,attributes,v9,v8", LIQUIBASE, ids=[f"changeset{i}" for i in range(len(LIQUIBASE))])
def test_liquibase_vector(body, attributes, v9, v8):
    changeset = liquibase.Changeset("alice", "1", 1, 0, body, **attributes)
    assert changeset.checksum(9) == v9
    assert changeset.checksum(8) == v8


def test_liquibase_v9_ignores_whitespace_and_v8_collapses_it():
    spaced = liquibase.Changeset("a", "1", 1, 0, "CREATE \tTABLE t5\r\n(id int);")
    squeezed = liquibase.Changeset("a", "1", 1, 0, "CREATETABLEt5(idint);")
    assert spaced.checksum(9) == squeezed.checksum(9) == LIQUIBASE[4][2]
    assert spaced.checksum(8) != squeezed.checksum(8)
    # Liquibase's own AbstractSQLChangeTest: the v8 normal form keeps one space per whitespace run.
    assert liquibase.change_checksum("a  b\n c", 8, "x", True, False) == hashlib.md5(b"x:true:false:a b c").hexdigest()
    assert liquibase.change_checksum("a  b\n c", 9) == hashlib.md5(b"abc").hexdigest()


CHANGELOG = """\
--liquibase formatted sql

--changeset alice:1
CREATE TABLE t1 (id int primary key, name text);
--rollback DROP TABLE t1;

--changeset bob:2 runInTransaction:false
--comment: the index
CREATE INDEX CONCURRENTLY t1_name_idx ON t1 (name);
/* liquibase rollback
DROP INDEX t1_name_idx;
*/

--changeset "Topias Heinonen":014-x splitStatements:false runOnChange:true
--validCheckSum: ANY
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END;
$$;
"""


def test_liquibase_changelog_is_parsed_as_liquibase_reads_it():
    log = liquibase.parse(CHANGELOG)
    assert log.formatted
    got = [
        (c.author, c.id, c.line, c.body, c.split_statements, c.run_on_change, c.valid_checksums) for c in log.changesets
    ]
    assert got == [
        ("alice", "1", 3, LIQUIBASE[0][0], True, False, ()),
        ("bob", "2", 7, LIQUIBASE[1][0], True, False, ()),
        ("Topias Heinonen", "014-x", 14, LIQUIBASE[2][0], False, True, ("ANY",)),
    ]
    assert [c.checksum() for c in log.changesets] == [LIQUIBASE[0][2], LIQUIBASE[1][2], LIQUIBASE[2][2]]
    assert CHANGELOG[log.changesets[1].offset :].startswith("--changeset bob:2")
    assert log.changesets[0].key("changelog.sql") == "changelog.sql::1::alice"
    assert log.changesets[2].accepts("9:anything")


def test_liquibase_crlf_changelog_hashes_like_lf():
    # [runner] a CRLF file's changeset was stored as 9:fbaf6dc7… by Liquibase 4.28.0 (readLine drops the CR).
    text = "--liquibase formatted sql\r\n\r\n--changeset alice:5\r\nCREATE TABLE t5 (id int);\r\n"
    assert [c.checksum() for c in liquibase.parse(text).changesets] == [LIQUIBASE[4][2]]


def test_liquibase_raw_sql_file_is_one_changeset():
    log = liquibase.parse("CREATE TABLE r (id int);\n")
    assert not log.formatted
    assert [(c.author, c.id, c.split_statements, c.strip_comments) for c in log.changesets] == [
        ("includeAll", "raw", False, False)
    ]
    assert log.changesets[0].key("raw.sql") == "raw.sql::raw::includeAll"
    assert liquibase.parse("\n\n").changesets == ()


def test_liquibase_logical_file_path_keeps_the_identity():
    log = liquibase.parse("--liquibase formatted sql logicalFilePath:db/main.sql\n--changeset a:1\nSELECT 1;\n")
    assert log.changesets[0].key("moved/elsewhere.sql") == "db/main.sql::1::a"


# --------------------------------------------------------------------------- Sqitch (change IDs, script_hash)

DEMO_PLAN = """\
%syntax-version=1.0.0
%project=demo

t1 2026-12-05T22:16:33Z root <root@vm> # table t1
idx [t1] 2026-12-05T22:16:33Z root <root@vm> # cic
@v1 2026-12-05T22:16:34Z root <root@vm> # tag v1
t1 [t1@v1] 2026-12-05T22:16:34Z root <root@vm> # rework t1
"""


def test_sqitch_change_ids():
    # [runner] sqitch.changes.change_id written by Sqitch 1.3.1 for this plan (sqitch add, tag, rework).
    plan = sqitch.parse_plan(DEMO_PLAN)
    assert [(c.format_name(), c.id) for c in plan.changes] == [
        ("t1", "a3ee135d196c58534341075d6351707fde798f29"),
        ("idx @v1", "c87e2776ed65f914442b0c3706838f3162bef832"),
        ("t1", "2e887a2b3210c8e336446698b8b1eec8fa1c0c2f"),
    ]
    # The reworked instance runs deploy/t1@v1.sql; the newest one deploy/t1.sql (Plan/Change.pm).
    assert [c.script_names() for c in plan.changes] == [("t1@v1.sql",), ("idx.sql",), ("t1.sql",)]


def test_sqitch_corpus_plan_ids():
    plan = sqitch.parse_plan(corpus("sqitch/chef__chef-server/src/oc_bifrost/schema/sqitch.plan").read_text())
    # [runner] `sqitch plan` (Sqitch 1.3.1) on this plan, with its %uri pragma.
    assert [(c.name, c.id) for c in plan.changes[:2]] == [
        ("base", "fef8546dd4150418c47c16e89da6d492ba42e1b1"),
        ("forbid_group_cycles", "6b5d3fc7f7a2bcc8e5918de743afac742f5ef561"),
    ]
    reworked = [c for c in plan.changes if c.name == "update_acl"]
    assert len(reworked) == 3 and reworked[0].script_names()[1] == "update_acl@1.2.0.sql"
    assert plan.problems == ()


def test_sqitch_script_hash_is_sha1_of_the_bytes():
    # [derived] Engine.pm _deploy_hash: Digest::SHA->new(1) over the raw file (sha1sum).
    assert sqitch.script_hash(b"abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"  # FIPS 180-1 test value


# --------------------------------------------------------------------------- drizzle

JOURNAL = """{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
    {"idx": 0, "version": "7", "when": 1700000000000, "tag": "0000_init", "breakpoints": true},
    {"idx": 1, "version": "7", "when": 1700000001000, "tag": "0001_second", "breakpoints": true}
  ]
}
"""


def test_drizzle_hash_and_journal():
    # [derived] migrator.ts: crypto.createHash('sha256').update(query).digest('hex') of the file's text.
    assert drizzle.migration_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    entries = drizzle.journal_entries(JOURNAL)
    assert [(e.position, e.tag, e.when) for e in entries] == [
        (0, "0000_init", 1700000000000),
        (1, "0001_second", 1700000001000),
    ]
    assert JOURNAL[entries[1].offset :].startswith('"0001_second"')
    assert drizzle.journal_entries("{}") is None and drizzle.journal_entries("[") is None


# --------------------------------------------------------------------------- what did not change


def test_same_statements_ignores_comments_whitespace_and_keyword_case_only():
    assert same_statements("SELECT 1; -- a\n", "select   1;\r\n/* b */\n")
    assert same_statements("\ufeffSELECT 'é';", "SELECT 'é';")
    assert not same_statements("SELECT 1;", "SELECT 2;")
    assert not same_statements("SELECT $$a$$;", "SELECT $$ a$$;")  # inside a string: content
    assert not same_statements("SELECT 'unterminated", "SELECT 'unterminated")  # unreadable: not "unchanged"
    assert not same_statements(None, "SELECT 1;")


def test_first_difference_is_shared_with_the_flyway_path():
    assert first_difference("a\nb\n", "a\nc\n") == 2
    assert first_difference(None, "x") == 0
