"""Merged migrations and out-of-order versions in each runner's own terms, on real git repositories.

Each test commits a "merged" history on ``main`` with files named the way the
runner names them, branches, changes the working tree like a pull request
would (an edit, a CRLF re-save, a whitespace-only edit, a rename or move, an
older version added), and asserts the exact findings of
``modified-merged-migration`` (MG306) and ``out-of-order-migration-version``
(MG308): code, level, path, line, column and message.
"""

from __future__ import annotations

import json

import pytest
from conftest import GitRepo
from runner_repos import history_findings

from migration_gate.core.integrity import atlas, prisma, sqitch, sqlx


def merged(repo: GitRepo, files: dict[str, str | bytes]) -> str:
    """Commit ``files`` on main, branch off, and return the base's short sha."""
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("merged migrations")
    repo.git("checkout", "-q", "-b", "feature")
    return repo.git("rev-parse", "main").strip()[:12]


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def short(value: str) -> str:
    return value[:16] + "…"


# --------------------------------------------------------------------------- runners without a checksum

GOOSE_1 = "-- +goose Up\nCREATE TABLE users (id bigint);\n-- +goose Down\nDROP TABLE users;\n"
GOOSE_2 = "-- +goose Up\nCREATE TABLE orders (id bigint);\n-- +goose Down\nDROP TABLE orders;\n"
DBMATE_1 = "-- migrate:up\nCREATE TABLE users (id bigint);\n\n-- migrate:down\nDROP TABLE users;\n"
DBMATE_2 = "-- migrate:up\nCREATE TABLE orders (id bigint);\n\n-- migrate:down\nDROP TABLE orders;\n"
SQLMIGRATE_1 = "-- +migrate Up\nCREATE TABLE users (id bigint);\n\n-- +migrate Down\nDROP TABLE users;\n"
SQLMIGRATE_2 = "-- +migrate Up\nCREATE TABLE orders (id bigint);\n\n-- +migrate Down\nDROP TABLE orders;\n"
USERS = "CREATE TABLE users (id bigint);\nCREATE INDEX users_id ON users (id);\n"
ORDERS = "CREATE TABLE orders (id bigint);\n"

# layout, folder, merged files, the first merged migration (path, text, the line holding its CREATE TABLE),
# how findings name it, the runner's name.
CHECKSUMLESS = {
    "golang-migrate": (
        "migrations",
        {
            "migrations/000001_create_users.up.sql": USERS,
            "migrations/000001_create_users.down.sql": "DROP TABLE users;\n",
            "migrations/000002_create_orders.up.sql": ORDERS,
            "migrations/000002_create_orders.down.sql": "DROP TABLE orders;\n",
        },
        ("migrations/000001_create_users.up.sql", USERS, 1),
        "version 000001",
        "golang-migrate",
    ),
    "goose": (
        "migrations",
        {"migrations/00001_create_users.sql": GOOSE_1, "migrations/00002_create_orders.sql": GOOSE_2},
        ("migrations/00001_create_users.sql", GOOSE_1, 2),
        "version 00001",
        "goose",
    ),
    "dbmate": (
        "db/migrations",
        {
            "db/migrations/20240101000000_create_users.sql": DBMATE_1,
            "db/migrations/20240102000000_create_orders.sql": DBMATE_2,
        },
        ("db/migrations/20240101000000_create_users.sql", DBMATE_1, 2),
        "version 20240101000000",
        "dbmate",
    ),
    "sql-migrate": (
        "migrations",
        {"migrations/1_create_users.sql": SQLMIGRATE_1, "migrations/2_create_orders.sql": SQLMIGRATE_2},
        ("migrations/1_create_users.sql", SQLMIGRATE_1, 2),
        "migration 1_create_users.sql",
        "sql-migrate",
    ),
    "diesel": (
        "migrations",
        {
            "migrations/2024-01-01-000000_create_users/up.sql": USERS,
            "migrations/2024-01-01-000000_create_users/down.sql": "DROP TABLE users;\n",
            "migrations/2024-01-02-000000_create_orders/up.sql": ORDERS,
            "migrations/2024-01-02-000000_create_orders/down.sql": "DROP TABLE orders;\n",
        },
        ("migrations/2024-01-01-000000_create_users/up.sql", USERS, 1),
        "version 2024-01-01-000000",
        "Diesel",
    ),
    "pop": (
        "migrations",
        {
            "migrations/20240101000000_create_users.up.sql": USERS,
            "migrations/20240101000000_create_users.down.sql": "DROP TABLE users;\n",
            "migrations/20240102000000_create_orders.up.sql": ORDERS,
            "migrations/20240102000000_create_orders.down.sql": "DROP TABLE orders;\n",
        },
        ("migrations/20240101000000_create_users.up.sql", USERS, 1),
        "version 20240101000000",
        "pop",
    ),
}


@pytest.mark.parametrize("layout", sorted(CHECKSUMLESS))
def test_edit_of_a_merged_migration_without_a_runner_checksum(git_repo, monkeypatch, layout):
    folder, files, (path, text, line), what, who = CHECKSUMLESS[layout]
    sha = merged(git_repo, files)
    git_repo.write(path, text.replace("(id bigint)", "(id bigint, email text)", 1))
    assert history_findings(monkeypatch, git_repo.path, layout, folder) == [
        (
            "MG306",
            "error",
            path,
            line,
            1,
            f"{what} is merged on the base ({sha}) and was edited: {who} keeps no checksum and never runs an "
            "applied migration again, so databases that applied it keep the old version while new databases get "
            "the new one",
        )
    ]


@pytest.mark.parametrize("layout", sorted(CHECKSUMLESS))
@pytest.mark.parametrize("how", ["crlf", "whitespace", "comment"])
def test_edit_that_keeps_the_sql_is_info_for_a_runner_without_a_checksum(git_repo, monkeypatch, layout, how):
    folder, files, (path, text, line), what, who = CHECKSUMLESS[layout]
    sha = merged(git_repo, files)
    if how == "crlf":
        git_repo.write(path, crlf(text))
        at = 1  # only line endings differ: the first line that differs at all
    elif how == "whitespace":
        git_repo.write(path, text.replace("TABLE users (id bigint)", "TABLE users  (id   bigint)"))
        at = line
    else:
        git_repo.write(path, text.replace("(id bigint);", "(id bigint);  -- who signed up", 1))
        at = line
    assert history_findings(monkeypatch, git_repo.path, layout, folder) == [
        (
            "MG306",
            "info",
            path,
            at,
            1,
            f"{what} is merged on the base ({sha}) and was edited, but only in comments, whitespace or line "
            f"endings: {who} keeps no checksum and never runs an applied migration again, and the SQL it would "
            "run is unchanged",
        )
    ]


def test_goose_rename_keeping_the_version_and_renumbering(git_repo, monkeypatch):
    sha = merged(git_repo, CHECKSUMLESS["goose"][1])
    git_repo.git("mv", "migrations/00001_create_users.sql", "migrations/00001_users.sql")
    git_repo.git("mv", "migrations/00002_create_orders.sql", "migrations/00003_create_orders.sql")
    assert history_findings(monkeypatch, git_repo.path, "goose", "migrations") == [
        (
            "MG306",
            "info",
            "migrations/00001_users.sql",
            1,
            1,
            f"version 00001 is merged on the base ({sha}) as migrations/00001_create_users.sql and was renamed to "
            "migrations/00001_users.sql, keeping its version: goose identifies it by its version, so nothing runs "
            "again",
        ),
        (
            "MG306",
            "error",
            "migrations/00003_create_orders.sql",
            1,
            1,
            f"version 00002 is merged on the base ({sha}) as migrations/00002_create_orders.sql and was renamed to "
            "migrations/00003_create_orders.sql: goose identifies migrations by version, so databases that applied "
            "version 00002 run it again as version 00003",
        ),
    ]


