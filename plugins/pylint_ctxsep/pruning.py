"""Which call arguments astroid can never infer to a context: the cheap test
that runs *before* a call's callee is inferred.

CTX006 reports a call only when the argument bound to the callee's context
parameter infers, every value of it, to an instance of a context class
(``dual_pattern._context_kind``). Inferring the callee is what costs —
milliseconds a call on SQLAlchemy query chains — and most calls pass only
arguments that cannot be such a value: literals, f-strings, comparisons,
plain parameters, attributes of plain parameters, ``self.x`` set from a
plain parameter. When **no** argument of a
call can be a context, no binding of arguments to parameters can make the
call reportable, so its callee is never inferred.

Each test below is about astroid's inference (read in astroid 3.3 to 4.3;
the soundness test runs against whatever astroid is installed), not about
Python's runtime: the question is what astroid *would have* reported. An
argument is ruled out only when one of two things holds for astroid's
answer, ``list(expr.infer())`` with a fresh context, as ``_context_kind``
asks it:

- **builtin-valued**: every value is ``Uninferable``, not an instance at
  all (a lambda), or an instance of a class of the ``builtins`` module
  (``Const``, ``List``, ``Tuple``, ``Set``, ``Dict``), or inference raises.
  None of those is an instance of a context class — unless the vocabulary
  names a builtin class as a context type, which switches these tests off
  (:func:`literals_can_be_contexts`);
- **includes Uninferable**: whatever else it yields, one value is
  ``Uninferable`` (or inference raises). ``_context_kind`` answers UNKNOWN
  as soon as one value is not a context instance.

A node carrying an inference tip (``_explicit_inference``, set by a brain
or another plugin's transform when the module was built) is inferred by
that tip, not by the rules argued here, so it is never ruled out. The
engine's own evidence (``ctxsep.semantics``) is deliberately not used:
it is positive evidence by name, and astroid sees contexts it cannot — a
helper in another module that returns one (``ctx = build_context(uid)``)
is a context to astroid and to nothing in this file's text.

``tests/test_pylint_pruning.py`` checks each rule against astroid itself:
every argument this module rules out, over the fixtures, a generated app
and sample code, infers to something ``_context_kind`` calls UNKNOWN.
"""

from __future__ import annotations

from typing import cast

from astroid import bases, nodes, objects, util

from ctxsep.rules.ctx006_dual_pattern_call import ArgContext, classify_type
from ctxsep.semantics import Vocabulary
from pylint_ctxsep.annotations import ASTROID_FAILURES

#: Shapes astroid infers to a ``builtins`` instance, a non-instance, Uninferable, or not at all.
_BUILTIN_VALUED = (
    # Const: itself, an instance of builtins.str/int/bool/float/complex/bytes/NoneType/Ellipsis.
    nodes.Const,
    # JoinedStr (f-string): Const(str), or Uninferable when a part cannot be inferred.
    nodes.JoinedStr,
    # Compare: Const(bool), or Uninferable (astroid compares literals only; it never
    # calls a user-defined __eq__/__lt__ and never yields an operand).
    nodes.Compare,
    # List/Tuple/Set/Dict displays: the display itself, or a new display of the same
    # type when it unpacks (*xs, **kw), or an InferenceError; never an element.
    nodes.List,
    nodes.Tuple,
    nodes.Set,
    nodes.Dict,
    # Lambda: itself, which is not an Instance.
    nodes.Lambda,
    # Comprehensions: astroid has no inference for them (InferenceError).
    nodes.ListComp,
    nodes.SetComp,
    nodes.DictComp,
    nodes.GeneratorExp,
)


#: vocabulary id -> (the vocabulary, kept so the id cannot be reused; the answer)
_LITERALS_MEMO: dict[int, tuple[Vocabulary, bool]] = {}


