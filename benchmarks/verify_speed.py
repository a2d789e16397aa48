#!/usr/bin/env python3
"""Benchmark: `migration-gate verify` over a generated 100-migration history.

Every migration has a correct rollback, so each one is applied (traced
statement by statement), rolled back, compared, and applied again.  The
history grows a realistic schema: tables with foreign keys, columns added
with defaults, indexes (some CONCURRENTLY, in their own files), check
constraints added NOT VALID then validated, a view and a function rewritten
along the way.  The budget (issue 6) is 15 seconds for the whole run,
server start included.

    .venv/bin/python benchmarks/verify_speed.py [--migrations 100] [--keep-project DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_SECONDS = 15.0


def generate(folder: Path, count: int) -> None:
    migrations = folder / "migrations"
    (migrations / "rollback").mkdir(parents=True)
    (folder / ".migration-gate.yml").write_text("migrations:\n  path: migrations\n  layout: flyway\n")
    tables: list[str] = []
    view_table: str | None = None
    for n in range(1, count + 1):
        kind = n % 5
        if kind == 1 or not tables:
            table = f"t{n:03d}"
            parent = tables[-1] if tables else None
            fk = f",\n    {parent}_id bigint REFERENCES {parent} (id)" if parent else ""
            up = (
                f"CREATE TABLE {table} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
                f"    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now(){fk}\n);\n"
            )
            down = f"DROP TABLE {table};\n"
            tables.append(table)
        elif kind == 2:
            table = tables[-1]
            up = (
                f"ALTER TABLE {table} ADD COLUMN status text NOT NULL DEFAULT 'new';\n"
                f"ALTER TABLE {table} ADD COLUMN note varchar(200);\n"
                f"CREATE INDEX idx_{table}_status ON {table} (status) WHERE status <> 'done';\n"
            )
            down = (
                f"DROP INDEX idx_{table}_status;\nALTER TABLE {table} DROP COLUMN note;\n"
                f"ALTER TABLE {table} DROP COLUMN status;\n"
            )
        elif kind == 3:
            table = tables[-1]
            up = (
                f"ALTER TABLE {table} ADD CONSTRAINT {table}_name_length CHECK (length(name) < 500) NOT VALID;\n"
                f"ALTER TABLE {table} VALIDATE CONSTRAINT {table}_name_length;\n"
                f"ALTER TABLE {table} ALTER COLUMN note SET DEFAULT '';\n"
            )
            down = (
                f"ALTER TABLE {table} ALTER COLUMN note DROP DEFAULT;\n"
                f"ALTER TABLE {table} DROP CONSTRAINT {table}_name_length;\n"
            )
        elif kind == 4:
            table = tables[-1]
            up = f"CREATE INDEX CONCURRENTLY idx_{table}_created ON {table} (created_at);\n"
            down = f"DROP INDEX CONCURRENTLY idx_{table}_created;\n"
        else:
            table = tables[-1]
            up = _view_and_function(table)
            # The rollback puts back what the previous migration of this kind created.
            down = (
                _view_and_function(view_table) if view_table else "DROP VIEW recent;\nDROP FUNCTION count_recent();\n"
            )
            view_table = table
        (migrations / f"V{n:03d}__step_{n:03d}.sql").write_text(up)
        (migrations / "rollback" / f"V{n:03d}__rollback.sql").write_text(down)


def _view_and_function(table: str) -> str:
    return (
        f"CREATE OR REPLACE VIEW recent AS SELECT id, name, created_at FROM {table}\n"
        f"    WHERE created_at > now() - interval '1 day';\n"
        f"CREATE OR REPLACE FUNCTION count_recent() RETURNS bigint LANGUAGE sql STABLE\n"
        f"    AS $$ SELECT count(*) FROM {table} $$;\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", type=int, default=100)
    parser.add_argument("--keep-project", metavar="DIR", help="write the generated project here and keep it")
    args = parser.parse_args()
    folder = Path(args.keep_project) if args.keep_project else Path(tempfile.mkdtemp(prefix="mg-bench-"))
    if folder.exists() and any(folder.iterdir()):
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        generate(folder, args.migrations)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "migration_gate", "verify", "--format", "json"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
    finally:
        if not args.keep_project:
            shutil.rmtree(folder, ignore_errors=True)
    import json

    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
        return 2
    report = json.loads(done.stdout)
    errors = [v for v in report["violations"] if v["severity"] == "error"]
    print(
        f"verify: {args.migrations} migrations, {report['summary']['statements']} statements, "
        f"{len(report['files'])} files, {len(errors)} errors, {elapsed:.2f} s "
        f"(budget {BUDGET_SECONDS:.0f} s: {'ok' if elapsed <= BUDGET_SECONDS else 'OVER'})"
    )
    for v in errors[:10]:
        print(f"  {v['path']}:{v['line']}: {v['rule']}: {v['message']}")
    return 0 if elapsed <= BUDGET_SECONDS and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
