"""mypy's types, translated into the engine's host-neutral terms.

Everything here answers "what is this, in the migration's vocabulary?" for
a mypy type or declaration, and nothing decides whether something is a
finding. A class is what the vocabulary says about the first class in its
MRO that it names (SPEC §2: a class deriving from a context type is one);
a union is a context of one kind only when every member other than ``None``
is; ``Any`` and everything else is unknown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from mypy.nodes import (
    ARG_NAMED_OPT,
    ARG_OPT,
    ARG_STAR,
    ARG_STAR2,
    Decorator,
    FuncDef,
    OverloadedFuncDef,
    SymbolNode,
    TypeInfo,
    Var,
)
from mypy.types import (
    CallableType,
    Instance,
    NoneType,
    Overloaded,
    ProperType,
    Type,
    TypeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from ctxsep.rules.ctx006_dual_pattern_call import ArgContext, ParamShape
from ctxsep.semantics import Category, Vocabulary


class Kind(enum.Enum):
    LEGACY = "legacy"
    SCOPED = "scoped"
    SESSION = "session"
    OTHER = "other"

    @property
    def is_context(self) -> bool:
        return self is Kind.LEGACY or self is Kind.SCOPED


_KINDS = {
    Category.LEGACY_CONTEXT_TYPE: Kind.LEGACY,
    Category.SCOPED_CONTEXT_TYPE: Kind.SCOPED,
    Category.SESSION_TYPE: Kind.SESSION,
}


@dataclass(frozen=True, slots=True)
class ClassView:
    kind: Kind
    matched: str  # fullname of the class in the MRO the vocabulary names (the class itself otherwise)
    name: str  # the class's own short name, for messages


class TypeView:
    """Classifies mypy types with one vocabulary, memoised per class.

    One per plugin instance (dmypy builds a new instance for every run, so
    the memo never outlives the classes it describes).
    """

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._classes: dict[int, tuple[TypeInfo, ClassView]] = {}
        self._fullnames: dict[str, Category | None] = {}

    def classify_fullname(self, fullname: str) -> Category | None:
        """The vocabulary's category of a fullname, once per name: a name
        whose last component no entry ends with (nearly every name mypy
        asks about) is answered without building a qualified name."""
        try:
            return self._fullnames[fullname]
        except KeyError:
            pass
        last = fullname.rpartition(".")[2]
        category = self.vocab.match_fullname(fullname) if self.vocab.might_match(last) else None
        self._fullnames[fullname] = category
        return category

    def info(self, info: TypeInfo) -> ClassView:
        cached = self._classes.get(id(info))
        if cached is not None and cached[0] is info:
            return cached[1]
        view = ClassView(Kind.OTHER, info.fullname, info.name)
        for base in info.mro or [info]:
            category = self.classify_fullname(base.fullname)
            if category in _KINDS:
                view = ClassView(_KINDS[category], base.fullname, info.name)
                break
        if info.mro:  # during semantic analysis a class may not have its MRO yet: ask again later
            self._classes[id(info)] = (info, view)
        return view

    def may_be_dual_pattern(self, callable_type: CallableType) -> bool:
        """The cheap test before :meth:`param_shapes`: some parameter's type
        is a union (or a TypeVar bound to one) naming both a legacy and a
        request-scoped context type. Most callables have no union parameter."""
        for typ in callable_type.arg_types:
            proper = get_proper_type(typ)
            if not isinstance(proper, (UnionType, TypeVarType)):
                continue
            kinds = {self.info(m.type).kind for m in members(proper) if isinstance(m, Instance)}
            if Kind.LEGACY in kinds and Kind.SCOPED in kinds:
                return True
        return False

    def instance_views(self, typ: Type | None) -> list[ClassView | None]:
        """Per member other than None: its class view, or None for a
        non-instance (``Any``, a callable, a literal...)."""
        return [
            self.info(member.type) if isinstance(member, Instance) else None
            for member in members(typ)
            if not isinstance(member, NoneType)
        ]

    def context(self, typ: Type | None) -> tuple[ArgContext, str]:
        """(kind, class name) of a value's type, as CTX006 and the
        attribute rules see it: UNKNOWN unless every member is a context of
        one kind."""
        views = self.instance_views(typ)
        if not views or any(v is None or not v.kind.is_context for v in views):
            return ArgContext.UNKNOWN, ""
        kinds = {v.kind for v in views if v is not None}
        if len(kinds) != 1:
            return ArgContext.UNKNOWN, ""
        names = sorted({v.name for v in views if v is not None})
        return (ArgContext.LEGACY if kinds == {Kind.LEGACY} else ArgContext.SCOPED), " or ".join(names)

    def is_context(self, typ: Type | None) -> bool:
        return self.context(typ)[0] is not ArgContext.UNKNOWN

    def is_session(self, typ: Type | None) -> bool:
        """Some member is a session type (``AsyncSession | None`` is)."""
        return any(v is not None and v.kind is Kind.SESSION for v in self.instance_views(typ))

    def fullnames(self, typ: Type | None) -> tuple[str, ...]:
        """The type as the engine's ``ParamShape`` wants it: per member the
        fullname the vocabulary names (through the MRO), else its own."""
        names = []
        for member in members(typ):
            if isinstance(member, Instance):
                names.append(self.info(member.type).matched)
            elif isinstance(member, TypeType) and isinstance(member.item, Instance):
                names.append(f"type[{member.item.type.fullname}]")
        return tuple(names)

    def param_shapes(self, callable_type: CallableType) -> list[ParamShape]:
        """The callable's parameters for ``dual_pattern_signature``. ``*args``
        and ``**kwargs`` keep their place (so indices match) but can never
        be the context or the session."""
        shapes = []
        for index, (kind, name, typ) in enumerate(
            zip(callable_type.arg_kinds, callable_type.arg_names, callable_type.arg_types, strict=False)
        ):
            if kind in (ARG_STAR, ARG_STAR2):
                shapes.append(ParamShape("", (), False))
            else:
                # A positional-only parameter has no name in mypy's types (nor in
                # its cache): it is named by position, the same cold or warm.
                label = name or f"positional parameter {index + 1}"
                shapes.append(ParamShape(label, self.fullnames(typ), kind in (ARG_OPT, ARG_NAMED_OPT)))
        return shapes


def members(typ: Type | None) -> list[ProperType]:
    """A type's union members, flattened (a TypeVar stands for its bound)."""
    out: list[ProperType] = []
    stack = [typ]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        proper = get_proper_type(current)
        if isinstance(proper, UnionType):
            stack.extend(reversed(proper.items))
        elif isinstance(proper, TypeVarType):
            stack.append(proper.upper_bound)
        else:
            out.append(proper)
    return out