def literals_can_be_contexts(vocab: Vocabulary) -> bool:
    """True when a context type of the vocabulary names a class astroid's
    ``builtins`` module defines (``str``, ``dict``, ``object``, ``NoneType`` …):
    then a literal's own value would classify as a context, and the
    builtin-valued tests are off. (Nobody configures that; the test keeps the
    argument above honest for a vocabulary that does.) Memoized per vocabulary."""
    memo = _LITERALS_MEMO.get(id(vocab))
    if memo is None or memo[0] is not vocab:
        builtins = nodes.Const(0)._proxied.root()
        # astroid's qualified name of a builtin class is "builtins.<name>"; a bare
        # vocabulary entry matches it by its last component, a dotted one exactly.
        answer = any(classify_type(f"builtins.{name}", vocab) is not ArgContext.UNKNOWN for name in builtins.locals)
        if len(_LITERALS_MEMO) > 64:  # a long-lived editor process re-reading configs
            _LITERALS_MEMO.clear()
        memo = _LITERALS_MEMO[id(vocab)] = (vocab, answer)
    return memo[1]


def might_be_context(expr: nodes.NodeNG, literals_ok: bool) -> bool:
    """False only when astroid's inference of ``expr`` can never be a
    context instance of one kind (see the module docstring).

    ``expr`` is the argument as ``_context_kind`` will infer it: an
    ``await f()`` there is inferred as ``f()``, so it is judged as ``f()``.
    ``literals_ok`` is ``not literals_can_be_contexts(vocab)``.
    """
    if isinstance(expr, nodes.Await):
        expr = expr.value
    if _has_tip(expr):
        return True
    if isinstance(expr, _BUILTIN_VALUED):
        return not literals_ok
    return not _includes_uninferable(expr)


def _has_tip(node: nodes.NodeNG) -> bool:
    return getattr(node, "_explicit_inference", None) is not None


def _includes_uninferable(expr: nodes.NodeNG, attributes: bool = True) -> bool:
    """True when every completed inference of ``expr`` yields Uninferable
    among its values: a plain parameter, or an attribute, a subscript or a
    call reached from one (``request.user_id``, ``data["k"]``, ``request.json()``).

    - Attribute: astroid infers the object first and, for an Uninferable
      object, yields Uninferable (``_infer_attribute``); attribute errors on
      the other objects are swallowed, not raised.
    - Subscript: for an Uninferable value it yields Uninferable (and stops);
      an error on an earlier value raises, which is UNKNOWN as well.
    - Call: for an Uninferable callee it yields Uninferable (``Call._infer``);
      a callee whose result cannot be inferred is skipped, not raised.

    Each link is checked for an inference tip, which would replace those rules.
    """
    node = expr
    while True:
        if _has_tip(node):
            return False
        if isinstance(node, nodes.Attribute):
            if attributes and isinstance(node.expr, nodes.Name) and _is_attribute_from_parameter(node):
                return True
            node = node.expr
        elif isinstance(node, nodes.Subscript):
            node = node.value
        elif isinstance(node, nodes.Call):
            node = node.func
        elif isinstance(node, nodes.Name):
            return _is_plain_parameter(node)
        else:
            return False


def _is_plain_parameter(name: nodes.Name) -> bool:
    """``name`` is bound, where it is used, only as an ordinary parameter.

    astroid resolves a name with ``lookup`` (the call made here), then infers
    each binding. A parameter is inferred without a call site by
    ``protocols._arguments_infer_argname``, which yields the default's values
    followed by ``Uninferable``, or ``Uninferable`` alone; the list is built
    in full before anything is yielded (``AssignName._infer``), so a default
    that fails to infer loses the parameter's values altogether, never only
    the trailing Uninferable. The constraints astroid applies to a name
    (``is None``, ``isinstance``, ``==``, truthiness) all let Uninferable
    through. Not ordinary, and kept:

    - the first parameter of a function defined in a class body, or of any
      decorated function: astroid infers ``self`` as an instance of the
      class (a context class's ``self`` *is* a context), ``cls`` as the class;
    - ``*args`` and ``**kwargs``: a tuple and a dict, built by astroid;
    - a name with any other binding in reach (an assignment, an import, a
      loop target …), and a name ``lookup`` does not find (astroid then
      searches the enclosing function).
    """
    try:
        _, bindings = name.lookup(name.name)
    except ASTROID_FAILURES:  # cannot say
        return False
    if not bindings:
        return False
    for binding in bindings:
        if not isinstance(binding, nodes.AssignName) or _has_tip(binding):
            return False
        arguments = binding.parent
        if not isinstance(arguments, nodes.Arguments):
            return False
        if binding.name in (arguments.vararg, arguments.kwarg):
            return False
        every = arguments.arguments
        if every and every[0] is binding and _may_be_bound(arguments.parent):
            return False
    return True


