"""Versions compare as the runners compare them; discovery classifies real layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_gate.core.config import Config
from migration_gate.core.version import InvalidVersion, flyway_version, updown_version
from migration_gate.discovery import build_project, classify


@pytest.mark.parametrize("a,b", [("1", "001"), ("1", "1.0"), ("1", "1_0_0"), ("2.0.1", "2_0_1"), ("010", "10")])
def test_flyway_equal_versions(a, b):
    assert flyway_version(a) == flyway_version(b)
    assert hash(flyway_version(a)) == hash(flyway_version(b))


@pytest.mark.parametrize(
    "low,high",
    [
        ("1.9", "1.10"),
        ("1", "1.1"),
        ("1.0.1", "1.1"),
        ("9", "10"),
        ("7.0_2020.10.31", "7.1"),
        ("20201207", "20201207_10523"),
    ],
)
def test_flyway_order(low, high):
    assert flyway_version(low) < flyway_version(high)


@pytest.mark.parametrize("bad", ["", "1a", "1..2x", "a", "1-2", "١"])
def test_flyway_invalid(bad):
    with pytest.raises(InvalidVersion):
        flyway_version(bad)


def test_updown_versions():
    assert updown_version("2024-03-05-120032") == updown_version("20240305120032")
    assert updown_version("20140924113530") < updown_version("2024-03-05-120032")
    assert updown_version("1510262030") < updown_version("1554469235")


def _classify(rel: str, layout: str = "flyway"):
    config = Config(layout=layout)
    location = Path("/repo/migrations")
    return classify(location / rel, rel, location, config)


@pytest.mark.parametrize(
    "rel,kind,version,problem",
    [
        ("V001__initial_schema.sql", "versioned", "001", False),
        ("V2.1__add_email.sql", "versioned", "2.1", False),
        ("R__views.sql", "repeatable", None, False),
        ("rollback/V001__rollback.sql", "rollback", "001", False),
        ("U3__undo_three.sql", "rollback", "3", False),
        ("seeds/development.sql", "other", None, False),
        ("afterMigrate__upsert.sql", "other", None, False),
        ("v2__x.sql", "other", None, True),
        ("V2_x.sql", "other", None, True),
        ("V2__.sql", "versioned", "2", True),
        ("V2__Add Users.sql", "versioned", "2", True),
        ("V6.1.0.6.sql", "versioned", "6.1.0.6", True),
    ],
)
def test_flyway_classification(rel, kind, version, problem):
    migration = _classify(rel)
    assert migration.kind == kind
    assert (str(migration.version) if migration.version else None) == version
    assert bool(migration.name_problem) == problem


def test_rollback_keeps_flyways_view():
    rollback = _classify("rollback/V001__rollback.sql")
    assert rollback.kind == "rollback"
    assert rollback.flyway_version == flyway_version("1")  # Flyway loads it as a second V1
    assert _classify("U1__undo.sql").flyway_version is None


@pytest.mark.parametrize(
    "rel,kind,version,autocommit",
    [
        ("1510262030_initial_schema.up.sql", "versioned", "1510262030", False),
        ("1510262030_initial_schema.down.sql", "rollback", "1510262030", False),
        ("2024-03-05-120032_add-index/up.sql", "versioned", "2024-03-05-120032", False),
        ("2019-11-15-182353_Add email notifications/down.sql", "rollback", "2019-11-15-182353", False),
        ("20260703000000000000_idx.postgres.autocommit.up.sql", "versioned", "20260703000000000000", True),
        ("20210311102338000015_form_refactoring.postgres.up.sql", "versioned", "20210311102338000015", False),
        ("20210311102338000015_form_refactoring.mysql.up.sql", "other", None, False),
    ],
)
def test_updown_classification(rel, kind, version, autocommit):
    migration = _classify(rel, "up-down")
    assert migration.kind == kind
    assert (migration.version.text if kind != "other" else None) == version
    assert migration.autocommit == autocommit
    assert migration.name_problem is None


def test_updown_bad_names():
    assert _classify("data_oauth_github.sql", "up-down").name_problem
    assert _classify("initial/up.sql", "up-down").name_problem


def test_pop_prefers_postgres_twin(tmp_path):
    for name in (
        "20260616000000000000_idx.postgres.autocommit.up.sql",
        "20260616000000000000_idx.autocommit.up.sql",
        "20260616000000000000_idx.down.sql",
    ):
        (tmp_path / name).write_text("SELECT 1;")
    project = build_project([(tmp_path, "m")], Config(layout="up-down"))
    kinds = {f.name: f.kind for f in project.files}
    assert kinds == {
        "20260616000000000000_idx.postgres.autocommit.up.sql": "versioned",
        "20260616000000000000_idx.autocommit.up.sql": "other",
        "20260616000000000000_idx.down.sql": "rollback",
    }
