"""The two builds: the pure package by default, a mypyc-compiled core with MIGRATION_GATE_COMPILE=1.

The build backend's hooks are called as a frontend calls them (pyproject_hooks, a separate process).
The same suite runs against both builds (.ci/run): with MIGRATION_GATE_EXPECT_COMPILED=1 the core
modules imported must be the compiled extension modules of an installed wheel, without it the sources.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from conftest import EXPECT_COMPILED, REPO

sys.path.insert(0, str(REPO / "build_backend"))
import migration_gate_build


def hooks(env: dict[str, str]):
    from pyproject_hooks import BuildBackendHookCaller

    def runner(cmd, cwd=None, extra_environ=None):
        done = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(extra_environ or {}), **env}, capture_output=True)
        if done.returncode != 0:
            raise HookFailed(done.stderr.decode())

    return BuildBackendHookCaller(str(REPO), "migration_gate_build", backend_path=["build_backend"], runner=runner)


class HookFailed(Exception):
    pass


def module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def test_pure_build_asks_for_setuptools_only():
    requires = hooks({"MIGRATION_GATE_COMPILE": ""}).get_requires_for_build_wheel()
    assert not any(r.startswith("mypy") for r in requires), requires


def test_compiled_build_asks_for_mypyc():
    requires = hooks({"MIGRATION_GATE_COMPILE": "1"}).get_requires_for_build_wheel()
    assert migration_gate_build.MYPYC_REQUIREMENT in requires


@pytest.mark.parametrize("hook", ["get_requires_for_build_wheel", "build_wheel"])
def test_compile_without_a_compiler_fails_saying_so(hook, tmp_path):
    caller = hooks({"MIGRATION_GATE_COMPILE": "1", "CC": str(tmp_path / "no-such-cc")})
    args = (str(tmp_path),) if hook == "build_wheel" else ()
    with pytest.raises(HookFailed) as failed:
        getattr(caller, hook)(*args)
    message = failed.value.args[0].strip().splitlines()[-1]
    assert message.startswith(
        "migration-gate build: error: MIGRATION_GATE_COMPILE=1 asks for a compiled core, but no C compiler "
        f"could build a Python extension here ({tmp_path / 'no-such-cc'} "
    ), message
    assert message.endswith(
        "Install a C compiler and the Python headers (Debian: apt-get install gcc python3-dev), or unset "
        "MIGRATION_GATE_COMPILE to build the pure-Python package"
    )
    assert not list(tmp_path.glob("*.whl"))


def test_compiled_editable_install_is_refused(tmp_path):
    with pytest.raises(HookFailed) as failed:
        hooks({"MIGRATION_GATE_COMPILE": "1"}).build_editable(str(tmp_path))
    assert failed.value.args[0].strip().splitlines()[-1] == (
        "migration-gate build: error: MIGRATION_GATE_COMPILE=1 builds a compiled wheel; an editable install runs "
        "the sources as they are edited. Unset MIGRATION_GATE_COMPILE for `pip install -e`, or install without -e"
    )


def test_every_core_module_is_compiled_but_the_rule_bases():
    every, compiled = migration_gate_build.core_modules()
    assert "migration_gate/core/parse.py" in compiled and "migration_gate/core/rules/registry.py" in compiled
    assert sorted(set(every) - set(compiled)) == ["migration_gate/core/rules/base.py"]
    assert len(every) == len(list((REPO / "migration_gate" / "core").rglob("*.py")))


def test_the_core_imported_is_the_build_under_test():
    """Compiled run: every compiled module is an extension module of the installed wheel; otherwise sources."""
    import migration_gate

    every, compiled = migration_gate_build.core_modules()
    kinds = {}
    for path in every:
        module = importlib.import_module(module_name(path))
        kinds[path] = (
            "extension" if module.__file__.endswith(tuple(EXTENSION_SUFFIXES)) else Path(module.__file__).suffix
        )
    if EXPECT_COMPILED:
        assert {p: k for p, k in kinds.items() if k != "extension"} == {"migration_gate/core/rules/base.py": ".py"}
        assert REPO not in Path(migration_gate.__file__).resolve().parents  # the wheel, not this checkout
    else:
        assert set(kinds.values()) == {".py"}


def test_compiled_rules_keep_their_pages():
    """mypyc drops class docstrings: a compiled rule's page is read from its source, the same text."""
    from migration_gate.core.rules.non_concurrent_index_creation import NonConcurrentIndexCreation

    page = NonConcurrentIndexCreation.documentation()
    assert page.startswith("`CREATE INDEX` on an existing table without `CONCURRENTLY`.\n\n## What it does\n")
    assert NonConcurrentIndexCreation.summary() == "`CREATE INDEX` on an existing table without `CONCURRENTLY`."


def test_every_rule_page_reads_the_same_from_its_source():
    """The fallback for compiled rules, checked in both builds: the source's docstring is the page."""
    import inspect

    from migration_gate.core.rules import base, registry

    for rule in registry.ALL_RULES:
        in_source = base._docstring_in_source(rule.__module__, rule.__name__)
        assert inspect.cleandoc(in_source) == rule.documentation() != "", rule.name


def test_every_layout_page_reads_the_same_from_its_source():
    """Layout pages are module docstrings, which compiled modules drop too: the source's is the page."""
    import inspect
    import sys

    from migration_gate.core.runners import LAYOUTS
    from migration_gate.core.runners.sqltext import module_docstring_in_source

    for name, runner in LAYOUTS.items():
        module = sys.modules[type(runner).__module__]
        in_source = module_docstring_in_source(module.__name__, module.__file__)
        assert inspect.cleandoc(in_source).strip() == runner.documentation() != "", name
        assert runner.documentation().startswith("# "), name
