"""SARIF 2.1.0 for code-scanning services (GitHub code scanning and others).

One run; the driver lists every rule with its documentation as help text.
Each result carries its rule, level, location, a stable fingerprint (rule,
path, enclosing scope and flagged source — the baseline's key — plus an
occurrence number) and its ``baselineState``: ``new``, or ``unchanged`` for
a finding the baseline records. Recorded findings are always included, with
an external suppression, so code scanning shows them as suppressed instead
of forgetting them; ``--quiet`` does not apply.

Locations do not depend on the directory ctxsep ran from: each artifact URI
is relative to the ``uriBaseId`` ``PROJECTROOT``, which ``originalUriBaseIds``
maps to the project root as a ``file://`` URI (the repository top above the
cwd, else the directory of the config found from the cwd, else the cwd); a
file outside it gets an absolute ``file://`` URI. Columns are counted in
UTF-16 code units (``columnKind`` ``utf16CodeUnits``, SARIF's default and
what code-scanning services expect), converted from ``ast``'s UTF-8 byte
offsets using the line as Python decodes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ctxsep import __version__, atomic
from ctxsep.config import find_config, leads_outside
from ctxsep.config.paths import at_vcs_top
from ctxsep.config.schema import DEFAULT_PHASE
from ctxsep.engine import SkipFile, decode_source
from ctxsep.model import SKIPPED_CODE, SKIPPED_SYMBOL, Finding, Severity
from ctxsep.output.fix_format import fix_sarif
from ctxsep.rules import ALL_RULES
from ctxsep.runner import RunResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DOCS_URI = "https://github.com/ctxsep/ctxsep/blob/main/docs"
_LEVELS = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.OFF: "none"}
URI_BASE_ID = "PROJECTROOT"


def rule_descriptors() -> list[dict[str, Any]]:
    descriptors = []
    for rule in ALL_RULES:
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.symbol,
                "shortDescription": {"text": rule.summary[0].upper() + rule.summary[1:] + "."},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "helpUri": f"{DOCS_URI}/rules/{rule.code}.md",
                "defaultConfiguration": {"level": _LEVELS[rule.severity(DEFAULT_PHASE)]},
                "properties": {"severityByPhase": {phase.label: sev.label for phase, sev in rule.defaults.items()}},
            }
        )
    descriptors.append(
        {
            "id": SKIPPED_CODE,
            "name": SKIPPED_SYMBOL,
            "shortDescription": {"text": "A file ctxsep could not check (syntax error, undecodable, unreadable)."},
            "help": {"text": "Fix the file so Python can parse it; ctxsep reports the reason in the message."},
            "helpUri": f"{DOCS_URI}/cli.md",
            "defaultConfiguration": {"level": "error"},
        }
    )
    return descriptors


def project_root(cwd: Path) -> Path:
    """What SARIF URIs are relative to: the repository top above ``cwd``,
    else the directory of the config found from ``cwd``, else ``cwd``."""
    for directory in (cwd, *cwd.parents):
        if at_vcs_top(directory):
            return directory
    config = find_config(cwd)
    return config.parent if config is not None else cwd


def _file_uri(path: str) -> str:
    """A ``file://`` URI for an absolute path; a name that is not valid
    UTF-8 keeps its raw bytes, percent-encoded."""
    return "file://" + quote(os.fsencode(path), safe="/")


class _Locator:
    """Artifact locations and UTF-16 columns for a run's findings."""

    def __init__(self, run: RunResult, cwd: Path) -> None:
        self.cwd = cwd
        self.root = project_root(cwd)
        self._absolute = {result.path: os.fspath(file) for result, file in zip(run.results, run.files, strict=False)}
        self._lines: dict[str, list[str] | None] = {}

    def absolute(self, finding: Finding) -> str:
        known = self._absolute.get(finding.path)
        return known if known is not None else os.path.normpath(os.path.join(self.cwd, finding.path))

    def artifact(self, finding: Finding) -> dict[str, str]:
        absolute = self.absolute(finding)
        rel = os.path.relpath(absolute, self.root)
        if leads_outside(rel) or os.path.isabs(rel):
            return {"uri": _file_uri(absolute)}
        return {"uri": quote(os.fsencode(rel.replace(os.sep, "/")), safe="/"), "uriBaseId": URI_BASE_ID}

    def column(self, finding: Finding) -> int:
        """The 1-based UTF-16 column of ``finding`` (its ``col`` counts UTF-8
        bytes); the byte column when the line cannot be read back."""
        if finding.col == 0:
            return 1
        lines = self._source_lines(self.absolute(finding))
        if lines is None or not 0 < finding.line <= len(lines):
            return finding.col + 1
        line = lines[finding.line - 1]
        if line.isascii():
            return finding.col + 1
        prefix = line.encode("utf-8", "surrogatepass")[: finding.col].decode("utf-8", "replace")
        return len(prefix.encode("utf-16-le", "surrogatepass")) // 2 + 1

    def _source_lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            text: str | None = None
            try:  # read_source never opens a FIFO or a device
                text = decode_source(atomic.read_source(path))
            except (OSError, SkipFile):
                text = None
            # Python's line ends only (str.splitlines also splits at \f, \x1c, ...)
            lines = None if text is None else text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            self._lines[path] = lines
        return self._lines[path]


def _result(finding: Finding, index: dict[str, int], occurrence: int, locator: _Locator) -> dict[str, Any]:
    # The path as the location names it, so the fingerprint does not depend on the cwd either.
    where = locator.artifact(finding)["uri"]
    identity = "\0".join((where, finding.code, finding.scope, finding.fingerprint))
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": locator.artifact(finding),
                    "region": {"startLine": finding.line, "startColumn": locator.column(finding)},
                }
            }
        ],
        "partialFingerprints": {"ctxsep/v1": f"{digest}:{occurrence}"},
        "baselineState": "unchanged" if finding.baselined else "new",
        "properties": {
            "symbol": finding.symbol,
            "scope": finding.scope,
            "phase": finding.phase.label if finding.phase is not None else None,
        },
    }
    if finding.baselined:
        result["suppressions"] = [{"kind": "external", "justification": "recorded in the ctxsep baseline"}]
    return result


def render(run: RunResult, quiet: bool = False) -> str:
    descriptors = rule_descriptors()
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    findings = sorted([*run.findings(), *run.baselined()], key=lambda f: f.sort_key)
    seen: dict[tuple[str, str, str, str], int] = {}
    locator = _Locator(run, Path.cwd())
    results = []
    for finding in findings:
        key = (finding.path, finding.code, finding.scope, finding.fingerprint)
        seen[key] = seen.get(key, 0) + 1
        results.append(_result(finding, index, seen[key], locator))
        fix = run.fix_for(finding)
        if fix is not None:
            results[-1]["fixes"] = [fix_sarif(fix)]
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ctxsep",
                        "version": __version__,
                        "informationUri": "https://github.com/ctxsep/ctxsep",
                        "rules": descriptors,
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "originalUriBaseIds": {URI_BASE_ID: {"uri": _file_uri(os.fspath(locator.root)).rstrip("/") + "/"}},
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