def _may_be_bound(function: nodes.NodeNG | None) -> bool:
    """Whether astroid may infer a function's first parameter as its class,
    an instance of it, or something a decorator makes of it (its
    ``FunctionDef.type`` / ``Lambda.type`` could then be other than "function")."""
    if function is None or function.parent is None:
        return True
    if isinstance(function, nodes.FunctionDef) and function.decorators is not None:
        return True
    parent = function.parent
    return isinstance(parent.frame(), nodes.ClassDef) or isinstance(parent.scope(), nodes.ClassDef)


def _is_attribute_from_parameter(attribute: nodes.Attribute) -> bool:
    """``self.limit`` in a method, where the class's own methods assign
    ``self.limit = limit`` from a plain parameter (``__init__(self, limit=10)``).

    astroid infers ``self`` (cheap: the class is in this module) and looks
    the attribute up on that instance: ``Instance.igetattr`` infers *every*
    assignment in ``instance_attr`` — the class's own ``instance_attrs``
    first, then its ancestors' — and yields all their values. One of them
    being a plain parameter puts Uninferable among the values, whatever the
    others hold. Only ``self.x = p`` / ``self.x: T = p`` with ``p`` passing
    :func:`_includes_uninferable` count; an owner that is not exactly one
    plain instance (a class, several candidates, an instance type with its
    own attribute rules) is kept, except an Uninferable owner, for which
    astroid yields Uninferable directly.
    """
    owner = attribute.expr
    assert isinstance(owner, nodes.Name)
    if not _is_first_parameter(owner):  # inferring anything else may load other modules
        return False
    try:
        values = list(owner.infer())
    except ASTROID_FAILURES:
        return False
    if any(isinstance(value, util.UninferableBase) for value in values):
        return True
    instance = values[0] if len(values) == 1 else None
    # Exactly these types: their igetattr is BaseInstance's, argued above.
    if not (type(instance) is bases.Instance or type(instance) is objects.ExceptionInstance):
        return False
    klass = instance._proxied
    if not isinstance(klass, nodes.ClassDef):
        return False
    # astroid annotates ClassDef.instance_attrs as name -> node; it holds lists, as on FunctionDef.
    assignments = cast(dict[str, list[nodes.NodeNG]], klass.instance_attrs).get(attribute.attrname, [])
    for assigned in assignments:
        statement = assigned.parent
        if not isinstance(assigned, nodes.AssignAttr) or _has_tip(assigned):
            continue
        if isinstance(statement, nodes.Assign) and statement.targets == [assigned]:
            value: nodes.NodeNG | None = statement.value
        elif isinstance(statement, nodes.AnnAssign) and cast(nodes.NodeNG, statement.target) is assigned:
            value = statement.value
        else:
            continue
        # (one level: ``self.a = self.b`` is not followed, so cycles cannot recurse)
        if value is not None and not isinstance(value, nodes.Await) and _includes_uninferable(value, False):
            return True
    return False


def _is_first_parameter(name: nodes.Name) -> bool:
    """``name`` is bound only as the first parameter of a function (``self``)."""
    try:
        _, bindings = name.lookup(name.name)
    except ASTROID_FAILURES:
        return False
    if len(bindings) != 1:
        return False
    binding = bindings[0]
    arguments = binding.parent
    return isinstance(arguments, nodes.Arguments) and bool(arguments.arguments) and arguments.arguments[0] is binding
