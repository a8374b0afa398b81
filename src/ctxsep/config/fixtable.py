"""``[tool.ctxsep.fix]``: how ``ctxsep fix`` spells what it writes.

Validated like every other table: an unknown key (with a did-you-mean), a
value of the wrong kind or a name that is not a Python name is a problem
naming the file and the key.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from ctxsep.config.schema import DEFAULT_SESSION_PARAMETER, FIX_KEYS, FixSettings

#: ``problem(*keys, reason=...)`` of the loader's validator
Problem = Callable[..., None]


def parse_fix_table(value: object, problem: Problem) -> FixSettings:
    if not isinstance(value, dict):
        problem("fix", reason=f"must be a table, not {type(value).__name__}")
        return FixSettings()
    for key in value:
        if key not in FIX_KEYS:
            import difflib  # only a mistyped key pays for it

            close = difflib.get_close_matches(key, list(FIX_KEYS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problem("fix", key, reason=f"unknown key{hint}; the keys are {', '.join(FIX_KEYS)}")
    return FixSettings(
        scoped_factory=_scoped_factory(value.get("scoped-factory"), problem),
        renamed_fields=_renamed_fields(value.get("renamed-fields", {}), problem),
        session_parameter=_session_parameter(value.get("session-parameter", DEFAULT_SESSION_PARAMETER), problem),
    )


def _scoped_factory(value: Any, problem: Problem) -> str | None:
    if value is None:
        return None
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        problem(
            "fix",
            "scoped-factory",
            reason=f"must be a dotted name 'package.module.function', not {value!r}",
        )
        return None
    return str(value)


def _renamed_fields(value: Any, problem: Problem) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        problem("fix", "renamed-fields", reason='must be a table of old_field = "new_field"')
        return ()
    result = []
    for old, new in value.items():
        if not old.isidentifier() or not isinstance(new, str) or not new.isidentifier():
            problem("fix", "renamed-fields", old, reason=f"must map an identifier to an identifier, not {new!r}")
            continue
        result.append((old, new))
    return tuple(sorted(result))


def _session_parameter(value: Any, problem: Problem) -> str:
    ok = isinstance(value, str) and ":" in value
    if ok:
        name, annotation = (part.strip() for part in value.split(":", 1))
        ok = name.isidentifier() and bool(annotation)
        if ok:
            try:
                ast.parse(annotation, mode="eval")
            except SyntaxError:
                ok = False
    if not ok:
        problem(
            "fix",
            "session-parameter",
            reason=f"must be 'name: Annotation' (like {DEFAULT_SESSION_PARAMETER!r}), not {value!r}",
        )
        return DEFAULT_SESSION_PARAMETER
    return f"{name}: {annotation}"
