"""The hover on a finding: why it has this severity here, then the rule's page.

"Why" is what ``ctxsep explain PATH`` says for the file, from the same
facts: the config file found from the file's directory, the phase-map keys
that match (most specific first, the winner marked), the phase, and whether
the rule's severity is the phase's default or a ``[severity.<phase>]``
override. The page is ``ctxsep rules CODE``'s, without its tested
examples (they are long, and the link in the diagnostic opens them).
"""

from __future__ import annotations

import functools

from ctxsep.config import FileSettings
from ctxsep.model import Finding
from ctxsep.output.explain_text import NO_CONFIG, override_reason
from ctxsep.output.rule_docs import render
from ctxsep.output.sarif import DOCS_URI
from ctxsep.rules import RULES_BY_CODE

_EXAMPLES_HEADING = "\n## Tested examples"


def why(settings: FileSettings, code: str) -> list[str]:
    """Markdown lines: config, key, phase and the rule's severity, with reasons."""
    config = settings.config
    phase = settings.phase.label
    out = []
    if config.path is None:
        out.append(f"- config: {NO_CONFIG}")
    else:
        out.append(f"- config: `{config.path}`")
    out.append(f"- path in the phase map: `{settings.rel_path}`")
    if settings.phase_key is not None:
        table = config.key_label("phases")
        out.append(f"- phase: **{phase}**, from the key `{settings.phase_key.key!r}` in {table}")
        others = [key for key, _ in config.phase_map.candidates(settings.rel_path) if key is not settings.phase_key]
        if others:
            shown = ", ".join(f"`{key.key!r}` = {key.phase.label}" for key in others)
            out.append(f"- less specific keys that also match: {shown}")
    else:
        origin = "the config's `default-phase`" if config.path is not None else "the built-in default"
        out.append(f"- phase: **{phase}**, from {origin} (no phase-map key matches)")
    rule = RULES_BY_CODE.get(code)
    if rule is not None:
        reason = override_reason(settings, rule) or f"the default for {phase}"
        out.append(f"- {code} is **{settings.severities[code].label}** here: {reason}")
    return out


def hover_markdown(finding: Finding, settings: FileSettings) -> str:
    """Everything the hover shows for one finding."""
    title = f"**{finding.code}** `{finding.symbol}`: {finding.severity.label} in phase {settings.phase.label}"
    parts = [title, "", *why(settings, finding.code)]
    page = _page(finding.code)
    if page is not None:
        parts += ["", "---", "", page]
    return "\n".join(parts) + "\n"


@functools.cache
def _page(code: str) -> str | None:
    """The rule's page without its tested examples, links made absolute;
    rendered once per rule (a page does not change while the server runs)."""
    rule = RULES_BY_CODE.get(code)
    if rule is None:
        return None
    return render(rule).split(_EXAMPLES_HEADING, 1)[0].rstrip().replace("](../", f"]({DOCS_URI}/")


__all__ = ["hover_markdown", "why"]
