from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..findings import Finding
from ..names import display_name
from ..objects import created_objects
from ..severity import Severity
from ..sqlnodes import Node
from .base import StatementRule
from .compat import RUNNING, undoing

if TYPE_CHECKING:
    from ..context import StatementContext

_WORDS = {
    "ViewStmt": "view",
    "CreateFunctionStmt": "function",
    "CreateTrigStmt": "trigger",
    "RuleStmt": "rule",
    "DefineStmt": "aggregate",
}


class ReplacedDefinition(StatementRule):
    """`CREATE OR REPLACE` of a view, function, trigger, rule or aggregate (strict preset).

    ## What it does
    Flags `CREATE OR REPLACE VIEW | FUNCTION | PROCEDURE | TRIGGER | RULE |
    AGGREGATE` in a versioned migration, unless the object was created
    earlier in the same migration. Off in `recommended`, a warning in
    `strict`.

    Not reported: repeatable migrations (`R__…`: Flyway re-runs them, and
    replacing is what they are for) and rollback scripts.

    ## Why is this bad?
    When the object exists, its behaviour changes under the running release
    the moment the migration commits: a view returns other rows, a function
    computes something else. Whether the object exists is not in the file, so
    the message says "if".

    Level: off in `recommended`: replacing a definition in step with a
    release is common and often intended; `strict` asks for a look.

    ## Example
    ```sql
    CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL;
    ```

    ## Use instead
    ```sql
    -- expand: a new view the new release reads; drop the old one later
    CREATE VIEW active_users_v2 AS SELECT id, email FROM users WHERE deleted_at IS NULL;
    ```
    """

    code = "MG623"
    name = "replaced-definition"
    level = Severity.OFF
    strict_level = Severity.WARNING
    aliases = ("ban-replace-view-function",)
    alias_notes = {
        "ban-replace-view-function": "not reported in repeatable migrations (R__), for objects created earlier in the "
        "migration, nor in rollback scripts",
    }
    node_types = tuple(_WORDS)
    help = "give the new definition a new name (expand/contract), or make sure the running release expects it"

    def check(self, node: Node, ctx: StatementContext) -> Iterator[Finding]:
        if not node.get("replace") or undoing(ctx) or ctx.file.migration.kind == "repeatable":
            return
        keys = created_objects(ctx.statement)
        if not keys or any(ctx.is_new_object(kind, name) for kind, name in keys):
            return
        words = _WORDS[ctx.statement.kind]
        if ctx.statement.kind == "CreateFunctionStmt" and node.get("is_procedure"):
            words = "procedure"
        name = keys[0][1]
        yield self.finding(f"CREATE OR REPLACE changes {words} {display_name(name)}, if it exists, under {RUNNING}")
