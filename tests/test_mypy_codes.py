"""The mypy plugin's static parts, without running mypy: codes derived from
the registry, the supported versions, the names it claims."""

from __future__ import annotations

import mypy.version
from mypy.options import Options
from mypy.plugins.default import DefaultPlugin

import mypy_ctxsep
from ctxsep.rules import ALL_RULES
from mypy_ctxsep.calls import MUTATORS
from mypy_ctxsep.codes import CODES, CONFIG_ERROR, SKIPPED


def test_one_code_per_rule_derived_from_the_registry() -> None:
    assert list(CODES) == [rule.code for rule in ALL_RULES]
    for rule in ALL_RULES:
        code = CODES[rule.code]
        assert code.code == f"ctx-{rule.symbol}"
        assert code.description.startswith(rule.code)
        assert code.default_enabled
    names = [c.code for c in CODES.values()] + [CONFIG_ERROR.code, SKIPPED.code]
    assert len(set(names)) == len(names)
    assert {CONFIG_ERROR.code, SKIPPED.code} == {"ctx-config-error", "ctx-file-skipped"}


def test_the_installed_mypy_is_a_supported_one() -> None:
    assert mypy_ctxsep.SUPPORTED == "mypy>=1.14,<3"
    major, minor = (int(part) for part in mypy.version.__version__.split(".")[:2])
    assert (1, 14) <= (major, minor) < (3, 0)


def test_the_entry_point_stays_callable_after_the_plugin_is_imported() -> None:
    """The daemon calls ``plugin()`` again on every run: no submodule may
    shadow it (a ``mypy_ctxsep.plugin`` module once did)."""
    first = mypy_ctxsep.plugin(mypy.version.__version__)
    assert callable(mypy_ctxsep.plugin)
    assert mypy_ctxsep.plugin(mypy.version.__version__) is first


def test_names_claimed_outright_are_not_the_default_plugins() -> None:
    """Where the plugin answers without chaining — the special functions —
    mypy's default plugin has nothing of its own (elsewhere it is chained)."""
    default = DefaultPlugin(Options())
    for name in ("builtins.setattr", "builtins.delattr", "builtins.getattr", "fastapi.param_functions.Depends"):
        assert default.get_function_hook(name) is None, name
    for name in ("builtins.object.__setattr__", "builtins.object.__delattr__"):
        assert default.get_method_hook(name) is None, name
    for method in sorted(MUTATORS):
        for owner in ("builtins.list", "builtins.dict", "builtins.set"):
            assert default.get_method_hook(f"{owner}.{method}") is None, (owner, method)