def test_sql_migrate_rename_runs_the_file_again(git_repo, monkeypatch):
    sha = merged(git_repo, CHECKSUMLESS["sql-migrate"][1])
    git_repo.git("mv", "migrations/1_create_users.sql", "migrations/1_users.sql")
    assert history_findings(monkeypatch, git_repo.path, "sql-migrate", "migrations") == [
        (
            "MG306",
            "error",
            "migrations/1_users.sql",
            1,
            1,
            f"migration 1_create_users.sql is merged on the base ({sha}) as migrations/1_create_users.sql and was "
            "renamed to migrations/1_users.sql: sql-migrate records the file name (gorp_migrations.id), so "
            'databases that applied it stop with "Unable to create migration plan because of 1_create_users.sql: '
            'unknown migration in database" (with IgnoreUnknown set, they run 1_users.sql again)',
        ),
        (  # to sql-migrate the renamed file is a new migration, and it sorts before a merged one
            "MG308",
            "warning",
            "migrations/1_users.sql",
            1,
            1,
            "migration 1_users.sql is new here but sorts before migration 2_create_orders.sql "
            f"(migrations/2_create_orders.sql), merged on the base ({sha}): sql-migrate applies it there anyway, "
            "after migrations written later",
        ),
    ]


def test_diesel_folder_rename_keeping_the_version_is_info(git_repo, monkeypatch):
    sha = merged(git_repo, CHECKSUMLESS["diesel"][1])
    git_repo.git("mv", "migrations/2024-01-01-000000_create_users", "migrations/2024-01-01-000000_users")
    assert history_findings(monkeypatch, git_repo.path, "diesel", "migrations") == [
        (
            "MG306",
            "info",
            "migrations/2024-01-01-000000_users/up.sql",
            1,
            1,
            f"version 2024-01-01-000000 is merged on the base ({sha}) as "
            "migrations/2024-01-01-000000_create_users/up.sql and was renamed to "
            "migrations/2024-01-01-000000_users/up.sql, keeping its version: Diesel identifies it by its version, "
            "so nothing runs again",
        )
    ]


def test_deleted_migration_of_a_checksumless_runner(git_repo, monkeypatch):
    sha = merged(git_repo, CHECKSUMLESS["golang-migrate"][1])
    git_repo.git("rm", "-q", "migrations/000002_create_orders.up.sql")
    assert history_findings(monkeypatch, git_repo.path, "golang-migrate", "migrations") == [
        (
            "MG306",
            "error",
            "migrations/000002_create_orders.up.sql",
            1,
            1,
            f"migrations/000002_create_orders.up.sql (version 000002) is merged on the base ({sha}) and was "
            "deleted: databases that applied it keep its effect while new databases never get it (and "
            "golang-migrate stops when the database's current version has no file)",
        )
    ]


# --------------------------------------------------------------------------- out of order, per runner

#: goose refuses version 0 (NumericComponent: "migration version must be greater than zero"), so an
#: out-of-order goose file needs a gap below a merged version: 00003 below this 00005.
GOOSE_5 = {"migrations/00005_create_items.sql": "-- +goose Up\nCREATE TABLE items (id bigint);\n"}

OUT_OF_ORDER = {
    # layout: (new file, its text, level, its version, the highest merged version and file, consequence)
    "dbmate": (
        "db/migrations/20240101120000_backfill.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
        "warning",
        "20240101120000",
        ("20240102000000", "db/migrations/20240102000000_create_orders.sql"),
        "dbmate applies it there anyway, after migrations written later (assumed: --strict or DBMATE_STRICT is "
        "not in the repository)",
    ),
    "diesel": (
        "migrations/2024-01-01-120000_backfill/up.sql",
        "SELECT 1;\n",
        "warning",
        "2024-01-01-120000",
        ("2024-01-02-000000", "migrations/2024-01-02-000000_create_orders/up.sql"),
        "Diesel applies it there anyway, after migrations written later",
    ),
    "pop": (
        "migrations/20240101120000_backfill.up.sql",
        "SELECT 1;\n",
        "warning",
        "20240101120000",
        ("20240102000000", "migrations/20240102000000_create_orders.up.sql"),
        "pop applies it there anyway, after migrations written later",
    ),
}


@pytest.mark.parametrize("layout", sorted(OUT_OF_ORDER))
def test_out_of_order_new_migration_follows_the_runner(git_repo, monkeypatch, layout):
    folder, files, _first, _what, _who = CHECKSUMLESS[layout]
    sha = merged(git_repo, files)
    path, text, level, version, (top, highest), consequence = OUT_OF_ORDER[layout]
    git_repo.write(path, text)
    assert history_findings(monkeypatch, git_repo.path, layout, folder) == [
        (
            "MG308",
            level,
            path,
            1,
            1,
            f"version {version} is new here but below version {top} ({highest}), merged on the base ({sha}): "
            f"{consequence}",
        )
    ]


@pytest.mark.parametrize(
    "layout,path,text,level,consequence",
    [
        (
            "golang-migrate",
            "migrations/000000_backfill.up.sql",
            "SELECT 1;\n",
            "error",
            "golang-migrate never applies it on databases already past that version (it runs only versions above "
            "the database's current one)",
        ),
        (
            "goose",  # goose refuses version 0 ("migration version must be greater than zero"): 3 below a merged 5
            "migrations/00003_backfill.sql",
            "-- +goose Up\nSELECT 1;\n",
            "error",
            'goose refuses to migrate databases already past that version ("error: found 1 missing migrations '
            'before current version 00005") unless it runs with -allow-missing (assumed: -allow-missing, '
            "WithAllowMissing or WithAllowOutofOrder is not in the repository)",
        ),
        (
            "sql-migrate",
            "migrations/0_backfill.sql",
            "-- +migrate Up\nSELECT 1;\n",
            "warning",
            "sql-migrate applies it there anyway, after migrations written later",
        ),
    ],
)
def test_out_of_order_numeric_runners(git_repo, monkeypatch, layout, path, text, level, consequence):
    folder, files, _first, _what, _who = CHECKSUMLESS[layout]
    sha = merged(git_repo, {**files, **GOOSE_5} if layout == "goose" else files)
    git_repo.write(path, text)
    lead = {
        "golang-migrate": "version 000000 is new here but below version 000002 (migrations/000002_create_orders.up.sql)",
        "goose": "version 00003 is new here but below version 00005 (migrations/00005_create_items.sql)",
        # sql-migrate's identity is the file name: numeric prefix first, then the name
        "sql-migrate": "migration 0_backfill.sql is new here but sorts before migration 2_create_orders.sql "
        "(migrations/2_create_orders.sql)",
    }[layout]
    assert history_findings(monkeypatch, git_repo.path, layout, folder) == [
        ("MG308", level, path, 1, 1, f"{lead}, merged on the base ({sha}): {consequence}")
    ]


def test_goose_allow_missing_in_a_committed_script_makes_it_a_warning(git_repo, monkeypatch):
    files = {**CHECKSUMLESS["goose"][1], **GOOSE_5, "Makefile": "migrate:\n\tgoose -dir migrations -allow-missing up\n"}
    sha = merged(git_repo, files)
    git_repo.write("migrations/00003_backfill.sql", "-- +goose Up\nSELECT 1;\n")
    assert history_findings(monkeypatch, git_repo.path, "goose", "migrations") == [
        (
            "MG308",
            "warning",
            "migrations/00003_backfill.sql",
            1,
            1,
            f"version 00003 is new here but below version 00005 (migrations/00005_create_items.sql), merged on the "
            f"base ({sha}): goose applies it out of order there (allow-missing: Makefile:2)",
        )
    ]


