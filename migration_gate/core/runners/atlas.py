r"""# Atlas versioned migrations (`layout: atlas`)

[Atlas](https://atlasgo.io) `migrate apply`.  Described from the source
(ariga/atlas `sql/migrate/dir.go`, `sql/migrate/migrate.go`,
`cmd/atlas/internal/cmdapi/migrate.go`, `project.go`); `atlas.sum` was
reproduced byte for byte on speakeasy-api/gram (362 lines).  Atlas cannot be
installed here (GitHub and Go downloads only).

## Files

Every **top-level** `*.sql` of the folder, in byte order of the names
(`fs.Glob(d, "*.sql")` then sorted), with `atlas.sum` beside them.  The
version is the name before its first `_` (minus `.sql`), the rest the
description; versions compare **as text**.  A folder whose `atlas.hcl` says
`format = "golang-migrate"` is executed by golang-migrate, not Atlas: the
gate gives it that layout.

## File directives

Read only from the **leading comment block** of a file, and only when a blank
line follows it (`LocalFile.comments`): the file's first byte must start a
`--` or `#` line, every line of the run counts, and the line after it must be
empty.  A BOM, a blank first line or **CRLF line endings** (the blank-line
test looks for `\n`) disable every directive.  `-- atlas:txmode none` runs
the file without a transaction; `file` is the default; `all` in a file is an
error ("txmode "all" is not allowed in file directive"), so is an unknown
value and a second `txmode`.  `-- atlas:txtar` files hold several parts
(`-- migration.sql --`, `-- checks/….sql --`): only `migration.sql` is the
migration.

## Transactions and statement delivery

`--tx-mode file` (the default): one transaction per file; `all`: one
transaction for the whole run (a deploy batch: locks and enum values carry
across files); `none`: no transaction.  The mode is a command-line flag only
(`atlas.hcl` has no such attribute): set `runner_options: {tx-mode: all}` when
your deploy uses it; the gate assumes `file`.  Atlas splits a file with its
own lexer (dollar quotes and `BEGIN ATOMIC` understood) and sends the
statements **one at a time** (`ExecContext` per statement), so without a
transaction each statement is its own implicit transaction.

## Rollbacks

None in `migrate apply` (Atlas plans `migrate down` itself): `missing-rollback`
never applies.

## Integrity, order

`atlas.sum` (see `modified-merged-migration`).  With the default
`exec_order = linear`, a file added below the last applied version is an
error ("migration file X was added out of order"); `linear-skip` skips it,
`non-linear` runs it.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import Version
from .base import (
    PER_STATEMENT,
    SKIPPED,
    UP,
    Execution,
    Listing,
    Runner,
    Section,
    Settings,
    Shape,
    text_version,
)
from .flyway import legacy_execution

_DIRECTIVE = re.compile(r"^([ -~]*)atlas:(\w+)(?: +([ -~]*))*")
_TXTAR_PART = re.compile(r"^-- (\S.*\S|\S) --\s*$", re.M)
TX_MODES = ("file", "all", "none")


def file_directives(text: str) -> list[tuple[str, str, int, int]]:
    """Atlas's file directives: ``(name, value, start, end)`` of each, from the leading comment block."""
    found = []
    content = text
    offset = 0
    lines: list[tuple[str, int, int]] = []
    while content.startswith(("#", "--")):
        idx = content.find("\n")
        if idx == -1:
            return []  # a comments-only file without a final newline has no directives
        lines.append((content[:idx].strip(), offset, offset + idx))
        content = content[idx + 1 :]
        offset += idx + 1
    if not content.lstrip(" \t").startswith("\n"):
        return []
    for line, start, end in lines:
        match = _DIRECTIVE.match(line)
        if match:
            found.append((match.group(2), (match.group(3) or "").strip(), start, end))
    return found


class Atlas(Runner):
    opt_out_hint = 'start the file with `-- atlas:txmode none` followed by a blank line'
    name = "atlas"
    title = "Atlas"
    files = "top-level `<version>[_<name>].sql` + `atlas.sum`"
    transaction_summary = "per file (`--tx-mode file`), unless `-- atlas:txmode none`; `all`: one for the batch"
    delivery = PER_STATEMENT
    rollback_summary = "none"
    has_rollbacks = False
    rollback_level = Severity.OFF
    ordering = "file names, byte order"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        if "/" in rel:
            return {"kind": "other", "note": "in a sub-folder: Atlas reads the migrations folder only"}
        stem = rel[:-4]
        version, _, description = stem.partition("_")
        return {"kind": "versioned", "version": text_version(version), "description": description, "forward_only": True}

    def parse_version(self, text: str) -> Version:
        return text_version(text)

    def shape(self, text: str, kind: str = "versioned", settings: Settings | None = None, bom: bool = False) -> Shape:
        if bom:
            return Shape()
        directives = file_directives(text)
        problems = []
        modes = [(value, start, end) for name, value, start, end in directives if name == "txmode"]
        transaction = None
        opt_out = None
        tx_mode = (settings.option("tx-mode") if settings else None) or "file"
        if len(modes) > 1:
            problems.append((modes[1][1], modes[1][2], "Atlas refuses this file: multiple txmode values found"))
        elif modes:
            value, start, end = modes[0]
            if value == "all":
                problems.append(
                    (start, end, 'Atlas refuses this file: txmode "all" is not allowed in file directive; use "file"')
                )
            elif value not in TX_MODES:
                problems.append((start, end, f"Atlas refuses this file: unknown txmode {value!r} in file directive"))
            elif tx_mode == "all":
                problems.append(
                    (
                        start,
                        end,
                        f'Atlas refuses this file: cannot set txmode directive to "{value}" when txmode "all" '
                        "is set globally",
                    )
                )
            elif value == "none":
                transaction, opt_out = False, "-- atlas:txmode none"
            elif value == "file":
                transaction = True
        sections: tuple[Section, ...] = ()
        if any(name == "txtar" for name, *_ in directives):
            sections = _txtar_sections(text)
        return Shape(sections=sections, transaction=transaction, opt_out=opt_out, problems=tuple(problems))

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "Atlas", default=None, opt_out=opt_out)
        if legacy is not None:
            return legacy
        mode = settings.option("tx-mode")
        assumed = None if mode else "transaction mode assumed: --tx-mode file (set runner_options tx-mode)"
        mode = mode or "file"
        if opt_out is None and shape.transaction is False:
            opt_out = shape.opt_out
        if mode == "all":
            return Execution(True, PER_STATEMENT, "Atlas", batch=True, scope="batch")
        if mode == "none" and shape.transaction is not True:
            return Execution(False, PER_STATEMENT, "Atlas", opt_out=opt_out or "--tx-mode none")
        return Execution(opt_out is None, PER_STATEMENT, "Atlas", opt_out=opt_out, assumed=assumed)


def _txtar_sections(text: str) -> tuple[Section, ...]:
    parts = list(_TXTAR_PART.finditer(text))
    sections = []
    if parts and parts[0].start() > 0:
        sections.append(Section(SKIPPED, 0, parts[0].start()))
    for index, part in enumerate(parts):
        stop = parts[index + 1].start() if index + 1 < len(parts) else len(text)
        body = part.end() + 1 if part.end() < len(text) else part.end()
        direction = UP if part.group(1) == "migration.sql" else SKIPPED
        sections.append(
            Section(direction, min(body, stop), stop, marker=(part.start(), part.end()), label=part.group(1))
        )
    return tuple(sections)


RUNNER = Atlas()
