r"""# Any naming scheme (`layout: pattern`)

For a runner the gate does not know: the file names are described by a
regular expression, `migrations.pattern`, matched against each file's path
inside the migrations folder (`/` between folders).  Its named groups:

* `version` (required): compared as a number when it is all digits, else as
  text (numbers first); `-` is ignored, as in Diesel's timestamps;
* `name` (optional): the description;
* `direction` (optional): `up` or `down`; a `down` file is the rollback of
  the `up` file with the same version.

```yaml
migrations:
  path: db/changes
  layout: pattern
  pattern: '(?P<version>\d+)-(?P<name>[a-z_]+)\.(?P<direction>up|down)\.sql'
transaction: per-file            # explicit | per-file | flyway
statement_delivery: one-query    # one-query | per-statement
```

A file that does not match is reported (`invalid-migration-filename`).

## Transactions and statement delivery

As configured: `transaction:` (default `per-file`, the runner wraps each
file) and `statement_delivery:` (default: assumed `one-query`, and said so).

## Rollbacks

The `down` file of the same version, when the pattern has a `direction`
group (`missing-rollback` is an error by default then); without one there
are no rollbacks.
"""

from __future__ import annotations

import re
from typing import Any

from ..severity import Severity
from ..version import InvalidVersion, Version, updown_version
from .base import ONE_QUERY, Execution, Listing, Runner, Section, Settings, Shape
from .flyway import legacy_execution


class Pattern(Runner):
    name = "pattern"
    title = "a configured pattern"
    files = "any names: `migrations.pattern` with named groups `version`, `name`, `direction`"
    transaction_summary = "as configured (`transaction:`, `statement_delivery:`)"
    delivery = ONE_QUERY
    rollback_summary = "the `down` file of the same version"
    rollback_level = Severity.ERROR
    recursive = True
    ordering = "numeric when all digits, else text"

    def classify(
        self, rel: str, description_style: str = "any", settings: Settings | None = None, listing: Listing | None = None
    ) -> dict[str, Any]:
        pattern = settings.option("pattern") if settings is not None else None
        if not pattern:
            return {"kind": "other", "name_problem": "layout: pattern needs migrations.pattern"}
        match = re.fullmatch(pattern, rel) or re.fullmatch(pattern, rel.rsplit("/", 1)[-1])
        if not match:
            return {"kind": "other", "name_problem": f"does not match migrations.pattern {pattern!r}"}
        groups = match.groupdict()
        try:
            version = updown_version(groups.get("version") or "")
        except InvalidVersion as exc:
            return {"kind": "other", "name_problem": str(exc)}
        direction = (groups.get("direction") or "up").lower()
        kind = "rollback" if direction == "down" else "versioned"
        return {
            "kind": kind,
            "version": version,
            "description": groups.get("name"),
            "forward_only": "direction" not in groups,
        }

    def parse_version(self, text: str) -> Version:
        return updown_version(text)

    def execution(self, section: Section | None, shape: Shape, opt_out: str | None, settings: Settings) -> Execution:
        legacy = legacy_execution(settings, "the runner", default="per-file", opt_out=opt_out)
        assert legacy is not None
        return legacy


RUNNER = Pattern()