def test_dbmate_strict_in_a_committed_env_file_makes_it_an_error(git_repo, monkeypatch):
    files = {**CHECKSUMLESS["dbmate"][1], ".env": "DATABASE_URL=postgres://localhost/app\nDBMATE_STRICT=true\n"}
    sha = merged(git_repo, files)
    git_repo.write("db/migrations/20240101120000_backfill.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n")
    assert history_findings(monkeypatch, git_repo.path, "dbmate", "db/migrations") == [
        (
            "MG308",
            "error",
            "db/migrations/20240101120000_backfill.sql",
            1,
            1,
            f"version 20240101120000 is new here but below version 20240102000000 "
            f"(db/migrations/20240102000000_create_orders.sql), merged on the base ({sha}): dbmate --strict "
            '(.env:2) refuses it ("migration `20240101120000` is out of order with already applied migrations, '
            "the version number has to be higher than the applied migration `20240102000000` in --strict mode\")",
        )
    ]


# --------------------------------------------------------------------------- sqlx (SHA-384, checked on every run)

SQLX_FILES = {"migrations/1_create_users.sql": USERS, "migrations/2_create_orders.sql": ORDERS}


@pytest.mark.parametrize(
    "how,new,line",
    [
        ("content", USERS.replace("(id bigint)", "(id bigint, email text)"), 1),
        ("crlf", crlf(USERS), 1),
        ("whitespace", USERS.replace("(id bigint)", "(id  bigint)"), 1),
        ("trailing newline", USERS + "\n", 3),
    ],
)
def test_sqlx_refuses_any_byte_change(git_repo, monkeypatch, how, new, line):
    sha = merged(git_repo, SQLX_FILES)
    git_repo.write("migrations/1_create_users.sql", new)
    data = new if isinstance(new, bytes) else new.encode()
    before, after = sqlx.checksum(USERS.encode()), sqlx.checksum(data)
    assert before and after and before != after
    assert history_findings(monkeypatch, git_repo.path, "sqlx", "migrations") == [
        (
            "MG306",
            "error",
            "migrations/1_create_users.sql",
            line,
            1,
            f"version 1 is merged on the base ({sha}) and was edited (sqlx checksum {short(before)} -> "
            f"{short(after)}): sqlx refuses to migrate every database that applied it (\"migration 1 was previously "
            'applied but has been modified")',
        )
    ]


def test_sqlx_ignored_chars_make_a_crlf_resave_invisible(git_repo, monkeypatch):
    files = {**SQLX_FILES, "sqlx.toml": '[migrate]\nignored-chars = ["\\r"]\n'}
    sha = merged(git_repo, files)
    git_repo.write("migrations/1_create_users.sql", crlf(USERS))
    value = sqlx.checksum(USERS.encode(), ("\r",))
    assert history_findings(monkeypatch, git_repo.path, "sqlx", "migrations") == [
        (
            "MG306",
            "info",
            "migrations/1_create_users.sql",
            1,
            1,
            f"version 1 is merged on the base ({sha}) and was edited, but only in characters sqlx's checksum "
            f"ignores (sqlx.toml ignores '\\r'): its checksum is unchanged ({short(value)}), so sqlx accepts it",
        )
    ]


def test_sqlx_rename_delete_and_out_of_order(git_repo, monkeypatch):
    sha = merged(git_repo, {**SQLX_FILES, "migrations/3_more.sql": "SELECT 3;\n"})
    git_repo.git("mv", "migrations/1_create_users.sql", "migrations/1_users.sql")  # same version: fine
    git_repo.git("mv", "migrations/2_create_orders.sql", "migrations/2_create_orders.up.sql")  # still version 2
    git_repo.git("rm", "-q", "migrations/3_more.sql")
    git_repo.write("migrations/0_backfill.sql", "SELECT 0;\n")
    assert history_findings(monkeypatch, git_repo.path, "sqlx", "migrations") == [
        (
            "MG308",
            "warning",
            "migrations/0_backfill.sql",
            1,
            1,
            f"version 0 is new here but below version 3 (migrations/3_more.sql), merged on the base ({sha}): sqlx "
            "applies it there anyway, after migrations written later",
        ),
        (
            "MG306",
            "info",
            "migrations/1_users.sql",
            1,
            1,
            f"version 1 is merged on the base ({sha}) as migrations/1_create_users.sql and was renamed to "
            "migrations/1_users.sql, keeping its version: sqlx identifies it by its version, so nothing runs again",
        ),
        (
            "MG306",
            "info",
            "migrations/2_create_orders.up.sql",
            1,
            1,
            f"version 2 is merged on the base ({sha}) as migrations/2_create_orders.sql and was renamed to "
            "migrations/2_create_orders.up.sql, keeping its version: sqlx identifies it by its version, so nothing "
            "runs again",
        ),
        (
            "MG306",
            "error",
            "migrations/3_more.sql",
            1,
            1,
            f"migrations/3_more.sql (version 3) is merged on the base ({sha}) and was deleted: sqlx stops on every "
            'database that applied it ("migration 3 was previously applied but is missing in the resolved '
            'migrations") unless it runs with --ignore-missing',
        ),
    ]


# --------------------------------------------------------------------------- Prisma (SHA-256, compared by migrate dev)

PRISMA_FILES = {
    "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
    "prisma/migrations/20240101000000_init/migration.sql": '-- CreateTable\nCREATE TABLE "User" ("id" INTEGER);\n',
    "prisma/migrations/20240102000000_orders/migration.sql": '-- CreateTable\nCREATE TABLE "Order" ("id" INTEGER);\n',
}
PRISMA_INIT = "prisma/migrations/20240101000000_init/migration.sql"


def test_prisma_edit_crlf_and_whitespace(git_repo, monkeypatch):
    sha = merged(git_repo, PRISMA_FILES)
    text = PRISMA_FILES[PRISMA_INIT]
    git_repo.write(PRISMA_INIT, text.replace('("id" INTEGER)', '("id" INTEGER, "email" TEXT)'))
    edited = (git_repo.path / PRISMA_INIT).read_bytes()
    assert history_findings(monkeypatch, git_repo.path, "prisma", "prisma/migrations") == [
        (
            "MG306",
            "error",
            PRISMA_INIT,
            2,
            1,
            f"migration `20240101000000_init` is merged on the base ({sha}) and was edited (Prisma checksum "
            f"{short(prisma.checksum(text.encode()))} -> {short(prisma.checksum(edited))}): `prisma migrate deploy` "
            "never compares checksums, so databases that applied it keep the old version while new databases get "
            "the new one, and `prisma migrate dev` stops with \"The migration `20240101000000_init` was modified "
            'after it was applied." and asks to reset the database',
        )
    ]
    git_repo.write(PRISMA_INIT, crlf(text))
    assert history_findings(monkeypatch, git_repo.path, "prisma", "prisma/migrations") == [
        (
            "MG306",
            "info",
            PRISMA_INIT,
            1,
            1,
            f"migration `20240101000000_init` is merged on the base ({sha}) and was edited, but only in line "
            f"endings: Prisma accepts the LF/CRLF variant of the applied checksum ({short(prisma.checksum(text.encode()))})",
        )
    ]
    git_repo.write(PRISMA_INIT, text.replace("TABLE", "TABLE "))  # whitespace: Prisma's checksum sees it
    found = history_findings(monkeypatch, git_repo.path, "prisma", "prisma/migrations")
    assert [(f[0], f[1], f[3]) for f in found] == [("MG306", "error", 2)]


