"""What the code means, as far as the migration is concerned: which names are
vocabulary, which values are contexts or sessions, where a function gets its
session. Rules ask :class:`FileSemantics`; they never resolve names themselves.
"""

from __future__ import annotations

import ast
import re

from ctxsep.semantics.callees import first_param, raises_blocks
from ctxsep.semantics.evidence import ClassFacts, Evidences
from ctxsep.semantics.followed import FixtureSource
from ctxsep.semantics.functions import FunctionFacts, SessionAccess, function_facts, session_getattr
from ctxsep.semantics.kinds import NOTHING, ContextKind, Evidence
from ctxsep.semantics.nodes import word_start_groups
from ctxsep.semantics.resolve import Resolver, TypeRef, is_alias_value, parse_string_annotation
from ctxsep.semantics.scopes import FUNCTION_NODES, SCOPE_NODES, BindingKind, Pos, Scope, ScopeKind, import_base, pos_of
from ctxsep.semantics.vocabulary import Category, QualifiedName, Vocabulary

#: ``as NAME`` (imports, ``with``, ``except``) and ``class NAME``, also across a
#: line continuation; one pass over the text. The name is matched in a
#: lookahead, so a ``class`` right after an ``as`` (``... as\nclass C:``) is
#: matched too.
_AS_OR_CLASS = re.compile(r"(?:as|class)[\s\\]+(?=([^\W\d]\w*))")  # at a word start: word_start_groups


