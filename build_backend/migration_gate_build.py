"""The build backend: setuptools, plus a core compiled with mypyc when asked for.

    pip install .                                   # the pure-Python package (needs setuptools only)
    MIGRATION_GATE_COMPILE=1 pip install .          # the core compiled with mypyc (needs a C compiler)
    MIGRATION_GATE_COMPILE=1 python -m build        # a compiled wheel (and the sdist it is built from)

Every hook is setuptools.build_meta's.  Only a wheel build with the variable set differs: it asks for
mypy (which brings mypyc) as an extra build requirement, checks that a C compiler and the Python
headers work, and hands setup.py the extension modules (:func:`extensions`).  The compiled modules
come from the same sources as the pure package, which stays the fallback and the source of truth; the
wheel carries both (an extension module is imported before a ``.py`` of the same name).

A build asked to compile that cannot (no compiler, no headers, no mypyc without build isolation) stops
with one message instead of quietly producing the pure package.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import NoReturn

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 - the PEP 517 hooks this module does not change

VARIABLE = "MIGRATION_GATE_COMPILE"
#: The mypy (mypyc) release the compiled core is built and tested with: a build requirement only,
#: never a runtime one (the compiled modules need nothing of mypy at run time).
MYPYC_REQUIREMENT = "mypy==2.4.1"
ROOT = Path(__file__).resolve().parent.parent
CORE = "migration_gate/core"
#: Core modules left to the interpreter, each with the reason.
NOT_COMPILED = {
    "migration_gate/core/rules/base.py": (
        "the rule base classes: a rule may be two kinds at once (duplicate-migration-version is a ProjectRule "
        "and a ChangeSetRule), and mypyc's native classes allow single inheritance only; with interpreted "
        "bases the rule classes are regular Python classes, and their methods are still compiled"
    ),
}

_compiling_now = False  # set while build_wheel runs with the variable: setup.py asks extensions()


def compile_requested() -> bool:
    return os.environ.get(VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def core_modules() -> tuple[list[str], list[str]]:
    """(every core module, for mypy's analysis; the ones compiled), as paths relative to the project."""
    every = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / CORE).rglob("*.py"))
    return every, [p for p in every if p not in NOT_COMPILED]


def extensions() -> list[object]:
    """The extension modules of the compiled core (none unless this backend is building a compiled wheel)."""
    if not _compiling_now:
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _fail(
            f"{VARIABLE}=1 needs mypyc in the build environment ({MYPYC_REQUIREMENT}); with build isolation "
            "turned off, install it first (pip install mypy)"
        )
    every, compiled = core_modules()
    return list(mypycify(every, only_compile_paths=compiled, opt_level="3", group_name="migration_gate_core"))


def get_requires_for_build_wheel(config_settings: dict[str, object] | None = None) -> list[str]:
    requires = list(_setuptools.get_requires_for_build_wheel(config_settings))
    if compile_requested():
        check_compiler()
        requires.append(MYPYC_REQUIREMENT)
    return requires


def build_wheel(
    wheel_directory: str, config_settings: dict[str, object] | None = None, metadata_directory: str | None = None
) -> str:
    global _compiling_now
    if not compile_requested():
        return str(_setuptools.build_wheel(wheel_directory, config_settings, metadata_directory))
    check_compiler()
    _compiling_now = True
    try:
        return str(_setuptools.build_wheel(wheel_directory, config_settings, metadata_directory))
    finally:
        _compiling_now = False


def build_editable(
    wheel_directory: str, config_settings: dict[str, object] | None = None, metadata_directory: str | None = None
) -> str:
    if compile_requested():
        _fail(
            f"{VARIABLE}=1 builds a compiled wheel; an editable install runs the sources as they are edited. "
            f"Unset {VARIABLE} for `pip install -e`, or install without -e"
        )
    return str(_setuptools.build_editable(wheel_directory, config_settings, metadata_directory))


def check_compiler() -> None:
    """Compile a one-line extension source with the compiler setuptools would use, or stop saying why."""
    from distutils.ccompiler import new_compiler
    from distutils.errors import CCompilerError, DistutilsError
    from distutils.sysconfig import customize_compiler

    import setuptools  # noqa: F401 - provides distutils on every Python version

    include = sysconfig.get_paths()["include"]
    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.c"
        probe.write_text("#include <Python.h>\nint migration_gate_probe(void) { return 0; }\n")
        try:
            compiler.compile([str(probe)], output_dir=tmp, include_dirs=[include])
        except (CCompilerError, DistutilsError, OSError) as exc:
            command = " ".join(getattr(compiler, "compiler_so", None) or ["(the platform's C compiler)"])
            _fail(
                f"{VARIABLE}=1 asks for a compiled core, but no C compiler could build a Python extension here "
                f"({command}: {str(exc).strip() or type(exc).__name__}; Python headers looked for in {include}). "
                f"Install a C compiler and the Python headers (Debian: apt-get install gcc python3-dev), or unset "
                f"{VARIABLE} to build the pure-Python package"
            )


def _fail(message: str) -> NoReturn:
    print(f"migration-gate build: error: {message}", file=sys.stderr)
    raise SystemExit(1)