def test_prisma_folder_rename_runs_again_and_an_older_folder_is_applied(git_repo, monkeypatch):
    sha = merged(git_repo, PRISMA_FILES)
    git_repo.git("mv", "prisma/migrations/20240102000000_orders", "prisma/migrations/20240102000000_add_orders")
    git_repo.write("prisma/migrations/20240101120000_backfill/migration.sql", "SELECT 1;\n")
    assert history_findings(monkeypatch, git_repo.path, "prisma", "prisma/migrations") == [
        (
            "MG308",
            "warning",
            "prisma/migrations/20240101120000_backfill/migration.sql",
            1,
            1,
            "migration 20240101120000_backfill is new here but sorts before migration 20240102000000_orders "
            "(prisma/migrations/20240102000000_orders/migration.sql), merged on the base "
            f"({sha}): `prisma migrate deploy` applies it there anyway (it selects migrations by folder name)",
        ),
        (
            "MG306",
            "error",
            "prisma/migrations/20240102000000_add_orders/migration.sql",
            1,
            1,
            f"migration `20240102000000_orders` is merged on the base ({sha}) as "
            "prisma/migrations/20240102000000_orders/migration.sql and was renamed to "
            "prisma/migrations/20240102000000_add_orders/migration.sql: Prisma identifies a migration by its folder "
            "name, so it runs `20240102000000_add_orders` again where `20240102000000_orders` was applied",
        ),
        (  # the renamed folder is a new migration to Prisma, and it sorts before the merged name
            "MG308",
            "warning",
            "prisma/migrations/20240102000000_add_orders/migration.sql",
            1,
            1,
            "migration 20240102000000_add_orders is new here but sorts before migration 20240102000000_orders "
            "(prisma/migrations/20240102000000_orders/migration.sql), merged on the base "
            f"({sha}): `prisma migrate deploy` applies it there anyway (it selects migrations by folder name)",
        ),
    ]


# --------------------------------------------------------------------------- Atlas (atlas.sum)

ATLAS_1 = "CREATE TABLE users (id bigint);\n"
ATLAS_2 = "-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n"


def atlas_files(extra: dict[str, str] | None = None) -> dict[str, str]:
    files = {"migrations/20240101000000_users.sql": ATLAS_1, "migrations/20240102000000_index.sql": ATLAS_2}
    files.update(extra or {})
    sql = [(p.rsplit("/", 1)[1], t.encode()) for p, t in files.items() if p.endswith(".sql")]
    return {**files, "migrations/atlas.sum": atlas.sum_of(sql)}


def rehash(repo: GitRepo) -> None:
    """What `atlas migrate hash` does."""
    folder = repo.path / "migrations"
    (folder / "atlas.sum").write_text(atlas.sum_of([(p.name, p.read_bytes()) for p in folder.glob("*.sql")]))


def test_atlas_edit_without_rehash_names_the_stale_sum_line(git_repo, monkeypatch):
    sha = merged(git_repo, atlas_files())
    git_repo.write("migrations/20240101000000_users.sql", "CREATE TABLE users (id bigint, email text);\n")
    folder = git_repo.path / "migrations"
    wanted = atlas.hash_lines([(p.name, p.read_bytes()) for p in folder.glob("*.sql")])[0].hash
    old = atlas.hash_lines([("20240101000000_users.sql", ATLAS_1.encode())])[0].hash
    assert history_findings(monkeypatch, git_repo.path, "atlas", "migrations") == [
        (
            "MG306",
            "error",
            "migrations/20240101000000_users.sql",
            1,
            1,
            f"version 20240101000000 is merged on the base ({sha}) and was edited: Atlas never compares an applied "
            "file with its revision once atlas.sum is re-hashed, so databases that applied it keep the old version "
            "while new databases get the new one",
        ),
        (
            "MG306",
            "error",
            "migrations/atlas.sum",
            2,
            1,
            f"migrations/atlas.sum line 2: the line of 20240101000000_users.sql is stale: its hash is h1:{old}, the "
            f"directory gives h1:{wanted}: Atlas refuses to apply any migration of this directory (\"You have a "
            'checksum error in your migration directory.")',
        ),
    ]
    rehash(git_repo)  # re-hashed: Atlas accepts the directory, and silently keeps the old version where applied
    assert [f[2] for f in history_findings(monkeypatch, git_repo.path, "atlas", "migrations")] == [
        "migrations/20240101000000_users.sql"
    ]


def test_atlas_crlf_resave_keeps_the_sql_but_not_the_sum(git_repo, monkeypatch):
    sha = merged(git_repo, atlas_files())
    git_repo.write("migrations/20240102000000_index.sql", crlf(ATLAS_2))
    found = history_findings(monkeypatch, git_repo.path, "atlas", "migrations")
    assert found[0] == (
        "MG306",
        "info",
        "migrations/20240102000000_index.sql",
        1,
        1,
        f"version 20240102000000 is merged on the base ({sha}) and was edited, but only in comments, whitespace "
        "or line endings: Atlas never compares an applied file with its revision once atlas.sum is re-hashed, and "
        "the SQL it would run is unchanged; atlas.sum must still be re-hashed",
    )
    assert [(f[1], f[2], f[3]) for f in found[1:]] == [("error", "migrations/atlas.sum", 3)]


def test_atlas_new_file_without_rehash_and_out_of_order(git_repo, monkeypatch):
    sha = merged(git_repo, atlas_files())
    git_repo.write("migrations/20240101120000_backfill.sql", "UPDATE users SET id = id;\n")
    assert history_findings(monkeypatch, git_repo.path, "atlas", "migrations") == [
        (
            "MG308",
            "error",
            "migrations/20240101120000_backfill.sql",
            1,
            1,
            f"version 20240101120000 is new here but below version 20240102000000 "
            f"(migrations/20240102000000_index.sql), merged on the base ({sha}): Atlas refuses to apply it "
            '("migration file 20240101120000_backfill.sql was added out of order. See: '
            'https://atlasgo.io/versioned/apply#non-linear-error") (assumed: exec_order is not in the repository)',
        ),
        (
            "MG306",
            "error",
            "migrations/atlas.sum",
            3,
            1,
            "migrations/atlas.sum line 3: 20240101120000_backfill.sql is not listed (added without `atlas migrate "
            'hash`): Atlas refuses to apply any migration of this directory ("You have a checksum error in your '
            'migration directory.")',
        ),
    ]


def test_atlas_exec_order_from_atlas_hcl(git_repo, monkeypatch):
    hcl = 'env "prod" {\n  migration {\n    dir = "file://migrations"\n    exec_order = NON_LINEAR\n  }\n}\n'
    sha = merged(git_repo, {**atlas_files(), "atlas.hcl": hcl})
    git_repo.write("migrations/20240101120000_backfill.sql", "UPDATE users SET id = id;\n")
    rehash(git_repo)
    assert history_findings(monkeypatch, git_repo.path, "atlas", "migrations") == [
        (
            "MG308",
            "warning",
            "migrations/20240101120000_backfill.sql",
            1,
            1,
            f"version 20240101120000 is new here but below version 20240102000000 "
            f"(migrations/20240102000000_index.sql), merged on the base ({sha}): Atlas applies it there anyway "
            "(exec_order non-linear (atlas.hcl))",
        )
    ]