class FileSemantics:
    """Memoized semantic questions about one parsed file."""

    def __init__(
        self,
        tree: ast.Module,
        vocab: Vocabulary,
        module_parts: tuple[str, ...],
        source: str = "",
        conftest: FixtureSource | None = None,
    ) -> None:
        self.tree = tree
        self._source = source
        self._candidates: frozenset[str] | None = None
        self.vocab = vocab
        self._identifiers = vocab.identifiers
        self.module = Scope(tree, None, module_parts)
        # Without ``:=`` in the text no expression binds a name (scopes.statement_nodes).
        self.module.binds_in_expressions = not source or ":=" in source
        self._scopes: dict[int, Scope] = {id(tree): self.module}
        self.resolver = Resolver(vocab, module_parts)
        #: ``conftest`` gives the fixtures of the conftest.py files above the file
        self.evidence = Evidences(self.resolver, self.scope_of, conftest)
        self.evidence.followed.source = source
        self.evidence.setattr_in_source = not source or "setattr" in source
        self._function_memo: dict[int, FunctionFacts] = {}
        self._raises_blocks: list[tuple[Pos, Pos]] | None = None
        self._type_names: frozenset[str] | None = None

    def scope_of(self, node: ast.AST, parent: Scope) -> Scope:
        """The scope ``node`` opens (created on first use)."""
        scope = self._scopes.get(id(node))
        if scope is None:
            scope = Scope(node, parent, self.module.module_parts)
            self._scopes[id(node)] = scope
        return scope

    def might_name(self, identifier: str) -> bool:
        """A cheap filter before resolving a bare identifier: can it name a
        vocabulary entry at all?

        A name resolves to what its binding says (``resolve.Resolver``): an
        unbound name, a ``def`` and an import without ``as`` name themselves
        (so only a vocabulary name can match); a class may derive from a
        legacy type (CTX007); only a module-level assignment is followed as
        an alias. So the candidates are vocabulary names, ``as`` renames
        anywhere in the source, ``class`` names anywhere in the source, and
        names assigned or renamed at module level; any other name resolves
        to nothing in the vocabulary, in every scope."""
        candidates = self._candidates
        if candidates is None:
            candidates = self._candidates = self._candidate_names()
        return identifier in candidates

    def _candidate_names(self) -> frozenset[str]:
        found = set(self.vocab.identifiers)
        found.update(word_start_groups(_AS_OR_CLASS, self._source))
        for name, bindings in self.module.bindings.items():
            for binding in bindings:
                kind = binding.kind
                if kind is BindingKind.ASSIGN or kind is BindingKind.CLASS:
                    found.add(name)
                    break
                if kind is BindingKind.IMPORT and (binding.qualified is None or binding.qualified.last != name):
                    found.add(name)
                    break
        return frozenset(found)

    def might_reference(self, node: ast.Name | ast.Attribute) -> bool:
        """A loaded name or attribute that could name a vocabulary entry: the
        cheap test CTX002 and CTX007 apply before resolving it (it runs for
        every name and attribute of a file, so it is one set lookup)."""
        if not isinstance(node.ctx, ast.Load):
            return False
        if isinstance(node, ast.Name):
            candidates = self._candidates
            if candidates is None:
                candidates = self._candidates = self._candidate_names()
            return node.id in candidates
        return node.attr in self._identifiers

    def type_names(self) -> frozenset[str]:
        """Identifiers that may name a context type or constructor here: the
        vocabulary's, and module-level classes, aliases and imports of a
        vocabulary name under another name. A call of anything else (or of
        an attribute of anything else) cannot build a context, which spares
        CTX001 the evidence of most calls' arguments."""
        if self._type_names is None:
            vocab = self.vocab
            names = set(vocab.identifiers)
            for name, bindings in self.module.bindings.items():
                for binding in bindings:
                    kind = binding.kind
                    if (
                        kind is BindingKind.CLASS
                        or (kind is BindingKind.ASSIGN and is_alias_value(binding.node))
                        or (
                            kind is BindingKind.IMPORT
                            and binding.qualified
                            and vocab.might_match(binding.qualified.last)
                        )
                    ):
                        names.add(name)
            self._type_names = frozenset(names)
        return self._type_names

    def signature_scope(self, node: ast.AST, scope: Scope) -> Scope:
        """The scope ``node`` is evaluated in: a ``def``'s decorators,
        annotations, defaults and PEP 695 bounds are evaluated in the
        enclosing scope, though the walk meets them inside the function's
        (a name the body re-imports must not hide them)."""
        fn = scope.node
        if scope.kind is not ScopeKind.FUNCTION or scope.parent is None or not isinstance(fn, FUNCTION_NODES):
            return scope
        body_start = pos_of(fn.body[0]) if fn.body else (1 << 30, 0)
        return scope.parent if pos_of(node) < body_start else scope

    def in_raises_block(self, node: ast.AST) -> bool:
        """Whether ``node`` sits in the body of ``with pytest.raises(...)`` or
        ``with self.assertRaises(...)`` (a test that the code raises: writing
        to a frozen context there is the test, not a mutation)."""
        if self._raises_blocks is None:
            source = self._source
            might = not source or "raises" in source or "assertRaises" in source
            self._raises_blocks = raises_blocks(self.tree) if might else []
        where = pos_of(node)
        return any(start <= where <= end for start, end in self._raises_blocks)

    # -- shortcuts rules use ------------------------------------------------------

    def qualified(self, expr: ast.AST, scope: Scope) -> QualifiedName | None:
        return self.resolver.qualified(expr, scope)

    def category(self, expr: ast.AST, scope: Scope) -> Category | None:
        return self.resolver.category(expr, scope)

    def of(self, expr: ast.AST, scope: Scope) -> Evidence:
        return self.evidence.of(expr, scope)

    def is_context(self, expr: ast.AST, scope: Scope) -> bool:
        return self.evidence.of(expr, scope).is_context

    def is_own_self(self, expr: ast.AST, scope: Scope) -> bool:
        return self.evidence.is_own_self(expr, scope)

    def class_facts(self, node: ast.ClassDef, outer: Scope) -> ClassFacts:
        return self.evidence.class_facts(node, outer)

    def enclosing_context_class(self, scope: Scope) -> ClassFacts | None:
        return self.evidence.enclosing_context_class(scope)

    def function_facts(self, scope: Scope) -> FunctionFacts:
        memo = self._function_memo.get(id(scope.node))
        if memo is None:
            memo = function_facts(scope, self.evidence, self.scope_of)
            self._function_memo[id(scope.node)] = memo
        return memo

    def annotation_types(self, expr: ast.AST | None, scope: Scope) -> list[TypeRef]:
        return self.resolver.annotation_types(expr, scope)

    def module_name_target(self, name: str) -> QualifiedName | None:
        """What the module-level name ``name`` finally names, as far as this
        file tells: an import's target, a class or function defined here,
        or what an alias (``make_ctx = create_user_execution_context``)
        names. For a type-aware front end whose host kept an alias's type
        but not what it was assigned from (mypy's incremental cache)."""
        binding = self.module.local_binding(name, None)
        return self.resolver.binding_name(binding) if binding is not None else None


__all__ = [
    "FUNCTION_NODES",
    "NOTHING",
    "SCOPE_NODES",
    "Category",
    "ClassFacts",
    "ContextKind",
    "Evidence",
    "FileSemantics",
    "FunctionFacts",
    "Pos",
    "QualifiedName",
    "Scope",
    "ScopeKind",
    "SessionAccess",
    "TypeRef",
    "Vocabulary",
    "first_param",
    "import_base",
    "parse_string_annotation",
    "pos_of",
    "session_getattr",
]
