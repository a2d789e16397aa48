"""Unqualified names resolve where the runner's session puts them: Flyway's defaultSchema (prepended to
search_path), a search_path in a committed database URL; ``public`` otherwise."""

from __future__ import annotations

import pytest

from migration_gate.core.names import default_schema_of

INDEX = "CREATE INDEX idx_orders_customer ON orders (customer_id);\n"
MESSAGE = (
    "CREATE INDEX on orders without CONCURRENTLY holds a SHARE lock on orders (blocks writes; reads continue) "
    "while it reads the whole table"
)


def findings(cli, repo, *rules: str):
    args = ["check", "--no-cache", "--format", "json", "--base", "main"]
    for rule in rules:
        args += ["--rule", rule]
    result = cli(*args, cwd=repo.path)
    assert result.code in (0, 1), result.err
    return [(v["path"], v["line"], v["column"], v["message"]) for v in result.json()["violations"]]


def flyway_repo(git_repo, conf: str | None):
    if conf is not None:
        git_repo.write("flyway.conf", conf)
    git_repo.write("db/migration/V1__customers.sql", "CREATE TABLE customers (id bigint PRIMARY KEY);\n")
    git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "feature")
    return git_repo


def test_a_table_created_qualified_in_the_default_schema_is_new_for_an_unqualified_index(cli, git_repo):
    repo = flyway_repo(git_repo, "flyway.defaultSchema=app\n")
    repo.write("db/migration/V2__orders.sql", "CREATE TABLE app.orders (id bigint, customer_id bigint);\n")
    repo.write("db/migration/V3__idx.sql", INDEX)
    assert findings(cli, repo, "non-concurrent-index-creation") == []


def test_without_the_setting_the_same_names_are_two_tables(cli, git_repo):
    repo = flyway_repo(git_repo, None)
    repo.write("db/migration/V2__orders.sql", "CREATE TABLE app.orders (id bigint, customer_id bigint);\n")
    repo.write("db/migration/V3__idx.sql", INDEX)
    assert findings(cli, repo, "non-concurrent-index-creation") == [("db/migration/V3__idx.sql", 1, 37, MESSAGE)]


def test_public_is_not_the_default_schema_when_flyway_says_so(cli, git_repo):
    """The merged V1 created `orders` in app; the added V2 creates public.orders: the index is on app.orders,
    a table every database already has (before: public.orders counted, the hazard was waved through)."""
    repo = git_repo
    repo.write("flyway.conf", "flyway.schemas=app,reporting\n")
    repo.write("db/migration/V1__orders.sql", "CREATE TABLE orders (id bigint, customer_id bigint);\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("db/migration/V2__public_orders.sql", "CREATE TABLE public.orders (id bigint, customer_id bigint);\n")
    repo.write("db/migration/V3__idx.sql", INDEX)
    assert findings(cli, repo, "non-concurrent-index-creation") == [("db/migration/V3__idx.sql", 1, 37, MESSAGE)]


def test_a_search_path_in_a_committed_url(cli, git_repo):
    repo = git_repo
    repo.write(".env", "DATABASE_URL=postgres://app@localhost:5432/app?sslmode=disable&search_path=billing,public\n")
    repo.write("migrations/000001_customers.up.sql", "CREATE TABLE customers (id bigint PRIMARY KEY);\n")
    repo.write("migrations/000001_customers.down.sql", "DROP TABLE customers;\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("migrations/000002_orders.up.sql", "CREATE TABLE billing.orders (id bigint, customer_id bigint);\n")
    repo.write("migrations/000002_orders.down.sql", "DROP TABLE billing.orders;\n")
    repo.write("migrations/000003_idx.up.sql", INDEX)
    repo.write("migrations/000003_idx.down.sql", "DROP INDEX idx_orders_customer;\n")
    assert findings(cli, repo, "non-concurrent-index-creation") == []


@pytest.mark.parametrize(
    ("options", "schema"),
    [
        ({}, "public"),
        ({"default-schema": "App"}, "app"),
        ({"default-schema": '"App"'}, "App"),
        ({"search_path": '"$user", public'}, "public"),
        ({"search_path": "$user,billing"}, "billing"),
        ({"default-schema": "app", "search_path": "billing"}, "app"),
    ],
)
def test_default_schema_of(options, schema):
    assert default_schema_of(options) == schema