def only_none(typ: Type | None) -> bool:
    """The type is ``None`` (a literal ``None`` argument, or ``x: None``)."""
    found = members(typ)
    return bool(found) and all(isinstance(m, NoneType) for m in found)


def declared_callable(node: object) -> tuple[CallableType | None, bool]:
    """(the declared signature of what a fullname names, whether that answer
    is final). Not final: a module-level alias (``proc = svc.process``)
    whose type mypy has not inferred yet, or a decorated function whose
    decorated type is not known yet."""
    typ: Type | None = None
    final = True
    if isinstance(node, FuncDef):
        typ = node.type
    elif isinstance(node, Decorator):
        typ = node.var.type
        if typ is None:
            trivial = all(_is_trivial_decorator(d) for d in node.original_decorators)
            typ = node.func.type if trivial else None
            final = trivial
    elif isinstance(node, Var):
        typ = node.type
        final = typ is not None
    elif isinstance(node, TypeInfo):
        init = node.get_method("__init__")
        if init is not None and init.info is not None and init.info.fullname != "builtins.object":
            return declared_callable(init)
        return None, True
    elif isinstance(node, OverloadedFuncDef):
        typ = node.type
    proper = get_proper_type(typ) if typ is not None else None
    if isinstance(proper, Overloaded):
        proper = proper.items[0]  # an overloaded dual-pattern callable: its first signature
    return (proper if isinstance(proper, CallableType) else None), final


def _is_trivial_decorator(expr: object) -> bool:
    name = getattr(expr, "fullname", None) or getattr(expr, "name", None)
    return name in ("builtins.classmethod", "builtins.staticmethod", "classmethod", "staticmethod")


def display_name(fullname: str, node: SymbolNode | None, callable_type: CallableType | None) -> str:
    """``Service.process``, ``process_fn`` or ``Handler`` (a constructor), for messages."""
    if isinstance(node, TypeInfo):
        return node.name
    if isinstance(node, Var):  # an alias: named as called (its type may come from the cache, without a definition)
        return fullname.rsplit(".", 1)[-1]
    definition: SymbolNode | None = node.func if isinstance(node, Decorator) else None
    if definition is None and callable_type is not None:
        definition = callable_type.definition
    if isinstance(definition, FuncDef):
        if _has_info(definition):
            owner = definition.info.name
            return owner if definition.name == "__init__" else f"{owner}.{definition.name}"
        return definition.name
    return fullname.rsplit(".", 1)[-1]


def _has_info(func: FuncDef) -> bool:
    """Module-level functions carry FUNC_NO_INFO, a FakeInfo that raises on
    any attribute access: test it without touching it."""
    from mypy.nodes import FUNC_NO_INFO

    return func.info is not FUNC_NO_INFO
