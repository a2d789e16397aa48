"""The engine loop: every statement of a loaded file to the rules that asked for its node type.

Statement rules get each statement (DO-block bodies included, when the rule
runs there) and, for ``ALTER TABLE``, each subcommand the rule declared;
file rules get the whole file afterwards.  The result is the raw findings,
each with the statement context it was found in (``None`` for file rules).
"""

from __future__ import annotations

from .context import FileContext, StatementContext
from .findings import Finding
from .ruleset import RuleSet

Found = tuple[Finding, StatementContext | None]


def dispatch(ctx: FileContext, rules: RuleSet) -> list[Found]:
    """Run the statement rules, then the file rules, on one analysed file."""
    findings: list[Found] = []
    if ctx.facts is not None:
        contexts = ctx.statement_contexts
        by_node = rules.by_node
        every_cmd = by_node.get("AlterTableCmd", ())
        for facts in ctx.facts.units:
            stmt = facts.statement
            sctx = StatementContext(stmt, ctx, facts)
            contexts.append(sctx)
            top_level = stmt.parent is None
            for rule in by_node.get(stmt.kind, ()):
                if top_level or rule.in_do_blocks:
                    findings.extend((f, sctx) for f in rule.check(stmt.node, sctx))
            if stmt.kind == "AlterTableStmt":
                for cmd in stmt.node.get("cmds", ()):
                    inner = cmd.get("AlterTableCmd")
                    if inner is None:
                        continue
                    for rule in (*every_cmd, *by_node.get(f"AlterTableCmd:{inner.get('subtype')}", ())):
                        if top_level or rule.in_do_blocks:
                            findings.extend((f, sctx) for f in rule.check(inner, sctx))
    for file_rule in rules.file_rules:
        findings.extend((f, None) for f in file_rule.check_file(ctx))
    return findings
