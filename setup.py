"""setuptools reads the project from pyproject.toml; this file only adds the compiled core.

The extension modules come from the build backend (build_backend/migration_gate_build.py), and only
when it builds a wheel with MIGRATION_GATE_COMPILE=1: otherwise there are none and the package is pure.
"""

import sys
from pathlib import Path

from setuptools import setup

sys.path.insert(0, str(Path(__file__).resolve().parent / "build_backend"))
from migration_gate_build import extensions

setup(ext_modules=extensions())
