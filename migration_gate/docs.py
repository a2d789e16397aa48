"""Rule and layout documentation: the docstring is the source, templates render it.

``migration-gate docs`` writes one page per rule plus an index into ``rules/``, and one page per
layout (the runner module's docstring) plus an index into ``rules/layouts/``;
``migration-gate explain`` prints the same page.  A test fails when the
committed pages differ from what the docstrings render.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from .docs_terminal import for_terminal as for_terminal

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_SECTION = re.compile(r"^## (.+)$", re.M)
_FENCE = re.compile(r"```(\w*)\n(.*?)\n```", re.S)


@dataclass(frozen=True)
class RuleDoc:
    summary: str
    sections: dict[str, str]

    def code_block(self, section: str) -> tuple[str, str] | None:
        """(language, code) of the first fenced block in a section."""
        match = _FENCE.search(self.sections.get(section, ""))
        return (match.group(1), match.group(2)) if match else None


def rule_doc(rule) -> RuleDoc:
    text = rule.documentation()
    summary, _, rest = text.partition("\n")
    parts = _SECTION.split(rest)
    sections = {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return RuleDoc(summary.strip(), sections)


def _options(rule) -> list[tuple[str, str]]:
    return [(f.name, repr(f.default)) for f in dataclasses.fields(rule.Options)]


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("migration_gate", "templates"),
        autoescape=False,  # Markdown output from our own docstrings
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_rule_page(rule, *, maintainer_note: bool = True) -> str:
    """The rule's page (Markdown); ``maintainer_note``: the "generated from the docstring" comment."""
    from .squawk_config import ALSO_ACCEPTED, RULES_2_70

    doc = rule_doc(rule)
    squawk = set(RULES_2_70) | set(ALSO_ACCEPTED)
    return (
        _environment()
        .get_template("rule_page.md.j2")
        .render(
            rule=rule,
            doc=doc,
            maintainer_note=maintainer_note,
            options=_options(rule),
            recommended=rule.default_level("recommended").label,
            strict=rule.default_level("strict").label,
            family=rule.family_name(),
            squawk_names=[(alias, rule.alias_notes.get(alias, "")) for alias in rule.aliases if alias in squawk],
        )
    )


@dataclass(frozen=True)
class _SquawkRow:
    squawk: str
    default: str
    rules: list[_RuleCell]
    note: str


@dataclass(frozen=True)
class _RuleCell:
    name: str
    levels: str


def squawk_rows() -> list[_SquawkRow]:
    """One row per squawk 2.70 rule name: the rules it names here, and how the meaning differs."""
    from .core.rules import registry
    from .squawk_config import ALSO_ACCEPTED, OPT_IN_2_70, RULES_2_70

    rows = []
    for name in sorted((*RULES_2_70, *ALSO_ACCEPTED)):
        rules = sorted(registry.lookup_all(name), key=lambda r: r.code)
        notes = [(r.name, r.alias_notes[name]) for r in rules if r.alias_notes.get(name)]
        if not rules:
            note = "no migration-gate rule: " + MISSING_SQUAWK_RULES.get(name, "")
        elif not notes:
            note = "the same"
        elif len(rules) == 1:
            note = notes[0][1]
        else:
            note = "; ".join(f"{rule}: {text}" for rule, text in notes)
        if name == "require-timeout-settings":
            default = "(alias of both timeout rules)"
        elif name == "prefer-timestamptz":
            default = "(older spelling of prefer-timestamp-tz)"
        else:
            default = "off (opt-in)" if name in OPT_IN_2_70 else "on"
        cells = [
            _RuleCell(r.name, f"{r.default_level('recommended').label} / {r.default_level('strict').label}")
            for r in rules
        ]
        rows.append(_SquawkRow(name, default, cells, note))
    return rows


#: squawk rule names migration-gate deliberately has no rule for, and why (none today).
MISSING_SQUAWK_RULES: dict[str, str] = {}


def render_squawk_table(prefix: str = "") -> str:
    """The squawk rule → migration-gate rule table (links to the rule pages, under ``prefix``)."""
    return _environment().get_template("squawk_table.md.j2").render(rows=squawk_rows(), prefix=prefix)


def render_squawk_page() -> str:
    missing = (
        "Names without a rule: " + ", ".join(f"`{n}` ({why})" for n, why in sorted(MISSING_SQUAWK_RULES.items()))
        if MISSING_SQUAWK_RULES
        else "All 76 rules of squawk 2.70 have one."
    )
    return (
        _environment()
        .get_template("squawk_page.md.j2")
        .render(table=render_squawk_table().rstrip("\n"), missing_text=missing)
    )


def render_index() -> str:
    from .core.rules import registry

    rules = registry.sorted_rules()
    return (
        _environment()
        .get_template("rules_index.md.j2")
        .render(
            rules=[
                (r, r.summary(), r.default_level("recommended").label, r.default_level("strict").label) for r in rules
            ],
            families=sorted({r.family_name() for r in rules}),
        )
    )


_EXAMPLE_PATHS = {
    "flyway": "db/migration",
    "prisma": "prisma/migrations",
    "drizzle": "drizzle",
    "sqitch": "schema",
    "liquibase": "db/changelog",
    "goose": "db/migrations",
    "dbmate": "db/migrations",
}


def render_layout_page(name: str) -> str:
    from .core.runners import LAYOUTS

    runner = LAYOUTS[name]
    return (
        _environment()
        .get_template("layout_page.md.j2")
        .render(
            runner=runner,
            module=type(runner).__module__,
            doc=runner.documentation(),
            rollback_level=runner.rollback_level.label if runner.has_rollbacks else "never (no rollbacks)",
            example_path=_EXAMPLE_PATHS.get(name, "migrations"),
        )
    )


def render_layouts_table(prefix: str = "") -> str:
    """The table of layouts (the layouts index and the README's Runners section)."""
    from .core.runners import LAYOUTS

    return _environment().get_template("layouts_table.md.j2").render(runners=list(LAYOUTS.values()), prefix=prefix)


def render_layouts_index() -> str:
    from .core.runners import LAYOUTS

    return _environment().get_template("layouts_index.md.j2").render(runners=list(LAYOUTS.values()), prefix="")


def pages() -> dict[str, str]:
    """Every generated page by its path inside ``rules/`` (layouts under ``layouts/``)."""
    from .core.rules import registry
    from .core.runners import LAYOUTS

    result = {f"{r.name}.md": render_rule_page(r) for r in registry.sorted_rules()}
    result["README.md"] = render_index()
    result["squawk.md"] = render_squawk_page()
    for name in LAYOUTS:
        result[f"layouts/{name}.md"] = render_layout_page(name)
    result["layouts/README.md"] = render_layouts_index()
    return result


def write_pages(out: Path, *, check: bool = False, prune: bool = True) -> list[Path]:
    """Write (or with ``check`` only compare) the pages; returns those that differ.

    ``prune``: also remove (or report) other ``*.md`` files in ``out``: the pages of rules that are gone.
    """
    wanted = pages()
    stale: list[Path] = []
    for name, text in sorted(wanted.items()):
        path = out / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if prune and out.is_dir():
        for path in sorted([*out.glob("*.md"), *out.glob("layouts/*.md")]):
            if path.relative_to(out).as_posix() not in wanted:
                stale.append(path)
                if not check:
                    path.unlink()
    return stale
