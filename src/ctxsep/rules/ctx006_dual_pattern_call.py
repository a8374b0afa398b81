from __future__ import annotations

import enum
from dataclasses import dataclass

from ctxsep.rules.base import Rule, defaults
from ctxsep.semantics import Category, Vocabulary


class ArgContext(enum.Enum):
    """What a call passes for the context parameter, as the host's types see it."""

    SCOPED = "scoped"
    LEGACY = "legacy"
    UNKNOWN = "unknown"  # a union, Any, or anything the host cannot pin down


@dataclass(frozen=True, slots=True)
class DualPatternCall:
    """A call of a dual-pattern callable, described in host-neutral terms.

    Front ends with types (mypy, pylint+astroid) recognise the callable — a
    context parameter typed as a union of a legacy and a request-scoped type
    plus an optional session parameter — and fill this in; the decision of
    whether it is a problem is the rule's, in :meth:`DualPatternCallRule.problem`.
    """

    callee: str  # e.g. "MessageService.process"
    context_param: str
    session_param: str
    context: ArgContext
    context_type: str  # the argument's type name, for the message
    session_passed: bool  # a session argument other than a literal None


@dataclass(frozen=True, slots=True)
class ParamShape:
    """One parameter of a callable as a type-aware host sees it."""

    name: str
    type_fullnames: tuple[str, ...]  # the union's members (one entry when not a union)
    has_default: bool


@dataclass(frozen=True, slots=True)
class DualPatternSignature:
    context_param: str
    context_index: int
    session_param: str
    session_index: int


def classify_type(fullname: str, vocab: Vocabulary) -> ArgContext:
    """Whether a fully qualified type name (as mypy/astroid give it) is a
    legacy or a request-scoped context type."""
    category = vocab.match_fullname(fullname)
    if category is Category.LEGACY_CONTEXT_TYPE:
        return ArgContext.LEGACY
    if category is Category.SCOPED_CONTEXT_TYPE:
        return ArgContext.SCOPED
    return ArgContext.UNKNOWN


def dual_pattern_signature(params: list[ParamShape], vocab: Vocabulary) -> DualPatternSignature | None:
    """A callable is dual-pattern when one parameter's type is a union holding
    both a legacy and a request-scoped context type, and another parameter is
    an optional session (a session type, or a session name, with a default)."""
    context = None
    for index, param in enumerate(params):
        kinds = {classify_type(name, vocab) for name in param.type_fullnames}
        if ArgContext.LEGACY in kinds and ArgContext.SCOPED in kinds:
            context = (index, param)
            break
    if context is None:
        return None
    for index, param in enumerate(params):
        if index == context[0] or not param.has_default:
            continue
        session_typed = any(vocab.match_fullname(n) is Category.SESSION_TYPE for n in param.type_fullnames)
        if session_typed or param.name in vocab.session_names:
            return DualPatternSignature(context[1].name, context[0], param.name, index)
    return None


class DualPatternCallRule(Rule):
    """
    ## What it does
    Checks calls of *dual-pattern* callables — the bridge-period services
    whose context parameter is typed as a union of the legacy and the
    request-scoped context types and which take an optional session
    (`process(context: UserExecutionContext | RequestScopedContext,
    db_session: AsyncSession | None = None)`). It reports a call that passes a
    request-scoped context without a session, and a call that passes a legacy
    context together with an explicit session. Calls after `isinstance`
    narrowing that match the pattern are fine.

    This rule needs types: the mypy plugin checks it everywhere mypy checks
    function bodies; the pylint plugin checks it where astroid can infer both
    the callee and the context argument. The CLI and flake8 do not report it.

    ## Why it matters
    The bridge signature makes the session optional so that legacy callers
    keep working; the price is that the type checker no longer says when a
    migrated caller forgot its session. Such a call fails only at runtime
    (`ValueError: db_session required`), or — worse — in the legacy branch
    the explicit session is silently ignored in favour of the one inside the
    context.

    ## Example
    ```python
    context = await get_request_scoped_user_context(user_id=user_id, thread_id=thread_id)
    await message_service.process(context)
    ```

    ## Use instead
    ```python
    context = await get_request_scoped_user_context(user_id=user_id, thread_id=thread_id)
    await message_service.process(context, db)
    ```

    ## How to fix
    Pass the request's session with a request-scoped context; pass no session
    with a legacy context (it carries its own), or better, migrate the caller.

    ## Options
    - `names.legacy-context-types`, `names.request-scoped-context-types`:
      the two halves of the union that makes a callable dual-pattern.
    - `names.session-types`, `names.session-names`: what the optional session parameter looks like.
    """

    code = "CTX006"
    symbol = "dual-pattern-call"
    summary = "a dual-pattern service called with the wrong context/session combination"
    message = "{callee} called with a {context_type} {problem}; {fix}"
    defaults = defaults("warn", "error", "error", "error")
    needs_types = True
    options = (
        "names.legacy-context-types",
        "names.request-scoped-context-types",
        "names.session-types",
        "names.session-names",
    )

    def problem(self, call: DualPatternCall) -> dict[str, str] | None:
        """The message fields when ``call`` is wrong, None when it is fine."""
        if call.context is ArgContext.SCOPED and not call.session_passed:
            return {
                "callee": repr(call.callee),
                "context_type": call.context_type,
                "problem": f"and no {call.session_param!r}",
                "fix": f"pass the request's session as {call.session_param!r}",
            }
        if call.context is ArgContext.LEGACY and call.session_passed:
            return {
                "callee": repr(call.callee),
                "context_type": call.context_type,
                "problem": f"and an explicit {call.session_param!r}",
                "fix": "a legacy context carries its own session; drop the argument or migrate the caller",
            }
        return None

    def format(self, call: DualPatternCall) -> str | None:
        """The full message (code first) for a wrong call, else None."""
        fields = self.problem(call)
        return None if fields is None else f"{self.code} {self.message.format(**fields)}"