def test_atlas_sum_already_broken_on_the_base_is_not_blamed_on_the_branch(git_repo, monkeypatch):
    files = atlas_files()
    files["migrations/atlas.sum"] = files["migrations/atlas.sum"].replace("h1:", "h1:X", 1)
    merged(git_repo, files)
    git_repo.write("migrations/20240103000000_more.sql", "SELECT 1;\n")
    assert history_findings(monkeypatch, git_repo.path, "atlas", "migrations") == []


# --------------------------------------------------------------------------- Liquibase (changesets, MD5SUM)

CHANGELOG = """\
--liquibase formatted sql

--changeset alice:1
CREATE TABLE t1 (id int primary key, name text);
--rollback DROP TABLE t1;

--changeset bob:2 runInTransaction:false
CREATE INDEX CONCURRENTLY t1_name_idx ON t1 (name);
--rollback DROP INDEX t1_name_idx;
"""
LB = "db/changelog/changes/001-users.sql"


def test_liquibase_edited_changeset_fails_validation(git_repo, monkeypatch):
    sha = merged(git_repo, {LB: CHANGELOG})
    git_repo.write(LB, CHANGELOG.replace("name text", "name varchar"))
    assert history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog") == [
        (
            "MG306",
            "error",
            LB,
            3,
            1,
            f"changeset changes/001-users.sql::1::alice is merged on the base ({sha}) and was edited: Liquibase's "
            'validation fails on every database that applied it ("Validation Failed: 1 changesets check sum '
            "changes/001-users.sql::1::alice was: 9:b97bf729aae253dff4bfea86cf8e4df5 but is now: "
            '9:85a64b226ecc6b308af381f16c504eda")',
        )
    ]


def test_liquibase_whitespace_and_crlf_edits_are_not_modifications(git_repo, monkeypatch):
    sha = merged(git_repo, {LB: CHANGELOG})
    git_repo.write(LB, CHANGELOG.replace("CREATE TABLE t1 (id int", "CREATE TABLE t1(id  int"))
    assert history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog") == [
        (
            "MG306",
            "info",
            LB,
            3,
            1,
            f"changeset changes/001-users.sql::1::alice is merged on the base ({sha}) and was edited, but only in "
            "whitespace: its checksum is unchanged (9:b97bf729aae253dff4bfea86cf8e4df5), so Liquibase accepts it "
            "(a DATABASECHANGELOG row still holding an 8: checksum, written by Liquibase before 4.22, fails "
            "validation until Liquibase upgrades it)",
        )
    ]
    git_repo.write(LB, crlf(CHANGELOG))
    assert history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog") == [
        (
            "MG306",
            "info",
            LB,
            1,
            1,
            f"{LB} is merged on the base ({sha}) and was edited, but none of its changesets changed in Liquibase's "
            "terms (line endings, or text outside the changesets): Liquibase accepts it",
        )
    ]


def test_liquibase_moved_changelog_runs_its_changesets_again(git_repo, monkeypatch):
    sha = merged(git_repo, {LB: CHANGELOG})
    (git_repo.path / "db/changelog/archive").mkdir()
    git_repo.git("mv", LB, "db/changelog/archive/001-users.sql")
    assert history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog") == [
        (
            "MG306",
            "error",
            "db/changelog/archive/001-users.sql",
            1,
            1,
            f"{LB} is merged on the base ({sha}) and was moved to db/changelog/archive/001-users.sql: Liquibase "
            "identifies a changeset by id, author and changelog path, so its 2 changesets run again where they were "
            "applied (changes/001-users.sql::1::alice becomes archive/001-users.sql::1::alice)",
        )
    ]


def test_liquibase_logical_file_path_makes_a_move_harmless_and_run_on_change_is_info(git_repo, monkeypatch):
    text = CHANGELOG.replace("--liquibase formatted sql", "--liquibase formatted sql logicalFilePath:users.sql")
    text = text.replace("--changeset alice:1", "--changeset alice:1 runOnChange:true")
    sha = merged(git_repo, {LB: text})
    git_repo.git("mv", LB, "db/changelog/users.sql")
    git_repo.write("db/changelog/users.sql", text.replace("name text", "name varchar"))
    found = history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog")
    assert [(f[0], f[1], f[2], f[3]) for f in found] == [("MG306", "info", "db/changelog/users.sql", 3)]
    assert found[0][5].startswith(f"changeset users.sql::1::alice is merged on the base ({sha}) and was edited (")
    assert found[0][5].endswith(
        "it has runOnChange (or runAlways), so Liquibase runs it again on every database that applied it"
    )


def test_liquibase_removed_changeset(git_repo, monkeypatch):
    sha = merged(git_repo, {LB: CHANGELOG})
    git_repo.write(LB, CHANGELOG.replace("--changeset bob:2", "--changeset bob:2b"))
    assert history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog") == [
        (
            "MG306",
            "error",
            LB,
            1,
            1,
            f"changeset changes/001-users.sql::2::bob is merged on the base ({sha}) and is gone from the changelog "
            "(removed, or its id or author changed): databases that applied it keep its effect, and a changeset "
            "under a new id or author runs again",
        )
    ]


def test_liquibase_version_below_4_22_compares_v8_checksums(git_repo, monkeypatch):
    dockerfile = "FROM liquibase/liquibase:4.15.0\n"
    sha = merged(git_repo, {LB: CHANGELOG, "Dockerfile": dockerfile})
    git_repo.write(LB, CHANGELOG.replace("name text", "name varchar"))
    found = history_findings(monkeypatch, git_repo.path, "liquibase", "db/changelog")
    assert [f[5] for f in found] == [
        f"changeset changes/001-users.sql::1::alice is merged on the base ({sha}) and was edited: Liquibase's "
        'validation fails on every database that applied it ("Validation Failed: 1 changesets check sum '
        "changes/001-users.sql::1::alice was: 8:b36b1bb552bee061f02865a5a68b0138 but is now: "
        '8:c8870945ec69a9700364d9c8972a7810")'
    ]


# --------------------------------------------------------------------------- Sqitch (plan, script_hash)

PLAN = """\
%syntax-version=1.0.0
%project=demo

users 2024-01-01T00:00:00Z Dev <dev@example.com> # users
orders [users] 2024-01-02T00:00:00Z Dev <dev@example.com> # orders
@v1 2024-01-02T00:00:01Z Dev <dev@example.com> # tag v1
"""
SQITCH = {
    "db/sqitch.plan": PLAN,
    "db/deploy/users.sql": "BEGIN;\nCREATE TABLE users (id bigint);\nCOMMIT;\n",
    "db/revert/users.sql": "BEGIN;\nDROP TABLE users;\nCOMMIT;\n",
    "db/deploy/orders.sql": "BEGIN;\nCREATE TABLE orders (id bigint);\nCOMMIT;\n",
    "db/revert/orders.sql": "BEGIN;\nDROP TABLE orders;\nCOMMIT;\n",
}


def plan_ids(text: str) -> list[str]:
    return [c.id for c in sqitch.parse_plan(text).changes]


