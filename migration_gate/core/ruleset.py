"""The enabled rules of a run, instantiated with their options, grouped by what they check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .config import Config
from .rules import registry
from .rules.base import ChangeSetRule, FileRule, ProjectRule, Rule, StatementRule
from .severity import Severity


@dataclass(slots=True)
class RuleSet:
    """The enabled rules and their levels; statement rules by the node type they want."""

    levels: dict[str, Severity]
    by_node: dict[str, list[StatementRule]]
    file_rules: list[FileRule]
    project_rules: list[ProjectRule]
    change_set_rules: list[ChangeSetRule] = field(default_factory=list)

    def level(self, rule: type[Rule]) -> Severity:
        return self.levels.get(rule.name, Severity.OFF)

    def enabled(self, name: str) -> bool:
        return self.levels.get(name, Severity.OFF) > Severity.OFF

    def key(self) -> str:
        """The levels as text (a cache key part)."""
        return ",".join(f"{name}={level.label}" for name, level in sorted(self.levels.items()))


NO_RULES = RuleSet(levels={}, by_node={}, file_rules=[], project_rules=[])


def build_ruleset(config: Config, only: Iterable[str] | None = None) -> RuleSet:
    """The rules the configuration enables (``only``: just these, at their level or at least a warning)."""
    only_names = {rule.name for n in only for rule in registry.lookup_all(n)} if only is not None else None
    # `--rule ban-drop-index`: the index part of dropped-object, whatever the option says.
    widen: dict[str, dict[str, set[str]]] = {}
    for key in only or ():
        for scoped in registry.lookup_all(key):
            scope = scoped.alias_scopes.get(key.strip().lower()) if registry.is_alias(key) else None
            if scope is not None:
                widen.setdefault(scoped.name, {}).setdefault(scope[0], set()).update(scope[1])
    levels: dict[str, Severity] = {}
    by_node: dict[str, list[StatementRule]] = {}
    file_rules: list[FileRule] = []
    project_rules: list[ProjectRule] = []
    change_set_rules: list[ChangeSetRule] = []
    for rule_class in registry.ALL_RULES:
        setting = config.rules.get(rule_class.name)
        level = setting.level if setting and setting.level is not None else rule_class.default_level(config.preset)
        if only_names is not None:
            if rule_class.name not in only_names:
                continue
            if level == Severity.OFF:
                level = rule_class.strict_level or rule_class.level or Severity.ERROR
                if level == Severity.OFF:
                    level = Severity.WARNING
        if level == Severity.OFF:
            continue
        levels[rule_class.name] = level
        if rule_class.produced_by and not issubclass(rule_class, ChangeSetRule):
            continue
        raw = dict(setting.options) if setting else {}
        for option, values in widen.get(rule_class.name, {}).items():
            raw[option] = sorted(set(raw.get(option, getattr(rule_class.Options(), option))) | values)
        rule = rule_class(rule_class.make_options(raw))
        if isinstance(rule, StatementRule):
            for node_type in rule.node_types:
                if node_type == "AlterTableCmd" and rule.subtypes:
                    for subtype in rule.subtypes:  # dispatched by subcommand (see dispatch.py)
                        by_node.setdefault(f"AlterTableCmd:{subtype}", []).append(rule)
                else:
                    by_node.setdefault(node_type, []).append(rule)
        else:  # a rule may be both (missing-rollback: file pairs by project, down sections by file)
            if isinstance(rule, FileRule):
                file_rules.append(rule)
            if isinstance(rule, ProjectRule):
                project_rules.append(rule)
        if isinstance(rule, ChangeSetRule):
            change_set_rules.append(rule)
    return RuleSet(levels, by_node, file_rules, project_rules, change_set_rules)


def without_content_rules(rules: RuleSet) -> RuleSet:
    """The rule set for legacy files: no statement or file rules (so no unused ignores either)."""
    levels = {name: level for name, level in rules.levels.items() if name != "unused-ignore"}
    return RuleSet(levels, {}, [], rules.project_rules, rules.change_set_rules)
