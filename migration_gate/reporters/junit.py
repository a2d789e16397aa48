"""JUnit XML (``--format junit``), for the test views of Jenkins, Azure DevOps and GitLab.

One ``<testsuite>`` per file, named by its path.  In it, one ``<testcase>``
per rule that reported on the file (``classname`` the path, ``name`` the
rule); the case fails with one ``<failure>`` that lists all of that rule's
findings in the file when at least one of them fails the gate (``fail_on``),
and passes otherwise, listing them in ``<system-out>``.  A file without
findings is one passed case named ``migration-gate``.  No timestamps, host
names or durations: the report is the same on every run.
"""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from ..core.findings import Violation
from ..core.results import RunResult
from ..core.severity import Severity

PASSED_CASE = "migration-gate"


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped: drop them."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def _attr(text: str) -> str:
    return quoteattr(_clean(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _finding(v: Violation) -> str:
    line = f"{v.path}:{v.line}:{v.column}: {v.severity.label}[{v.rule}] {v.message}"
    return line + (f"\n  = help: {v.help}" if v.help else "")


def render(result: RunResult, context: object) -> str:
    threshold = None if result.fail_on == "never" else Severity.parse(result.fail_on)
    by_file: dict[str, dict[tuple[str, str], list[Violation]]] = {f.migration.display: {} for f in result.files}
    for v in result.violations:
        by_file.setdefault(v.path, {}).setdefault((v.rule, v.code), []).append(v)
    suites = []
    totals: defaultdict[str, int] = defaultdict(int)
    for path in sorted(by_file):
        rules = by_file[path]
        cases = []
        failures = 0
        for (rule, code), found in sorted(rules.items()):
            text = escape(_clean("\n".join(_finding(v) for v in found)))
            count = f"{len(found)} finding{'s' * (len(found) != 1)}"
            if threshold is not None and any(v.severity >= threshold for v in found):
                failures += 1
                message = f"{count} of {rule} ({code}): {found[0].message}"
                body = f'<failure type={_attr(rule)} message={_attr(message)}>{text}</failure>'
            else:
                body = f"<system-out>{text}</system-out>"
            cases.append(f'    <testcase classname={_attr(path)} name={_attr(rule)} time="0">{body}</testcase>')
        if not rules:
            cases.append(f'    <testcase classname={_attr(path)} name="{PASSED_CASE}" time="0"/>')
        totals["tests"] += len(cases)
        totals["failures"] += failures
        suites.append(
            f'  <testsuite name={_attr(path)} tests="{len(cases)}" failures="{failures}" errors="0" skipped="0" '
            f'time="0">\n' + "\n".join(cases) + "\n  </testsuite>"
        )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="migration-gate" tests="{totals["tests"]}" failures="{totals["failures"]}" '
        f'errors="0" time="0">'
    )
    return "\n".join([head, *suites, "</testsuites>"]) + "\n"
