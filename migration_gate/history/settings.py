"""The runner settings a repository holds that decide what the runner does with an out-of-order or an
edited migration (see :mod:`migration_gate.history.integrity`): Flyway's ``outOfOrder``, goose's
``-allow-missing``, dbmate's ``--strict``, Atlas's ``exec_order``, sqlx's ``ignored-chars``, the Liquibase
version.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.context import RunnerSetting
from .repo_files import LINE_BREAK, ancestors, grep, read_optional, shown


def _flyway_out_of_order(location: Path, root: Path | None) -> RunnerSetting | None:
    for folder in ancestors(location, root):
        found: RunnerSetting | None = None
        for name in ("flyway.toml", "flyway.user.toml"):  # merged in this order: the user file wins
            text = read_optional(folder / name)
            if text is None:
                continue
            import tomllib  # here: only a project with a flyway.toml needs it (10 ms at start)

            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue
            section = data.get("flyway")
            value = section.get("outOfOrder") if isinstance(section, dict) else None
            if isinstance(value, bool):
                found = RunnerSetting("outOfOrder", str(value).lower(), shown(folder / name, root))
        if found is not None:
            return found
        for name in ("flyway.conf", "conf/flyway.conf"):
            text = read_optional(folder / name)
            if text is None:
                continue
            for line in LINE_BREAK.split(text):
                match = re.fullmatch(r"\s*flyway\.outOfOrder\s*[=:]\s*(\S+)\s*", line)
                if match:
                    found = RunnerSetting("outOfOrder", match.group(1).lower(), shown(folder / name, root))
            if found is not None:
                return found
    return None


def _goose_allow_missing(root: Path | None) -> RunnerSetting | None:
    pattern = r"(^|[^A-Za-z_-])--?allow-missing\b|WithAllowMissing\(|WithAllowOutofOrder\(true\)"
    for path, number, _text in grep(root, pattern):
        return RunnerSetting("allow-missing", "true", f"{path}:{number}")
    return None


def _dbmate_strict(root: Path | None) -> RunnerSetting | None:
    for path, number, text in grep(root, r"DBMATE_STRICT|--strict"):
        strict_env = re.search(r"DBMATE_STRICT\s*[:=]\s*[\"']?(true|1|yes)\b", text, re.I)
        if strict_env or ("--strict" in text and "dbmate" in text.lower()):
            return RunnerSetting("strict", "true", f"{path}:{number}")
    return None


def _atlas_exec_order(location: Path, root: Path | None) -> RunnerSetting | None:
    for folder in ancestors(location, root):
        text = read_optional(folder / "atlas.hcl")
        if text is None:
            continue
        match = re.search(r"\bexec_order\s*=\s*\"?([A-Za-z_-]+)", text)
        if match:
            order = match.group(1).lower().replace("_", "-")
            return RunnerSetting("exec_order", order, shown(folder / "atlas.hcl", root))
    for path, number, text in grep(root, r"--exec-order[= ]+[A-Za-z_-]+"):
        match = re.search(r"--exec-order[= ]+([A-Za-z_-]+)", text)
        if match:
            return RunnerSetting("exec_order", match.group(1).lower().replace("_", "-"), f"{path}:{number}")
    return None


def _sqlx_ignored_chars(location: Path, root: Path | None) -> RunnerSetting | None:
    for folder in ancestors(location, root):
        text = read_optional(folder / "sqlx.toml")
        if text is None:
            continue
        from ..core.integrity import sqlx  # sqlx projects only

        chars = sqlx.ignored_chars(text)
        if chars:
            return RunnerSetting("ignored-chars", "".join(chars), shown(folder / "sqlx.toml", root))
        return None
    return None


_LIQUIBASE_VERSION = re.compile(
    r"liquibase(?:-core)?(?:[\"']?\s*[:=]\s*[\"']?[\^~>=v]*|:|/liquibase:|</artifactId>\s*<version>)\s*(\d+)\.(\d+)",
    re.I,
)


def _liquibase_checksum_version(root: Path | None) -> RunnerSetting | None:
    """Checksum version 8 when the repository pins Liquibase below 4.22, else 9 (4.22 and later)."""
    for path, number, text in grep(root, r"liquibase"):
        match = _LIQUIBASE_VERSION.search(text)
        if match:
            major, minor = int(match.group(1)), int(match.group(2))
            version = "8" if (major, minor) < (4, 22) else "9"
            return RunnerSetting("checksum-version", version, f"{path}:{number} (Liquibase {major}.{minor})")
    return None


def read_settings(layout: str, location: Path, root: Path | None) -> dict[str, RunnerSetting]:
    """The settings of this folder's runner that the repository holds."""
    found: RunnerSetting | None = None
    if layout == "flyway":
        found = _flyway_out_of_order(location, root)
    elif layout == "goose":
        found = _goose_allow_missing(root)
    elif layout == "dbmate":
        found = _dbmate_strict(root)
    elif layout == "atlas":
        found = _atlas_exec_order(location, root)
    elif layout == "sqlx":
        found = _sqlx_ignored_chars(location, root)
    elif layout == "liquibase":
        found = _liquibase_checksum_version(root)
    return {found.name: found} if found is not None else {}
