"""Prisma 8 migration packages (`migrations/app/<dir>/migration.ts` + `ops.json`): the prisma layout covers Prisma
ORM 7 and earlier, and the gate says on stderr which folder it does not check (never silence, never a traceback)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import run_subprocess

LINE = (
    "migration-gate: migrations/app: prisma (Prisma 8 migration packages, <dir>/migration.ts and ops.json: not "
    "checked, the prisma layout covers Prisma ORM 7 and earlier, <folder>/migration.sql)"
)
SENTENCE = (
    "Prisma 8 migration packages, <dir>/migration.ts and ops.json: not checked, the prisma layout covers Prisma ORM 7 "
    "and earlier, <folder>/migration.sql"
)


def prisma8_project(root: Path) -> Path:
    """A tiny Prisma 8 project, shaped as `prisma migration plan` writes one (prisma.io docs, migration API)."""
    package = root / "migrations" / "app" / "20260101T1000_add_user"
    package.mkdir(parents=True)
    (root / "package.json").write_text(
        '{"dependencies": {"@prisma/orm-postgres": "8.0.0", "prisma": "8.0.0"}}\n', encoding="utf-8"
    )
    (root / "prisma.config.ts").write_text("export default {};\n", encoding="utf-8")
    (root / "contract.prisma").write_text("model User {\n  id Int @id\n}\n", encoding="utf-8")
    (package / "migration.ts").write_text(
        "import { Migration } from '@prisma/orm-postgres/migration';\n", encoding="utf-8"
    )
    (package / "migration.json").write_text('{"from": "sha256:a", "to": "sha256:b"}\n', encoding="utf-8")
    (package / "ops.json").write_text(
        '[{"id": "table.User", "execute": [{"sql": "CREATE TABLE \\"User\\" (id int4 PRIMARY KEY)"}]}]\n',
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_auto_layout_names_the_prisma8_folder(tmp_path):
    root = prisma8_project(tmp_path / "p8")
    result = run_subprocess("check", "--no-cache", cwd=root)
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == LINE
    assert "Traceback" not in result.err
    assert result.out.strip() == "0 errors, 0 warnings, 0 infos in 0 files (0 statements): gate passed"


def test_a_prisma8_folder_elsewhere_is_found_and_named(tmp_path, cli):
    """Not under the default `migrations` folder: the repository is searched, and the folder is named, not
    `migrations folder not found`."""
    root = prisma8_project(tmp_path / "p8")
    (root / "migrations").rename(root / "db")
    result = cli("check", "--no-cache", cwd=root)
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == LINE.replace("migrations/app", "db/app")


def test_configured_prisma_layout_names_the_prisma8_folder(tmp_path, cli):
    root = prisma8_project(tmp_path / "p8")
    (root / ".migration-gate.yml").write_text("migrations:\n  path: migrations\n  layout: prisma\n", encoding="utf-8")
    result = cli("check", "--no-cache", cwd=root)
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == f"migration-gate: migrations/app: {SENTENCE}"


def test_checking_the_prisma8_folder_itself_is_a_usage_error_that_says_why(tmp_path):
    root = prisma8_project(tmp_path / "p8")
    result = run_subprocess("check", "--no-cache", "migrations/app", cwd=root)
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "migration-gate: error: no migration files found in migrations/app (no .sql file in it or its subfolders; it "
        "holds Prisma 8 migration packages, <dir>/migration.ts and ops.json, which the gate does not check: the prisma "
        "layout covers Prisma ORM 7 and earlier, <folder>/migration.sql)"
    )
    assert "Traceback" not in result.err


def test_a_prisma7_folder_is_unchanged_by_the_prisma8_check(tmp_path, cli):
    """The twin: Prisma ≤ 7's migration.sql folders are found from migration_lock.toml and checked."""
    root = tmp_path / "p7"
    folder = root / "prisma" / "migrations" / "20240101000000_init"
    folder.mkdir(parents=True)
    (root / "prisma" / "migrations" / "migration_lock.toml").write_text('provider = "postgresql"\n', encoding="utf-8")
    (folder / "migration.sql").write_text("CREATE TABLE t (id int);\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    result = cli("check", "--no-cache", cwd=root)
    assert result.code == 0, result.err
    assert result.err.splitlines()[0] == (
        "migration-gate: prisma/migrations: prisma (from migration_lock.toml; Prisma version not found: assumed 7.3 "
        "or older, one query string per file)"
    )
    assert "in 1 file (1 statement)" in result.out


def prisma7_folder(root: Path, sql: str) -> None:
    folder = root / "prisma" / "migrations" / "20240101000000_init"
    folder.mkdir(parents=True)
    (root / "prisma" / "migrations" / "migration_lock.toml").write_text('provider = "postgresql"\n', encoding="utf-8")
    (folder / "migration.sql").write_text(sql, encoding="utf-8")


TWO = "CREATE TABLE t (id int, c int);\nCREATE INDEX CONCURRENTLY t_c_idx ON t (c);\n"


def test_prisma7_kept_beside_prisma8_takes_the_prisma7_cli_version(tmp_path, cli):
    """prisma/prisma8-and-7-example (package.json @47680456): `prisma` is 8, the Prisma 7 CLI that still applies
    migration.sql folders is `@prisma/prisma7`; its version decides the delivery, and both folders get their line."""
    root = prisma8_project(tmp_path / "p")
    (root / "package.json").write_text(
        '{"dependencies": {"@prisma/client": "7.10.0-dev.58", "@prisma/orm-postgres": "8.0.0-rc.11"},\n'
        ' "devDependencies": {"@prisma/prisma7": "7.10.0-dev.58", "prisma": "8.0.0-rc.15"}}\n',
        encoding="utf-8",
    )
    prisma7_folder(root, TWO)
    result = cli(
        "check", "--no-cache", "--format", "json", "--rule", "non-transactional-statement-in-transaction", cwd=root
    )
    assert result.code == 0, result.err
    assert result.err.splitlines()[:2] == [
        LINE,
        "migration-gate: prisma/migrations: prisma (from migration_lock.toml; Prisma 7.10.0-dev.58 from package.json: "
        "statements one at a time)",
    ]
    assert result.json()["violations"] == []


def test_only_prisma8_named_assumes_the_oldest_delivery_and_says_why(tmp_path, cli):
    root = prisma8_project(tmp_path / "p")
    prisma7_folder(root, TWO)
    result = cli(
        "check", "--no-cache", "--format", "json", "--rule", "non-transactional-statement-in-transaction", cwd=root
    )
    assert result.err.splitlines()[1] == (
        "migration-gate: prisma/migrations: prisma (from migration_lock.toml; Prisma 8.0.0 from package.json applies "
        "only Prisma 8 migration packages; the Prisma 7 version that applies migration.sql was not found: assumed 7.3 "
        "or older, one query string per file)"
    )
    assert [(v["path"], v["line"], v["severity"], v["message"]) for v in result.json()["violations"]] == [
        (
            "prisma/migrations/20240101000000_init/migration.sql",
            2,
            "warning",
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and here it runs in the implicit "
            "transaction of a query string that holds other statements too (Prisma sends the file as one query "
            "string; PostgreSQL runs several statements of one query as one transaction): PostgreSQL will reject the "
            "migration (Prisma 8.0.0 applies only Prisma 8 migration packages and the Prisma 7 version that applies "
            "migration.sql was not found: assumed 7.3 or older (one query string per file))",
        )
    ]


def test_the_lock_file_decides_over_a_range_and_prisma7_over_prisma8(tmp_path, cli):
    """pnpm-lock.yaml resolves both packages; the Prisma 7 CLI's resolved version is the one read."""
    root = prisma8_project(tmp_path / "p")
    (root / "package.json").write_text(
        '{"devDependencies": {"@prisma/prisma7": "^7.3.0", "prisma": "8.0.0-rc.15"}}\n', encoding="utf-8"
    )
    (root / "pnpm-lock.yaml").write_text(
        "packages:\n\n  prisma@8.0.0-rc.15:\n    resolution: {integrity: x}\n\n"
        "  '@prisma/prisma7@7.6.0':\n    resolution: {integrity: y}\n",
        encoding="utf-8",
    )
    prisma7_folder(root, TWO)
    result = cli("check", "--no-cache", cwd=root)
    assert result.err.splitlines()[1] == (
        "migration-gate: prisma/migrations: prisma (from migration_lock.toml; Prisma 7.6.0 from pnpm-lock.yaml: "
        "statements one at a time)"
    )