def test_sqitch_edited_deploy_script(git_repo, monkeypatch):
    sha = merged(git_repo, SQITCH)
    git_repo.write("db/deploy/users.sql", "BEGIN;\nCREATE TABLE users (id bigint, email text);\nCOMMIT;\n")
    before = sqitch.script_hash(SQITCH["db/deploy/users.sql"].encode())
    after = sqitch.script_hash((git_repo.path / "db/deploy/users.sql").read_bytes())
    assert history_findings(monkeypatch, git_repo.path, "sqitch", "db") == [
        (
            "MG306",
            "error",
            "db/deploy/users.sql",
            2,
            1,
            f"the deploy script of change users, merged on the base ({sha}), was edited (script_hash "
            f"{short(before)} -> {short(after)}): `sqitch deploy` never runs a deployed change again, so databases "
            "that deployed it keep the old version while new databases get the new one (`sqitch check`: "
            '"Script signatures diverge at change users")',
        )
    ]
    git_repo.write("db/deploy/users.sql", crlf(SQITCH["db/deploy/users.sql"]))
    assert history_findings(monkeypatch, git_repo.path, "sqitch", "db") == [
        (
            "MG306",
            "warning",
            "db/deploy/users.sql",
            1,
            1,
            f"the deploy script of change users, merged on the base ({sha}), was edited, but only in comments, "
            "whitespace or line endings: `sqitch deploy` never runs it again, but `sqitch check` fails "
            '("Script signatures diverge at change users")',
        )
    ]


def test_sqitch_rework_is_the_way_to_change_a_deployed_change(git_repo, monkeypatch):
    merged(git_repo, SQITCH)
    # `sqitch rework orders`: the old script is kept as orders@v1.sql, the plan gains a new orders line.
    git_repo.write("db/deploy/orders@v1.sql", SQITCH["db/deploy/orders.sql"])
    git_repo.write("db/deploy/orders.sql", "BEGIN;\nALTER TABLE orders ADD COLUMN total numeric;\nCOMMIT;\n")
    git_repo.write("db/sqitch.plan", PLAN + "orders [orders@v1] 2024-01-03T00:00:00Z Dev <dev@example.com> # more\n")
    assert history_findings(monkeypatch, git_repo.path, "sqitch", "db") == []


def test_sqitch_edited_plan_line_and_inserted_change(git_repo, monkeypatch):
    sha = merged(git_repo, SQITCH)
    last_id = plan_ids(PLAN)[-1]
    edited = PLAN.replace("# users", "# the users")
    git_repo.write("db/sqitch.plan", edited)
    assert history_findings(monkeypatch, git_repo.path, "sqitch", "db") == [
        (
            "MG306",
            "error",
            "db/sqitch.plan",
            4,
            1,
            f"change users is merged on the base ({sha}) and its plan line changed (or was removed): its change ID "
            f"{short(plan_ids(PLAN)[0])} is now {short(plan_ids(edited)[0])}, and so is every later change's (each "
            "ID hashes its parent's), so `sqitch deploy` stops on every database that deployed the merged plan "
            f'("Cannot find change {last_id} (orders @v1) in sqitch.plan")',
        )
    ]
    inserted = PLAN.replace(
        "orders [users]", "audit 2024-01-01T12:00:00Z Dev <dev@example.com> # audit\norders [users]"
    )
    git_repo.write("db/sqitch.plan", inserted)
    git_repo.write("db/deploy/audit.sql", "BEGIN;\nCREATE TABLE audit (id bigint);\nCOMMIT;\n")
    assert history_findings(monkeypatch, git_repo.path, "sqitch", "db") == [
        (
            "MG308",
            "error",
            "db/sqitch.plan",
            5,
            1,
            f"change audit is new here but placed in db/sqitch.plan before change orders @v1, merged on the base "
            f"({sha}): every later change ID hashes its parent, so `sqitch deploy` stops on every database that "
            f'deployed the merged plan ("Cannot find change {last_id} (orders @v1) in sqitch.plan")',
        )
    ]


# --------------------------------------------------------------------------- drizzle (journal `when`, hash never compared)


