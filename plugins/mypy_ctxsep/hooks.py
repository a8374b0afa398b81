"""The mypy plugin class: which fullnames get a hook, cheaply, and cache data.

mypy asks ``get_function_hook``/``get_method_hook`` for every call it checks
(twice when a hook is returned) and ``get_attribute_hook`` for every
attribute access, so each answer is classified once per fullname and then
served from a ``dict`` whose bound ``__getitem__`` replaces the method on the
instance: a hit never enters Python code. Everything that costs — resolving
the fullname, reading its declared signature, walking a class's MRO through
the vocabulary — happens once per fullname, in the ``_*_slow`` methods. The
base-class hook is served the same way, and the hook getters the plugin has
no use for (``get_type_analyze_hook``, asked for every type mypy analyses,
and the rest) are an empty dict's ``get``: None, from C.

The checks do nothing in a module whose errors mypy drops (followed with
``follow_imports = silent``, ``ignore_errors``): see ``Reporter.muted``.

A fullname gets a hook only when it can matter: a dual-pattern callable
(CTX006), a legacy constructor (CTX002, CTX001), a context class, its
classmethods and its attributes (CTX001/CTX004/CTX005), ``dataclasses.replace``,
``setattr``/``getattr``/``delattr``/``object.__setattr__``, mutating
container methods (CTX004) and ``Depends``. mypy's default plugin is kept
for every name it handles: its hook runs first and ours after it
(:func:`_chain`), so no special typing (``functools.partial``, dataclasses,
enums, TypedDict) is lost.

Callees and classes are recognised with one vocabulary per run: the one of
the ctxsep config governing mypy's config file's directory (or the working
directory). Phase, severities, suppressions and the baseline are per file.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from mypy.nodes import FUNC_NO_INFO, Decorator, FuncDef, MypyFile, SymbolNode, TypeInfo
from mypy.options import Options
from mypy.plugin import AttributeContext, ClassDefContext, Plugin, ReportConfigContext
from mypy.plugins.default import DefaultPlugin
from mypy.types import Type

from ctxsep.baseline.typed import record_checked
from ctxsep.config import SettingsResolver
from ctxsep.model import ConfigError
from ctxsep.rules.ctx006_dual_pattern_call import dual_pattern_signature
from ctxsep.semantics import Vocabulary
from mypy_ctxsep.aliases import AliasTargets
from mypy_ctxsep.attributes import AttributeChecks, SemanalApi
from mypy_ctxsep.cache import ConfigSlices, daemon_version, outside_project
from mypy_ctxsep.calls import CTX001, MUTATORS, CallChecks, DualSpec
from mypy_ctxsep.report import Reporter
from mypy_ctxsep.typeview import TypeView, declared_callable, display_name

Hook = Callable[[Any], Type]
Check = Callable[[Any], None]
_ATTRIBUTE_FUNCTIONS = frozenset({"builtins.setattr", "builtins.delattr", "builtins.getattr"})
_ATTRIBUTE_METHODS = frozenset({"builtins.object.__setattr__", "builtins.object.__delattr__"})
#: ``Plugin``'s hook getters this plugin leaves alone (all answer None), and
#: a C function that answers None for any name (an empty dict's ``get``).
_UNUSED_HOOKS = (
    "get_type_analyze_hook",
    "get_function_signature_hook",
    "get_method_signature_hook",
    "get_class_attribute_hook",
    "get_class_decorator_hook",
    "get_metaclass_hook",
    "get_customize_class_mro_hook",
    "get_dynamic_class_hook",
)
_NO_HOOK: Callable[[str], None] = dict[str, None]().get

#: Every live instance: a new one (dmypy makes one per ``dmypy run`` while
#: the build keeps checking with the first) resets them all.
_LIVE: weakref.WeakSet[CtxsepPlugin] = weakref.WeakSet()


class _HookTable(dict[str, Any]):
    """fullname -> hook or None; a miss runs ``slow`` (which stores final answers)."""

    def __init__(self, slow: Callable[[str], Any]) -> None:
        super().__init__()
        self.slow = slow

    def __missing__(self, fullname: str) -> Any:
        return self.slow(fullname)


class CtxsepPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._default = DefaultPlugin(options)
        self.resolver = SettingsResolver()
        self._failures: set[str] = set()
        self._owners: dict[str, TypeInfo | None] = {}
        self._typeshed: dict[str, bool] = {}
        self._functions = _HookTable(self._function_hook_slow)
        self._methods = _HookTable(self._method_hook_slow)
        self._attributes = _HookTable(self._attribute_hook_slow)
        self._bases = _HookTable(self._base_class_hook_slow)
        # Instance attributes win over the class's methods, and mypy looks the
        # method up on the instance for every call: hits are served in C.
        self.get_function_hook = self._functions.__getitem__  # type: ignore[method-assign,assignment]
        self.get_method_hook = self._methods.__getitem__  # type: ignore[method-assign,assignment]
        self.get_attribute_hook = self._attributes.__getitem__  # type: ignore[method-assign,assignment]
        self.get_base_class_hook = self._bases.__getitem__  # type: ignore[method-assign,assignment]
        # The hooks ctxsep has no use for answer None from C too, instead of
        # through a bound method made per question (~200k questions a run,
        # most of them get_type_analyze_hook; see docs/integrations/mypy.md).
        for name in _UNUSED_HOOKS:
            setattr(self, name, _NO_HOOK)
        self._setup(self._run_vocabulary())
        for other in list(_LIVE):
            other.reset()
        _LIVE.add(self)
        if "mypy.dmypy_server" in sys.modules:
            _set_version(daemon_version(self.resolver))

    def _setup(self, vocab: Vocabulary) -> None:
        self.slices = ConfigSlices(self.resolver, vocab)
        self.types = TypeView(vocab)
        self.aliases = AliasTargets(self.types, self.lookup_fully_qualified, lambda: self._modules or {})
        self.reporter = Reporter(self.resolver)
        self.calls = CallChecks(self.reporter, self.types, self.aliases.legacy_constructor)
        self.attributes = AttributeChecks(self.reporter, self.types)

    def reset(self) -> None:
        """Forget every classification and file (dmypy: the code may have changed)."""
        for table in (self._functions, self._methods, self._attributes, self._bases):
            table.clear()
        self._owners.clear()
        self._typeshed.clear()
        self.resolver = SettingsResolver()
        self._setup(self._run_vocabulary())

    def _run_vocabulary(self) -> Vocabulary:
        """The vocabulary of the ctxsep config governing mypy's config file's
        directory; when none does (a shared mypy config kept outside the
        project), the working directory's, so the project's own names are
        not silently replaced by the default bare ones."""
        config_file = self.options.config_file
        directory = Path(config_file).resolve().parent if config_file else Path.cwd()
        try:
            config = self.resolver.config_for_dir(directory)
            if config.path is None and directory != Path.cwd().resolve():
                config = self.resolver.config_for_dir(Path.cwd())
            return config.vocabulary
        except ConfigError as exc:
            # Reported as ctx-config-error where a finding would be; recognise with the defaults meanwhile.
            print("\n".join(f"ctxsep: {problem}" for problem in exc.problems), file=sys.stderr)
            return Vocabulary.default()

    def set_modules(self, modules: dict[str, Any]) -> None:
        super().set_modules(modules)
        self._default.set_modules(modules)

    # -- calls ---------------------------------------------------------------------------

    def _function_hook_slow(self, fullname: str) -> Hook | None:
        return self._classified(self._functions, fullname, self._default.get_function_hook, method=False)

    def _method_hook_slow(self, fullname: str) -> Hook | None:
        return self._classified(self._methods, fullname, self._default.get_method_hook, method=True)

    def _classified(
        self, table: _HookTable, fullname: str, default: Callable[[str], Hook | None], method: bool
    ) -> Hook | None:
        try:
            checks, final = self._call_checks(fullname, method)
            hook = _chain(default(fullname), checks, self.reporter, fullname)
        except Exception as exc:  # classification failed: leave the name alone
            self._classification_failed(fullname, exc)
            hook, final = default(fullname), True
        if final:
            table[fullname] = hook
        return hook

    def _call_checks(self, fullname: str, method: bool) -> tuple[list[Check], bool]:
        calls = self.calls
        if not method:
            if fullname in _ATTRIBUTE_FUNCTIONS:
                return [calls.attribute_function], True
            if fullname == "dataclasses.replace":
                return [calls.replace], True
            if fullname.rpartition(".")[2] == "Depends":
                return [calls.depends], True
        else:
            if fullname in _ATTRIBUTE_METHODS:
                return [calls.attribute_function], True
            if fullname.rpartition(".")[2] in MUTATORS:
                return [calls.mutator], True
        if self._in_typeshed(fullname):
            return [], True  # no context type, legacy constructor or dual-pattern service lives there
        node = self._resolve(fullname, method)
        if node is None:
            return [], True
        callable_type, final = declared_callable(node)
        checks: list[Check] = []
        if callable_type is not None and self.types.may_be_dual_pattern(callable_type):
            signature = dual_pattern_signature(self.types.param_shapes(callable_type), self.types.vocab)
            if signature is not None:
                count = len(callable_type.arg_types)
                spec = DualSpec(
                    callee=display_name(fullname, node, callable_type),
                    context_param=signature.context_param,
                    context_offset=signature.context_index - count,
                    session_param=signature.session_param,
                    session_offset=signature.session_index - count,
                )
                checks.append(lambda ctx: calls.dual_pattern(ctx, spec))
        legacy = self.aliases.legacy_constructor(fullname, node)
        if legacy is not None:
            checks.append(lambda ctx: calls.legacy_constructor(ctx, legacy))
            checks.append(calls.session_arguments)
        elif self._builds_a_context(node, method):
            checks.append(calls.session_arguments)
        return checks, final

    def _builds_a_context(self, node: SymbolNode, method: bool) -> bool:
        """A context class (its constructor) or one of its classmethods."""
        if isinstance(node, TypeInfo):
            return self.types.info(node).kind.is_context
        return method and _is_classmethod_of_context(node, self.types)

    def _resolve(self, fullname: str, method: bool) -> SymbolNode | None:
        if "." not in fullname:
            return None  # a bare name (functools.partial's calls): nothing to look up
        symbol = self.lookup_fully_qualified(fullname)
        if symbol is not None:
            return symbol.node
        if method:  # method hooks name the receiver's class: SubService.process
            owner, _, attr = fullname.rpartition(".")
            found = self.lookup_fully_qualified(owner) if "." in owner else None
            if found is not None and isinstance(found.node, TypeInfo):
                member = found.node.get(attr)  # walks the MRO
                return member.node if member is not None else None
        return None

    # -- attributes ----------------------------------------------------------------------

    def _attribute_hook_slow(self, fullname: str) -> Hook | None:
        default = self._default.get_attribute_hook(fullname)
        hook: Hook | None = default
        try:
            owner, _, attr = fullname.rpartition(".")
            owner_info = None if self._in_typeshed(owner) else self._context_class(owner)
            if owner_info is not None:
                member = owner_info.get(attr)
                declared = self.types.fullnames(getattr(member.node, "type", None)) if member is not None else ()
                is_session = CTX001.is_session_attribute(attr, declared, self.types.vocab)
                check = self.attributes.attribute
                hook = _chain_attribute(default, lambda ctx: check(ctx, attr, is_session), self.reporter, fullname)
        except Exception as exc:
            self._classification_failed(fullname, exc)
        self._attributes[fullname] = hook
        return hook

    def _in_typeshed(self, fullname: str) -> bool:
        """Whether ``fullname`` lives in a module mypy took from its bundled
        typeshed (the standard library): never a context class, a legacy
        constructor or a dual-pattern service. A dict test per top-level
        package, so most of the calls mypy checks are classified at once."""
        top = fullname.partition(".")[0]
        known = self._typeshed.get(top)
        if known is None:
            module = (self._modules or {}).get(top)
            path = getattr(module, "path", None)
            known = self._typeshed[top] = isinstance(path, str) and "typeshed" in Path(path).parts
        return known

    def _context_class(self, fullname: str) -> TypeInfo | None:
        """The context class ``fullname`` names, else None (memoised: a class
        has many attributes)."""
        if fullname not in self._owners:
            symbol = self.lookup_fully_qualified(fullname) if "." in fullname else None
            info = symbol.node if symbol is not None else None
            is_context = isinstance(info, TypeInfo) and self.types.info(info).kind.is_context
            self._owners[fullname] = info if is_context else None  # type: ignore[assignment]
        return self._owners[fullname]

    # -- classes (semantic analysis) -------------------------------------------------------

    def get_class_decorator_hook_2(self, fullname: str) -> Callable[[ClassDefContext], bool] | None:
        inner = self._default.get_class_decorator_hook_2(fullname)
        if inner is None:
            return None
        fields = self.attributes.class_fields
        reporter = self.reporter

        def dataclass_then_fields(ctx: ClassDefContext) -> bool:
            done = inner(ctx)  # the dataclass semantics first, untouched
            if done:  # the final pass: field types are resolved
                _guarded(reporter, ctx, partial(fields, ctx), f"class {ctx.cls.name!r}")
            return done

        return dataclass_then_fields

    def _base_class_hook_slow(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        inner = self._default.get_base_class_hook(fullname)
        hook: Callable[[ClassDefContext], None] | None = inner
        final = True
        try:
            symbol = self.lookup_fully_qualified(fullname)
            base = symbol.node if symbol is not None else None
            if isinstance(base, TypeInfo):
                final = bool(base.mro)  # not analysed yet: decide next time
                if self.types.info(base).kind.is_context:
                    hook = self._subclass_fields(inner)
        except Exception as exc:
            self._classification_failed(fullname, exc)
        if final:
            self._bases[fullname] = hook
        return hook

    def _subclass_fields(self, inner: Callable[[ClassDefContext], None] | None) -> Callable[[ClassDefContext], None]:
        fields = self.attributes.class_fields
        reporter = self.reporter

        def subclass_fields(ctx: ClassDefContext) -> None:
            if inner is not None:
                inner(ctx)
            _guarded(reporter, ctx, partial(fields, ctx), f"class {ctx.cls.name!r}")

        return subclass_fields

    # -- mypy's cache ----------------------------------------------------------------------

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        """No extra dependencies; while recording (``CTXSEP_RECORD``), note
        each project module mypy processes, so ``ctxsep baseline --typed``
        judges its entries for exactly those files."""
        if self.slices.record is not None and file.path and not outside_project(file.path):
            record_checked("mypy", os.path.abspath(file.path))
        return []

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        """The slice of config that decides this module's findings
        (:class:`~mypy_ctxsep.cache.ConfigSlices`); None outside the project."""
        return self.slices.for_path(ctx.path)

    def _classification_failed(self, fullname: str, exc: BaseException) -> None:
        """No API to report through here: say it on stderr (once per kind of
        failure), and leave the name alone."""
        reason = f"{type(exc).__name__}: {exc}"
        if reason not in self._failures:
            self._failures.add(reason)
            print(f"ctxsep: internal error while classifying {fullname}: {reason} (please report it)", file=sys.stderr)


# -- helpers -------------------------------------------------------------------------------


def _chain(default: Hook | None, checks: list[Check], reporter: Reporter, fullname: str) -> Hook | None:
    """The default plugin's hook (if any) decides the type; ours only report."""
    if not checks:
        return default

    def hook(ctx: Any) -> Type:
        result: Type = default(ctx) if default is not None else ctx.default_return_type
        for check in checks:
            _guarded(reporter, ctx, partial(check, ctx), f"the call of {fullname}")
        return result

    return hook


