"""Rule documentation pages, rendered from the rule classes.

``docs/rules/CTXnnn.md`` are generated from here (``python -m
ctxsep.output.rule_docs docs/rules``); a test fails when they are stale.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from ctxsep.model import Phase
from ctxsep.rules import ALL_RULES, Rule


def render(rule: Rule) -> str:
    phases = list(Phase)
    lines = [
        f"# {rule.code} `{rule.symbol}`",
        "",
        f"*{rule.summary[0].upper()}{rule.summary[1:]}.*",
        "",
        "| " + " | ".join(p.label for p in phases) + " |",
        "|" + "---|" * len(phases),
        "| " + " | ".join(rule.severity(p).label for p in phases) + " |",
        "",
        "Default severity per phase; override it with `[tool.ctxsep.severity.<phase>]`.",
        *body(rule),
    ]
    return "\n".join(lines).rstrip() + "\n"


def body(rule: Rule) -> list[str]:
    """The page after its title and severity table: who reports it, the
    rule's text, ``## Fix`` and ``## Tested examples`` (``ctxsep rules
    CODE`` renders these for a terminal)."""
    lines = [f"Reported by: {_front_ends(rule)}.", "", rule.doc.replace("## ", "### ")]
    lines += fix_section(rule)
    if rule.invalid or rule.valid:
        lines += [
            "",
            "## Tested examples",
            "",
            "These run in the test suite (phase `final`; `# expect:` marks each finding, 1-based column).",
        ]
        for title, examples in (("Reported", rule.invalid), ("Not reported", rule.valid)):
            for example in examples:
                lines += ["", f"{title}:", "", "```python", textwrap.dedent(example).strip("\n"), "```"]
    return lines


def fix_section(rule: Rule) -> list[str]:
    """``## Fix``: what ``ctxsep fix`` does for the rule's findings, when it
    is safe, and its before/after examples (tests: tests/test_fix_examples.py)."""
    from ctxsep.fixes.registry import PROVIDERS

    providers = [p for p in PROVIDERS if rule.code in p.codes]
    lines = ["", "## Fix", ""]
    if not providers:
        return [*lines, "No automatic fix: the message says what to do."]
    for provider in providers:
        lines += [
            f"**{provider.name}** ({provider.applicability}; see [fixes](../fixes.md)). {provider.summary}",
            "",
            f"When it applies: {provider.conditions}.",
        ]
        for example in provider.examples:
            command = "ctxsep fix --unsafe-fixes" if example.unsafe else "ctxsep fix"
            lines += ["", f"Before (phase `{example.phase}`):", "", "```python"]
            lines += [textwrap.dedent(example.before).strip("\n"), "```", "", f"After `{command}`:", "", "```python"]
            lines += [textwrap.dedent(example.after).strip("\n"), "```"]
        lines.append("")
    return lines[:-1]


def _front_ends(rule: Rule) -> str:
    if rule.needs_types:
        return "the mypy plugin; the pylint plugin where astroid can infer the callee"
    if rule.type_exact:
        return (
            "`ctxsep check`, flake8, pylint and, for the type-exact cases only types show, the mypy plugin "
            "(see [docs/integrations/mypy.md](../integrations/mypy.md))"
        )
    return "`ctxsep check`, flake8 and pylint"


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in ALL_RULES:
        path = directory / f"{rule.code}.md"
        path.write_text(render(rule), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        print(written_path)