def journal(*entries: tuple[str, int]) -> str:
    rows = [
        {"idx": i, "version": "7", "when": when, "tag": tag, "breakpoints": True}
        for i, (tag, when) in enumerate(entries)
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": rows}, indent=2) + "\n"


DRIZZLE = {
    "drizzle/0000_init.sql": 'CREATE TABLE "users" ("id" integer);\n',
    "drizzle/0001_orders.sql": 'CREATE TABLE "orders" ("id" integer);\n--> statement-breakpoint\nSELECT 1;\n',
    "drizzle/meta/_journal.json": journal(("0000_init", 1700000000000), ("0001_orders", 1700000001000)),
}


def test_drizzle_edit_is_silently_skipped(git_repo, monkeypatch):
    sha = merged(git_repo, DRIZZLE)
    git_repo.write("drizzle/0000_init.sql", 'CREATE TABLE "users" ("id" integer, "email" text);\n')
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == [
        (
            "MG306",
            "error",
            "drizzle/0000_init.sql",
            1,
            1,
            f"migration 0000_init is merged on the base ({sha}) and was edited: drizzle stores a hash of each migration but "
            "never compares it, and never runs an applied one again, so databases that applied it keep the old "
            "version while new databases get the new one",
        )
    ]


def test_drizzle_journal_entry_with_an_older_when_is_never_applied(git_repo, monkeypatch):
    sha = merged(git_repo, DRIZZLE)
    git_repo.write("drizzle/0002_backfill.sql", "UPDATE users SET id = id;\n")
    entries = (("0000_init", 1700000000000), ("0001_orders", 1700000001000), ("0002_backfill", 1699999999999))
    git_repo.write("drizzle/meta/_journal.json", journal(*entries))
    text = (git_repo.path / "drizzle/meta/_journal.json").read_text()
    line = text[: text.index('"0002_backfill"')].count("\n") + 1
    column = text.splitlines()[line - 1].index('"0002_backfill"') + 1
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == [
        (
            "MG308",
            "error",
            "drizzle/meta/_journal.json",
            line,
            column,
            "journal entry 0002_backfill is new here but its `when` (1699999999999) is not later than the newest "
            f"merged entry's (0001_orders, 1700000001000), merged on the base ({sha}): drizzle's migrator runs only "
            "entries whose `when` is later than the newest applied one, so it silently never applies this "
            "migration on databases already past it",
        )
    ]
    entries = (("0000_init", 1700000000000), ("0001_orders", 1700000001000), ("0002_backfill", 1700000002000))
    git_repo.write("drizzle/meta/_journal.json", journal(*entries))
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == []


def test_drizzle_rename_with_the_journal_keeping_its_when(git_repo, monkeypatch):
    sha = merged(git_repo, DRIZZLE)
    git_repo.git("mv", "drizzle/0001_orders.sql", "drizzle/0001_add_orders.sql")
    git_repo.write(
        "drizzle/meta/_journal.json", journal(("0000_init", 1700000000000), ("0001_add_orders", 1700000001000))
    )
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == [
        (
            "MG306",
            "info",
            "drizzle/0001_add_orders.sql",
            1,
            1,
            f"migration 0001_orders is merged on the base ({sha}) as drizzle/0001_orders.sql and was renamed to "
            "drizzle/0001_add_orders.sql, keeping its journal `when`: drizzle identifies it by its journal `when`, "
            "so nothing runs again",
        )
    ]


def test_drizzle_v1_folders_are_applied_by_name(git_repo, monkeypatch):
    sha = merged(
        git_repo,
        {
            "drizzle/20240101000000_init/migration.sql": 'CREATE TABLE "users" ("id" integer);\n',
            "drizzle/20240102000000_orders/migration.sql": 'CREATE TABLE "orders" ("id" integer);\n',
        },
    )
    git_repo.write("drizzle/20240101120000_backfill/migration.sql", "SELECT 1;\n")
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == [
        (
            "MG308",
            "warning",
            "drizzle/20240101120000_backfill/migration.sql",
            1,
            1,
            "migration 20240101120000_backfill is new here but sorts before migration 20240102000000_orders "
            f"(drizzle/20240102000000_orders/migration.sql), merged on the base ({sha}): drizzle 1.0 applies it "
            "there anyway (it selects migrations by folder name)",
        )
    ]


# --------------------------------------------------------------------------- Flyway settings the repository holds


def test_flyway_out_of_order_true_in_flyway_toml_is_a_warning(git_repo, monkeypatch):
    files = {
        "migrations/V1__create_users.sql": "CREATE TABLE users (id bigint);\n",
        "migrations/V2__create_orders.sql": "CREATE TABLE orders (id bigint);\n",
        "flyway.toml": '[environments.default]\nurl = "jdbc:postgresql://db/app"\n\n[flyway]\noutOfOrder = true\n',
    }
    sha = merged(git_repo, files)
    git_repo.write("migrations/V1_5__backfill.sql", "SELECT 1;\n")
    assert history_findings(monkeypatch, git_repo.path, "flyway", "migrations") == [
        (
            "MG308",
            "warning",
            "migrations/V1_5__backfill.sql",
            1,
            1,
            f"version 1_5 is new here but below version 2 (migrations/V2__create_orders.sql), merged on the base "
            f"({sha}): outOfOrder=true (flyway.toml) makes Flyway apply it on databases already past that version, "
            "after migrations written later",
        )
    ]
    git_repo.write("flyway.toml", '[flyway]\noutOfOrder = false\n')
    git_repo.write("conf/flyway.conf", "flyway.outOfOrder=true\n")  # flyway.toml in a nearer folder wins
    assert [f[1] for f in history_findings(monkeypatch, git_repo.path, "flyway", "migrations")] == ["error"]


# --------------------------------------------------------------------------- `migration-gate info`: the runner's checksum


def info_of(monkeypatch, root, layout: str, location: str):
    from runner_repos import runner_scope

    from migration_gate.history.info import build_info

    scope, config = runner_scope(monkeypatch, root, layout, location)
    return build_info(scope, config, [])


def test_info_shows_sqlx_checksum_named_for_it(git_repo, monkeypatch):
    merged(git_repo, SQLX_FILES)
    from migration_gate.history.info import render_json, render_text

    info = info_of(monkeypatch, git_repo.path, "sqlx", "migrations")
    doc = json.loads(render_json(info))
    rows = [(m["path"], m["checksum"], m["sqlx_checksum"], m["state"]) for m in doc["migrations"]]
    assert rows == [
        ("migrations/1_create_users.sql", None, sqlx.checksum(USERS.encode()), "merged"),
        ("migrations/2_create_orders.sql", None, sqlx.checksum(ORDERS.encode()), "merged"),
    ]
    assert list(doc["migrations"][0]) == [
        "path", "kind", "version", "description", "checksum", "sqlx_checksum", "state", "previous_path", "rollback",
        "database",
    ]  # fmt: skip
    text = render_text(info, with_database=False).splitlines()
    assert [cell.strip() for cell in text[3].split("|")[1:-1]] == [
        "Version", "Description", "Kind", "sqlx checksum", "State", "Rollback"
    ]  # fmt: skip
    assert sqlx.checksum(USERS.encode()) in text[5]


def test_info_shows_liquibase_md5sums_per_changeset_and_atlas_sum_lines(git_repo, monkeypatch):
    merged(git_repo, {LB: CHANGELOG, **atlas_files()})
    info = info_of(monkeypatch, git_repo.path, "liquibase", "db/changelog")
    assert [(r.path, r.checksum, r.runner) for r in info.rows] == [
        (
            LB,
            None,
            (
                "liquibase_md5sum",
                [
                    {"changeset": "changes/001-users.sql::1::alice", "md5sum": "9:b97bf729aae253dff4bfea86cf8e4df5"},
                    {"changeset": "changes/001-users.sql::2::bob", "md5sum": "9:d83c7dd617544e3f85d8da22c8712c3f"},
                ],
            ),
        )
    ]
    info = info_of(monkeypatch, git_repo.path, "atlas", "migrations")
    sum_lines = (git_repo.path / "migrations/atlas.sum").read_text().splitlines()[1:]
    assert [r.runner for r in info.rows] == [("atlas_sum", line.split(" ")[1]) for line in sum_lines]


def test_info_for_flyway_is_unchanged(git_repo, monkeypatch):
    merged(git_repo, {"migrations/V1__a.sql": "SELECT 1;\n"})
    from migration_gate.core.checksum import checksum_of_bytes
    from migration_gate.history.info import render_json

    info = info_of(monkeypatch, git_repo.path, "flyway", "migrations")
    row = json.loads(render_json(info))["migrations"][0]
    assert list(row) == [
        "path",
        "kind",
        "version",
        "description",
        "checksum",
        "state",
        "previous_path",
        "rollback",
        "database",
    ]
    assert row["checksum"] == checksum_of_bytes(b"SELECT 1;\n")


# --------------------------------------------------------------------------- renames and re-saves, the rest of the runners

RENAMES = {
    # layout: (folder, merged files, the rename keeping the version, the renumbering)
    "golang-migrate": (
        ("migrations/000001_create_users.up.sql", "migrations/000001_users.up.sql"),
        ("migrations/000002_create_orders.up.sql", "migrations/000003_create_orders.up.sql"),
        ("000001", "000002", "000003"),
    ),
    "dbmate": (
        ("db/migrations/20240101000000_create_users.sql", "db/migrations/20240101000000_users.sql"),
        ("db/migrations/20240102000000_create_orders.sql", "db/migrations/20240103000000_create_orders.sql"),
        ("20240101000000", "20240102000000", "20240103000000"),
    ),
    "pop": (
        ("migrations/20240101000000_create_users.up.sql", "migrations/20240101000000_users.up.sql"),
        ("migrations/20240102000000_create_orders.up.sql", "migrations/20240103000000_create_orders.up.sql"),
        ("20240101000000", "20240102000000", "20240103000000"),
    ),
}


@pytest.mark.parametrize("layout", sorted(RENAMES))
def test_rename_keeping_the_version_is_info_and_renumbering_runs_again(git_repo, monkeypatch, layout):
    folder, files, _first, _what, who = CHECKSUMLESS[layout]
    sha = merged(git_repo, files)
    (kept_from, kept_to), (moved_from, moved_to), (v1, v2, v3) = RENAMES[layout]
    git_repo.git("mv", kept_from, kept_to)
    git_repo.git("mv", moved_from, moved_to)
    assert history_findings(monkeypatch, git_repo.path, layout, folder) == [
        (
            "MG306",
            "info",
            kept_to,
            1,
            1,
            f"version {v1} is merged on the base ({sha}) as {kept_from} and was renamed to {kept_to}, keeping its "
            f"version: {who} identifies it by its version, so nothing runs again",
        ),
        (
            "MG306",
            "error",
            moved_to,
            1,
            1,
            f"version {v2} is merged on the base ({sha}) as {moved_from} and was renamed to {moved_to}: {who} "
            f"identifies migrations by version, so databases that applied version {v2} run it again as version {v3}",
        ),
    ]


def test_atlas_whitespace_edit_and_rename(git_repo, monkeypatch):
    sha = merged(git_repo, atlas_files())
    git_repo.write("migrations/20240101000000_users.sql", "CREATE TABLE users  (id bigint);\n")
    git_repo.git("mv", "migrations/20240102000000_index.sql", "migrations/20240102000000_users_id.sql")
    rehash(git_repo)
    assert history_findings(monkeypatch, git_repo.path, "atlas", "migrations") == [
        (
            "MG306",
            "info",
            "migrations/20240101000000_users.sql",
            1,
            1,
            f"version 20240101000000 is merged on the base ({sha}) and was edited, but only in comments, whitespace "
            "or line endings: Atlas never compares an applied file with its revision once atlas.sum is re-hashed, and "
            "the SQL it would run is unchanged; atlas.sum must still be re-hashed",
        ),
        (
            "MG306",
            "info",
            "migrations/20240102000000_users_id.sql",
            1,
            1,
            f"version 20240102000000 is merged on the base ({sha}) as migrations/20240102000000_index.sql and was "
            "renamed to migrations/20240102000000_users_id.sql, keeping its version: Atlas identifies it by its "
            "version, so nothing runs again (atlas.sum must be re-hashed: it hashes file names)",
        ),
    ]


@pytest.mark.parametrize("how", ["crlf", "whitespace"])
def test_drizzle_resave_keeping_the_sql_is_info(git_repo, monkeypatch, how):
    sha = merged(git_repo, DRIZZLE)
    text = DRIZZLE["drizzle/0001_orders.sql"]
    git_repo.write(
        "drizzle/0001_orders.sql", crlf(text) if how == "crlf" else text.replace('"orders" (', '"orders"  (')
    )
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == [
        (
            "MG306",
            "info",
            "drizzle/0001_orders.sql",
            1,
            1,
            f"migration 0001_orders is merged on the base ({sha}) and was edited, but only in comments, whitespace or line "
            "endings: drizzle stores a hash of each migration but never compares it, and never runs an applied one "
            "again, and the SQL it would run is unchanged",
        )
    ]


def test_drizzle_v1_folder_rename_runs_again(git_repo, monkeypatch):
    sha = merged(git_repo, {"drizzle/20240101000000_init/migration.sql": 'CREATE TABLE "users" ("id" integer);\n'})
    git_repo.git("mv", "drizzle/20240101000000_init", "drizzle/20240101000000_users")
    assert history_findings(monkeypatch, git_repo.path, "drizzle", "drizzle") == [
        (
            "MG306",
            "error",
            "drizzle/20240101000000_users/migration.sql",
            1,
            1,
            f"migration `20240101000000_init` is merged on the base ({sha}) as "
            "drizzle/20240101000000_init/migration.sql and was renamed to drizzle/20240101000000_users/migration.sql: "
            "drizzle identifies a migration by its folder name, so it runs `20240101000000_users` again where "
            "`20240101000000_init` was applied",
        )
    ]


def test_sqitch_whitespace_only_edit_of_a_deploy_script_is_a_warning(git_repo, monkeypatch):
    merged(git_repo, SQITCH)
    git_repo.write("db/deploy/orders.sql", "BEGIN;\nCREATE TABLE orders  (id bigint);\n-- orders\nCOMMIT;\n")
    found = history_findings(monkeypatch, git_repo.path, "sqitch", "db")
    assert [(f[0], f[1], f[2], f[3]) for f in found] == [("MG306", "warning", "db/deploy/orders.sql", 2)]
    assert found[0][5].endswith('`sqitch check` fails ("Script signatures diverge at change orders @v1")')


def test_sqitch_rework_script_is_the_first_rework_tag_that_has_a_file(git_repo, monkeypatch):
    plan = PLAN + "@v2 2024-01-02T00:00:02Z Dev <dev@example.com> # tag v2\n"
    merged(git_repo, {**SQITCH, "db/sqitch.plan": plan})
    # Reworked after two tags; the old script kept under the second one (Plan/Change.pm: the first tag with a file).
    git_repo.write("db/deploy/users@v2.sql", SQITCH["db/deploy/users.sql"])
    git_repo.write("db/deploy/users.sql", "BEGIN;\nALTER TABLE users ADD COLUMN email text;\nCOMMIT;\n")
    git_repo.write("db/sqitch.plan", plan + "users [users@v2] 2024-01-03T00:00:00Z Dev <dev@example.com> # email\n")
    assert history_findings(monkeypatch, git_repo.path, "sqitch", "db") == []


def test_atlas_sum_of_a_golang_migrate_format_directory_covers_the_up_files(git_repo, monkeypatch):
    # atlas.hcl `format = golang-migrate` (openmeter in the runner corpus): atlas.sum lists the .up.sql files only.
    hcl = 'env "local" {\n  migration {\n    dir = "file://migrations"\n    format = golang-migrate\n  }\n}\n'
    up = {"20240101000000_users.up.sql": ATLAS_1, "20240102000000_index.up.sql": "SELECT 1;\n"}
    files = {f"migrations/{name}": text for name, text in up.items()}
    files["migrations/20240101000000_users.down.sql"] = "DROP TABLE users;\n"
    files["migrations/atlas.sum"] = atlas.sum_of([(n, t.encode()) for n, t in up.items()])
    merged(git_repo, {**files, "atlas.hcl": hcl})
    git_repo.write("migrations/20240103000000_more.up.sql", "SELECT 2;\n")
    git_repo.write("migrations/20240103000000_more.down.sql", "SELECT 3;\n")
    found = history_findings(monkeypatch, git_repo.path, "atlas", "migrations")
    assert [(f[2], f[3], f[5].split(": ")[1]) for f in found] == [
        ("migrations/atlas.sum", 4, "20240103000000_more.up.sql is not listed (added without `atlas migrate hash`)")
    ]


def test_a_flag_mentioned_in_documentation_is_not_a_setting(git_repo, monkeypatch):
    files = {
        **CHECKSUMLESS["goose"][1],
        **GOOSE_5,
        "docs/MIGRATIONS.md": "Never run `goose -allow-missing up` in production.\n",
    }
    merged(git_repo, files)
    git_repo.write("migrations/00003_backfill.sql", "-- +goose Up\nSELECT 1;\n")
    assert [f[1] for f in history_findings(monkeypatch, git_repo.path, "goose", "migrations")] == ["error"]


SECTIONED = ("goose", "dbmate", "sql-migrate")


@pytest.mark.parametrize("layout", SECTIONED)
def test_an_edit_of_the_down_section_only_is_info(git_repo, monkeypatch, layout):
    """What the migration applied is unchanged: no database diverges; only a rollback runs the new SQL."""
    folder, files, (path, text, _), what, _ = CHECKSUMLESS[layout]
    sha = merged(git_repo, files)
    git_repo.write(path, text.replace("DROP TABLE users;", "DROP TABLE IF EXISTS users;"))
    down_line = text.splitlines().index("DROP TABLE users;") + 1
    assert history_findings(monkeypatch, git_repo.path, layout, folder) == [
        (
            "MG306",
            "info",
            path,
            down_line,
            1,
            f"{what} is merged on the base ({sha}) and only its down section was edited: the SQL it applied is "
            "unchanged, so every database keeps the same schema; a rollback now runs the new down section",
        )
    ]


@pytest.mark.parametrize("layout", SECTIONED)
def test_an_edit_of_both_sections_is_still_an_error(git_repo, monkeypatch, layout):
    folder, files, (path, text, line), what, who = CHECKSUMLESS[layout]
    sha = merged(git_repo, files)
    edited = text.replace("DROP TABLE users;", "DROP TABLE IF EXISTS users;").replace("(id bigint)", "(id int)", 1)
    git_repo.write(path, edited)
    [(code, level, at, at_line, _, message)] = history_findings(monkeypatch, git_repo.path, layout, folder)
    assert (code, level, at, at_line) == ("MG306", "error", path, line)
    assert message.startswith(f"{what} is merged on the base ({sha}) and was edited: {who} keeps no checksum")
