"""Hypothesis strategies for programs dense with the migration vocabulary.

Statements that create contexts and sessions and read, write and pass them
are dropped into odd positions — decorators, default values, lambdas,
comprehensions, ``match``, walrus, nested classes, ``global``/``nonlocal`` —
so the engine meets every shape of code its rules look at. Every generated
program parses; each statement is one line, so line arithmetic in the
stability tests stays simple.
"""

from __future__ import annotations

from hypothesis import strategies as st

NAMES = ["context", "ctx", "user_context", "db", "session", "db_session", "self", "cls", "x", "child"]
CONTEXT_TYPES = [
    "UserExecutionContext",
    "RequestScopedContext",
    "EnhancedRequestScopedContext",
    "mod.UserExecutionContext",
]
FACTORIES = [
    "create_user_execution_context",
    "get_request_scoped_user_context",
    "factory.create_user_execution_context",
    "get_db",
    "SessionLocal",
    "dataclasses.replace",
]
ANNOTATIONS = [
    "RequestScopedContext",
    "UserExecutionContext",
    "Optional[UserExecutionContext]",
    "'RequestScopedContext'",
    "UserExecutionContext | RequestScopedContext",
    "Annotated[RequestScopedContext, Depends(get_request_scoped_user_context)]",
    "AsyncSession",
    "list[UserExecutionContext]",
    "Ctx",
]
ATTRS = ["db_session", "session", "db", "user_id", "metadata", "agent_context", "__dict__", "run_id"]

name = st.sampled_from(NAMES)
attr = st.sampled_from(ATTRS)
annotation = st.sampled_from(ANNOTATIONS)


@st.composite
def expression(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(name)
    if kind == 1:
        return f"{draw(name)}.{draw(attr)}"
    if kind == 2:
        kw = draw(st.sampled_from(["db_session", "session", "user_id", "db"]))
        return f"{draw(st.sampled_from(FACTORIES + CONTEXT_TYPES))}({draw(name)}, {kw}={draw(name)})"
    if kind == 3:
        return f"await {draw(st.sampled_from(FACTORIES))}(user_id={draw(name)})"
    if kind == 4:
        return f"getattr({draw(name)}, {draw(attr)!r}, None)"
    if kind == 5:
        return f"[{draw(name)}.{draw(attr)} for {draw(name)} in {draw(name)}]"
    if kind == 6:
        return f"(lambda {draw(name)}={draw(name)}: {draw(name)}.{draw(attr)})()"
    if kind == 7:
        return f"({draw(name)} := {draw(st.sampled_from(CONTEXT_TYPES))}())"
    if kind == 8:
        return f"Depends({draw(st.sampled_from(FACTORIES))})"
    return f"isinstance({draw(name)}, {draw(st.sampled_from(CONTEXT_TYPES))})"


@st.composite
def statement(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 11))
    target = f"{draw(name)}.{draw(attr)}"
    if kind == 0:
        return f"{draw(name)} = {draw(expression())}"
    if kind == 1:
        return f"{target} = {draw(expression())}"
    if kind == 2:
        return f"{target}[{draw(name)!r}] += 1"
    if kind == 3:
        return f"del {target}"
    if kind == 4:
        method = draw(st.sampled_from(["append", "update", "pop", "add", "setdefault", "clear"]))
        return f"{target}.{method}({draw(name)})"
    if kind == 5:
        return f"setattr({draw(name)}, {draw(attr)!r}, {draw(name)})"
    if kind == 6:
        return f"object.__setattr__({draw(name)}, {draw(attr)!r}, {draw(name)})"
    if kind == 7:
        return f"{draw(name)}: {draw(annotation)} = {draw(expression())}"
    if kind == 8:
        return f"global {draw(name)}" if draw(st.booleans()) else f"print({draw(expression())})"
    if kind == 9:
        return f"return {draw(expression())}"
    if kind == 10:
        return f"{draw(name)}({draw(expression())}, db_session=None)"
    return f"yield {draw(expression())}"


@st.composite
def block(draw: st.DrawFn, depth: int, indent: str) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 8)) if depth < 3 else 0
        if kind <= 3:
            lines.append(indent + draw(statement()))
        elif kind == 4:
            names = draw(
                st.lists(st.sampled_from(["context", "db", "session", "user_context"]), max_size=3, unique=True)
            )
            # parameters without a default must come first
            plain = [f"{p}: {draw(annotation)}" for p in names if draw(st.booleans())]
            defaulted = [f"{p}={draw(expression())}" for p in names if not any(x.startswith(p + ":") for x in plain)]
            params = ", ".join(plain + defaulted)
            deco = draw(st.sampled_from(["", "@staticmethod", "@classmethod", "@router.post('/x')", "@dep(get_db)"]))
            if deco:
                lines.append(indent + deco)
            first = draw(st.sampled_from(["", "self, ", "cls, "]))
            is_async = draw(st.sampled_from(["", "async "]))
            lines.append(f"{indent}{is_async}def f{draw(st.integers(0, 99))}({first}{params}):")
            lines.extend(draw(block(depth + 1, indent + "    ")))
        elif kind == 5:
            base = draw(
                st.sampled_from(
                    ["", "(UserExecutionContext)", "(RequestScopedContext)", "(Base, EnhancedRequestScopedContext)"]
                )
            )
            lines.append(f"{indent}class C{draw(st.integers(0, 99))}{base}:")
            if draw(st.booleans()):
                lines.append(f"{indent}    {draw(attr)}: {draw(annotation)} = None")
            lines.extend(draw(block(depth + 1, indent + "    ")))
        elif kind == 6:
            lines.append(f"{indent}match {draw(expression())}:")
            lines.append(
                f"{indent}    case {draw(st.sampled_from(CONTEXT_TYPES[:3]))}(user_id={draw(name)}) as {draw(name)}:"
            )
            lines.extend(draw(block(depth + 1, indent + "        ")))
            lines.append(f"{indent}    case {{'k': {draw(name)}, **rest}}:")
            lines.append(f"{indent}        pass")
        elif kind == 7:
            lines.append(
                f"{indent}{draw(st.sampled_from(['async with', 'with']))} {draw(expression())} as {draw(name)}:"
            )
            lines.extend(draw(block(depth + 1, indent + "    ")))
        else:
            lines.append(f"{indent}for {draw(name)} in {draw(expression())}:")
            lines.extend(draw(block(depth + 1, indent + "    ")))
    return lines


HEADER = [
    "import dataclasses",
    "from typing import Annotated, Optional",
    "from fastapi import Depends",
    "from app import context as mod",
    "from app.context import UserExecutionContext, RequestScopedContext, create_user_execution_context",
    "from app.context import get_request_scoped_user_context as get_ctx",
    "Ctx = Annotated[RequestScopedContext, Depends(get_ctx)]",
]


@st.composite
def vocabulary_program(draw: st.DrawFn) -> str:
    """A whole module: a fixed header of imports and aliases, then blocks."""
    return "\n".join(HEADER + draw(block(0, ""))) + "\n"