def _chain_attribute(default: Hook | None, check: Check, reporter: Reporter, fullname: str) -> Hook:
    def hook(ctx: AttributeContext) -> Type:
        result: Type = default(ctx) if default is not None else ctx.default_attr_type
        _guarded(reporter, ctx, partial(check, ctx), f"the attribute {fullname}")
        return result

    return hook


def _guarded(reporter: Reporter, ctx: Any, run: Callable[[], None], what: str) -> None:
    """Run a check; a bug in ctxsep becomes one ``ctx-file-skipped`` error,
    never mypy's INTERNAL ERROR. Nothing runs in a module whose errors mypy
    drops (``Reporter.muted``): no one would see what the check reports."""
    if reporter.muted(ctx.api):
        return
    try:
        run()
    except Exception as exc:
        try:
            if isinstance(ctx, ClassDefContext):
                reporter.failure(SemanalApi(ctx.api), ctx.cls, what, exc)
            else:
                reporter.failure(ctx.api, getattr(ctx, "context", None), what, exc)
        except Exception as inner:  # not even that worked
            print(f"ctxsep: could not check {what}: {type(exc).__name__}: {exc} ({inner})", file=sys.stderr)


def _is_classmethod_of_context(node: SymbolNode | None, types: TypeView) -> bool:
    if isinstance(node, Decorator):
        func: FuncDef = node.func
        return bool(func.is_class) and func.info is not FUNC_NO_INFO and types.info(func.info).kind.is_context
    return False


def _set_version(version: str) -> None:
    for name in ("mypy_ctxsep", __name__):
        module = sys.modules.get(name)
        if module is not None:
            module.__version__ = version  # type: ignore[attr-defined]


__all__ = ["CtxsepPlugin"]
