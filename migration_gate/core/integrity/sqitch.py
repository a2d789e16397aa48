"""Sqitch's plan, change IDs and script hashes (App::Sqitch 1.3.1, PostgreSQL engine).

``App/Sqitch/Plan.pm`` reads ``sqitch.plan``: ``%pragma=value`` lines, then one
line per change (``name [requires] YYYY-MM-DDTHH:MM:SSZ Planner <email> # note``)
or tag (``@tag …``); a change name may repeat only after a tag ("reworked").
Deploy order is plan order.

``App/Sqitch/Plan/Change.pm``:

* the change ID is the SHA-1 of a git-style object over the change's ``info``
  (``project``, ``uri``, ``change``, ``parent`` = the previous change's ID,
  ``planner``, ``date``, ``requires``/``conflicts``, the note), so editing a
  plan line changes the ID of that change and of every later one, and
  ``sqitch deploy`` then stops: ``Cannot find change {id} ({change}) in {file}``
  (``Engine.pm`` ``_sync_plan``);
* ``script_hash`` is the SHA-1 of the deploy script's raw bytes (``_deploy_hash``),
  stored in ``sqitch.changes.script_hash``.  ``sqitch deploy`` never compares
  it: only ``sqitch check`` does ("Script signatures diverge at change …");
* the scripts of a reworked (earlier) instance are ``<name>@<tag>.sql`` for the
  first of its rework tags whose file exists, else the first tag; the newest
  instance uses ``<name>.sql``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

STORED_IN = "sqitch.changes.script_hash"
#: ``sqitch check``'s message for a deployed change whose deploy script changed (Engine.pm ``check``).
CHECK_DIVERGES = "Script signatures diverge at change {change}"
#: ``sqitch deploy``'s error when a deployed change's ID is not in the plan any more (Engine.pm ``_sync_plan``).
DEPLOY_CANNOT_FIND = "Cannot find change {id} ({change}) in {file}"

_LINE = re.compile(
    r"^(?P<lspace>[ \t]*)(?P<tag>@)?(?:(?P<lopspace>[ \t]*)(?P<operator>[+-])(?P<ropspace>[ \t]*))?"
    r"(?P<name>[^\s:@#\\\[\]]+)"
    r"(?:[ \t]+)?(?:\[(?P<dependencies>[^\]]+)\][ \t]*)?"
    r"(?P<timestamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)[ \t]*"
    r"(?P<planner>[^<]+?)[ \t]*<(?P<email>[^>]*)>$"
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def script_hash(data: bytes) -> str:
    """``sqitch.changes.script_hash``: the SHA-1 of the deploy script's bytes."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    line: int  # 1-based, in the plan
    offset: int  # character offset of the line
    timestamp: str
    planner: str  # ``Name <email>``
    note: str
    requires: tuple[str, ...]
    conflicts: tuple[str, ...]
    id: str
    #: Tags after this instance up to the next instance of the same name (the reworked instance's file names).
    rework_tags: tuple[str, ...] = ()
    #: Tags right after this change (before the next change): ``sqitch`` names the change with them.
    tags: tuple[str, ...] = ()

    def format_name(self) -> str:
        """The change as Sqitch's messages name it: ``idx @v1``."""
        return " ".join([self.name, *(f"@{t}" for t in self.tags)])

    def script_names(self) -> tuple[str, ...]:
        """The deploy script names Sqitch looks for, in order (the first that exists wins; else the first)."""
        if not self.rework_tags:
            return (f"{self.name}.sql",)
        return tuple(f"{self.name}@{tag}.sql" for tag in self.rework_tags)


@dataclass(frozen=True, slots=True)
class Plan:
    project: str | None
    uri: str | None
    changes: tuple[Change, ...]
    problems: tuple[str, ...] = field(default=())


def change_id(
    project: str,
    name: str,
    planner: str,
    date: str,
    parent: str | None = None,
    uri: str | None = None,
    requires: tuple[str, ...] = (),
    conflicts: tuple[str, ...] = (),
    note: str = "",
) -> str:
    """The change ID Sqitch computes (``Plan/Change.pm`` ``info`` + ``id``)."""
    lines = [f"project {project}"]
    if uri:
        lines.append(f"uri {uri}")
    lines.append(f"change {name}")
    if parent:
        lines.append(f"parent {parent}")
    lines += [f"planner {planner}", f"date {date}"]
    if requires:
        lines.append("requires\n  + " + "\n  + ".join(requires))
    if conflicts:
        lines.append("conflicts\n  - " + "\n  - ".join(conflicts))
    if note:
        lines += ["", note]
    content = "\n".join(lines).encode("utf-8")
    return hashlib.sha1(b"change " + str(len(content)).encode() + b"\0" + content, usedforsecurity=False).hexdigest()


def parse_plan(text: str) -> Plan:
    """The changes of a ``sqitch.plan``, with their IDs, in deploy order."""
    starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
    pragmas, raw, problems = _plan_lines(text)
    project, uri = pragmas.get("project"), pragmas.get("uri")
    changes: list[Change] = []
    parent: str | None = None
    tags_after: dict[int, list[str]] = {}
    for number, fields in raw:
        if fields.get("tag"):
            if changes:
                tags_after.setdefault(len(changes) - 1, []).append(fields["name"])
            continue
        deps = fields.get("dependencies", "").split()
        requires = tuple(d for d in deps if not d.startswith("!"))
        conflicts = tuple(d[1:] for d in deps if d.startswith("!"))
        planner = f"{fields['planner'].strip()} <{fields['email']}>"
        ident = change_id(
            project or "",
            fields["name"],
            planner,
            fields["timestamp"],
            parent,
            uri,
            requires,
            conflicts,
            fields["note"],
        )
        changes.append(
            Change(
                fields["name"],
                number,
                starts[number - 1],
                fields["timestamp"],
                planner,
                fields["note"],
                requires,
                conflicts,
                ident,
            )
        )
        parent = ident
    return Plan(project, uri, tuple(_with_tags(changes, tags_after)), tuple(problems))


def _plan_lines(text: str) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]], list[str]]:
    """The plan's pragmas, its change and tag lines (line number, fields) and the lines that are neither."""
    pragmas: dict[str, str] = {}
    raw: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("%"):
            key, _, value = stripped[1:].partition("=")
            pragmas[key.strip()] = value.strip()
            continue
        hash_at = line.find("#")
        body, note = (line[:hash_at].rstrip(" \t"), line[hash_at + 1 :].strip()) if hash_at >= 0 else (line, "")
        match = _LINE.match(body)
        if match is None:
            problems.append(f"line {number}: not a change or tag line")
            continue
        fields = {k: v for k, v in match.groupdict().items() if v is not None}
        fields["note"] = note
        raw.append((number, fields))
    return pragmas, raw, problems


def _with_tags(changes: list[Change], tags_after: dict[int, list[str]]) -> list[Change]:
    """Rework tags: for each instance followed (later in the plan) by another instance of the same name,
    the tags between the two; and the tags right after each change."""
    result: list[Change] = []
    for index, change in enumerate(changes):
        later = next((j for j in range(index + 1, len(changes)) if changes[j].name == change.name), None)
        if later is None:
            result.append(replace(change, tags=tuple(tags_after.get(index, ()))))
            continue
        rework = tuple(t for j in range(index, later) for t in tags_after.get(j, []))
        result.append(replace(change, rework_tags=rework, tags=tuple(tags_after.get(index, ()))))
    return result
