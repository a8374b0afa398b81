"""The tree-wide half of ``ctxsep names``: group every file's definitions by
vocabulary entry, resolve ``from ... import`` statements across modules (so
each definition gets its importer count and the re-export paths people
actually import it by), flag bare names with more than one candidate, and
turn it all into the dotted ``[tool.ctxsep.names]`` lines to paste.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ctxsep.inventory.facts import Alias, Definition, FileFacts, UnboundUse
from ctxsep.inventory.judge import LIKELY, UNKNOWN, UNLIKELY
from ctxsep.inventory.producers import FlowSuggestion, Producer, suggest
from ctxsep.semantics.vocabulary import Category, Vocabulary

#: Re-export chains longer than this are given up on.
_MAX_HOPS = 8
#: External packages whose ``Session`` classes are database sessions.
_DATABASE_PACKAGES = frozenset({"sqlalchemy", "sqlmodel"})
_METHOD_KINDS = frozenset({"method", "async method"})


@dataclass
class Candidate:
    """One definition with what the rest of the tree says about it."""

    definition: Definition
    importers: set[str] = field(default_factory=set)  # files importing it
    spellings: dict[str, set[str]] = field(default_factory=dict)  # dotted import path -> importing files


@dataclass
class AliasCandidate:
    alias: Alias
    importers: set[str] = field(default_factory=set)
    #: whether what it aliases is itself suggested, and why not
    target: tuple[bool, str] = (True, "")


@dataclass
class NameGroup:
    """Everything one identifier of one category matches in the tree."""

    category: str
    name: str
    configured: tuple[str, ...]  # the current entries ending with this name
    candidates: list[Candidate] = field(default_factory=list)
    external: dict[str, set[str]] = field(default_factory=dict)  # module outside the tree -> importing files
    missing: dict[str, set[str]] = field(default_factory=dict)  # module in the tree lacking the name -> files
    unbound: list[UnboundUse] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) + len(self.external) > 1


@dataclass(frozen=True)
class Suggestion:
    """One line of the paste block."""

    entry: str
    enabled: bool
    note: str


@dataclass
class Inventory:
    files: int
    parsed: int
    skipped: list[tuple[str, str]]
    groups: dict[str, list[NameGroup]]  # category key -> groups, in vocabulary order
    aliases: dict[str, list[AliasCandidate]]  # category key -> aliases of that category
    suggestions: dict[str, list[Suggestion]]
    session_names: tuple[str, ...]
    table: str = "[tool.ctxsep.names]"  # the config table the paste block is for
    #: context-methods / context-scopes: what the tree's methods return and its scopes yield
    producers: list[Producer] = field(default_factory=list)
    flow: dict[str, list[FlowSuggestion]] = field(default_factory=dict)


def build(
    facts: Iterable[FileFacts],
    vocab: Vocabulary,
    all_modules: set[str],
    files: int,
    skipped: list[tuple[str, str]],
) -> Inventory:
    by_module = {f.module: f for f in facts}
    groups: dict[str, list[NameGroup]] = {}
    group_of: dict[tuple[str, str], NameGroup] = {}
    for category in Category:
        groups[category.value] = []
        for name, configured in _names_of(vocab, category).items():
            group = NameGroup(category.value, name, configured)
            groups[category.value].append(group)
            group_of[(category.value, name)] = group
    candidates_by_site: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    aliases: dict[str, list[AliasCandidate]] = {c.value: [] for c in Category}
    alias_by_site: dict[tuple[str, str], list[AliasCandidate]] = defaultdict(list)
    for file in by_module.values():
        for definition in file.definitions:
            candidate = Candidate(definition)
            found = group_of.get((definition.category, definition.name))
            # a subclass of a vocabulary type, or a session factory the vocabulary
            # does not name yet, gets a group of its own name
            group = found if found is not None else _unlisted_group(groups, group_of, definition)
            group.candidates.append(candidate)
            if definition.qualname == definition.name:
                candidates_by_site[(file.module, definition.name)].append(candidate)
        for unbound in file.unbound:
            for category in Category:
                found = group_of.get((category.value, unbound.name))
                if found is not None:
                    found.unbound.append(unbound)
        for alias in file.aliases:
            alias_candidate = AliasCandidate(alias)
            aliases[alias.category].append(alias_candidate)
            alias_by_site[(file.module, alias.name)].append(alias_candidate)
    resolver = _ImportResolver(by_module, all_modules)
    names_of_interest = {name for (_, name) in group_of} | {name for (_, name) in alias_by_site}
    for file in by_module.values():
        for use in file.imports:
            if use.name not in names_of_interest:
                continue
            where, module = resolver.resolve(use.module, use.name)
            spelled = f"{use.module}.{use.name}" if use.module else use.name
            if where == "defined":
                for candidate in candidates_by_site.get((module, use.name), ()):
                    candidate.importers.add(use.path)
                    candidate.spellings.setdefault(spelled, set()).add(use.path)
                for alias_candidate in alias_by_site.get((module, use.name), ()):
                    if use.path != alias_candidate.alias.path:
                        alias_candidate.importers.add(use.path)
                continue
            for category in Category:
                named = group_of.get((category.value, use.name))
                if named is not None:
                    target = named.external if where == "external" else named.missing
                    target.setdefault(module, set()).add(use.path)
    for key, category_groups in groups.items():
        # unlisted names only matter when something outside test code suggests them
        groups[key] = category_groups = [
            g for g in category_groups if g.configured or any(c.definition.verdict != UNLIKELY for c in g.candidates)
        ]
        for group in category_groups:
            group.candidates.sort(
                key=lambda c: (_VERDICT_ORDER[c.definition.verdict], -len(c.importers), c.definition.path)
            )
    for category_aliases in aliases.values():
        for alias_candidate in category_aliases:
            alias_candidate.target = _alias_target(alias_candidate.alias, resolver, candidates_by_site, group_of)
    suggestions = {key: _suggest(groups[key], aliases[key]) for key in groups}
    return Inventory(
        files=files,
        parsed=len(by_module),
        skipped=skipped,
        groups=groups,
        aliases=aliases,
        suggestions=suggestions,
        session_names=vocab.session_name_list,
        producers=(producers := sorted((p for f in by_module.values() for p in f.producers), key=_producer_order)),
        flow=suggest(producers, vocab),
    )


def _producer_order(producer: Producer) -> tuple[str, str, str]:
    return (producer.relation, producer.name, producer.path)


_VERDICT_ORDER = {LIKELY: 0, UNKNOWN: 1, UNLIKELY: 2}


def _names_of(vocab: Vocabulary, category: Category) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for entry in vocab.names_in(category):
        found.setdefault(entry.rsplit(".", 1)[-1], []).append(entry)
    return {k: tuple(v) for k, v in found.items()}


def _unlisted_group(
    groups: dict[str, list[NameGroup]], group_of: dict[tuple[str, str], NameGroup], definition: Definition
) -> NameGroup:
    key = (definition.category, definition.name)
    group = group_of.get(key)
    if group is None:
        group = NameGroup(definition.category, definition.name, ())
        groups[definition.category].append(group)
        group_of[key] = group
    return group


class _ImportResolver:
    """Where ``from <module> import <name>`` leads: to a definition in the
    tree (following re-exports), to a module outside the tree, or nowhere."""

    def __init__(self, by_module: dict[str, FileFacts], all_modules: set[str]) -> None:
        self.by_module = by_module
        self.all_modules = all_modules
        self.top_packages = {m.split(".", 1)[0] for m in all_modules}
        self._memo: dict[tuple[str, str], tuple[str, str]] = {}

    def resolve(self, module: str, name: str) -> tuple[str, str]:
        """("defined", defining module) | ("external", module) | ("missing", module)."""
        key = (module, name)
        if key not in self._memo:
            self._memo[key] = self._resolve(module, name, 0)
        return self._memo[key]

    def _resolve(self, module: str, name: str, hops: int) -> tuple[str, str]:
        facts = self.by_module.get(module) or self._by_suffix(module)
        if facts is None:
            if module in self.all_modules or module.split(".", 1)[0] in self.top_packages:
                return "missing", module
            if f"{module}.{name}" in self.all_modules:
                return "missing", module  # a submodule, not a name
            return "external", module
        if name in facts.defines:
            return "defined", facts.module
        if hops < _MAX_HOPS:
            for use in facts.imports:
                if use.at_module_level and use.bound == name:
                    return self._resolve(use.module, use.name, hops + 1)
        return "missing", facts.module

    def _by_suffix(self, module: str) -> FileFacts | None:
        """A module imported by a shorter name than its path from the config
        root (a ``src/`` layout): the one parsed module ending with it."""
        if not module:
            return None
        matches = [f for m, f in self.by_module.items() if m.endswith("." + module)]
        return matches[0] if len(matches) == 1 else None


def _alias_target(
    alias: Alias,
    resolver: _ImportResolver,
    candidates_by_site: dict[tuple[str, str], list[Candidate]],
    group_of: dict[tuple[str, str], NameGroup],
) -> tuple[bool, str]:
    """Whether the name an alias stands for is one the suggestions keep: an
    alias of a class left out (``SessionModel = Session`` for a pydantic
    ``Session``) is left out with it."""
    if not alias.target_module:
        return True, ""
    where, module = resolver.resolve(alias.target_module, alias.target)
    if where == "defined":
        found = candidates_by_site.get((module, alias.target), [])
        if found and all(c.definition.verdict == UNLIKELY for c in found):
            return False, f"{module}.{alias.target}, which is left out above"
        return True, f"{module}.{alias.target}"
    if where == "external":
        group = group_of.get((alias.category, alias.target))
        if group is not None:
            ok, _ = _external_verdict(group, module)
            return ok, f"{module}.{alias.target}" + ("" if ok else ", which is left out above")
    return True, f"{module}.{alias.target}"


# -- the paste block ----------------------------------------------------------------------


def _suggest(groups: list[NameGroup], aliases: list[AliasCandidate]) -> list[Suggestion]:
    out: list[Suggestion] = []
    for group in groups:
        out.extend(_suggest_group(group))
    for alias_candidate in aliases:
        alias = alias_candidate.alias
        count = len(alias_candidate.importers)
        keep, target = alias_candidate.target
        of = f"alias of {target or alias.target}"
        if not keep:
            out.append(Suggestion(alias.dotted, False, of))
        elif count:
            out.append(Suggestion(alias.dotted, True, f"{of}; {_imported_by(count)}"))
        else:
            out.append(Suggestion(alias.dotted, False, f"{of}, used only in its own module (followed already)"))
    return out


def _suggest_group(group: NameGroup) -> list[Suggestion]:
    if group.candidates and not any(c.definition.in_vocabulary for c in group.candidates):
        return _suggest_unlisted(group)
    enabled = [c for c in group.candidates if c.definition.verdict != UNLIKELY and c.definition.addressable]
    rejected = [c for c in group.candidates if c not in enabled]
    if not group.candidates and not group.external:
        where = "not found in this tree" if not group.missing else "only imported from modules that lack it"
        return [Suggestion(group.name, True, f"{where}; kept bare so code written later matches")]
    methods = [c for c in enabled if c.definition.kind in _METHOD_KINDS]
    if methods:
        shown = ", ".join(c.definition.qualname for c in methods[:2])
        note = f"bare: {shown} is a method called through instances, which only a bare entry matches"
        if rejected:
            note += f"; it also matches {len(rejected)} unlikely definition(s) listed above"
        return [Suggestion(group.name, True, note)]
    if not group.ambiguous and enabled and group.unbound:
        first = group.unbound[0]
        files = len({u.path for u in group.unbound})
        note = (
            f"bare: the only {group.name!r} in this tree, and {_files(files)} use it without an import "
            f"(e.g. {first.path}:{first.line}), which only a bare entry matches"
        )
        return [Suggestion(group.name, True, note)]
    out: list[Suggestion] = []
    for candidate in enabled:
        definition = candidate.definition
        note = "; ".join((*definition.reasons[:1], _imported_by(len(candidate.importers))))
        if definition.verdict == UNKNOWN:
            note = "check: " + note
        out.append(Suggestion(definition.dotted, True, note))
        for spelled, importers in sorted(candidate.spellings.items(), key=lambda kv: -len(kv[1])):
            if spelled != definition.dotted:
                note = f"re-export of the above; {_imported_by(len(importers))} this way"
                out.append(Suggestion(spelled, True, note))
    for module, importers in sorted(group.external.items(), key=lambda kv: -len(kv[1])):
        ok, why = _external_verdict(group, module)
        out.append(Suggestion(f"{module}.{group.name}", ok, f"{why}; {_imported_by(len(importers))}"))
    for candidate in rejected:
        definition = candidate.definition
        reason = definition.reasons[0] if definition.reasons else definition.verdict
        out.append(Suggestion(definition.dotted, False, reason))
    if group.unbound and any(s.enabled for s in out):
        first = group.unbound[0]
        out.append(
            Suggestion(
                group.name,
                False,
                f"bare: {group.name!r} is used without an import in {_files(len({u.path for u in group.unbound}))} "
                f"(e.g. {first.path}:{first.line}); only a bare entry matches those uses",
            )
        )
    return out


def _suggest_unlisted(group: NameGroup) -> list[Suggestion]:
    """Session factories no entry names: offered commented out, to opt in."""
    out = []
    for candidate in group.candidates:
        definition = candidate.definition
        if definition.verdict == UNLIKELY or not definition.addressable:
            continue
        method = definition.kind in _METHOD_KINDS
        entry = group.name if method else definition.dotted
        why = f"not in the vocabulary: {definition.qualname} returns a session"
        if method:
            why += " (a method: only the bare name matches calls through instances)"
        out.append(Suggestion(entry, False, f"{why}; {_imported_by(len(candidate.importers))}"))
    return list(dict.fromkeys(out))


def _external_verdict(group: NameGroup, module: str) -> tuple[bool, str]:
    top = module.split(".", 1)[0]
    if group.category == Category.SESSION_TYPE.value:
        if top in _DATABASE_PACKAGES:
            return True, "a database session type"
        return False, f"from {top}, not a database session"
    return True, "defined outside this tree"


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def _imported_by(count: int) -> str:
    return f"imported by {_files(count)}"
