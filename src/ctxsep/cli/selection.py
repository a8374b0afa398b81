"""``--select``, ``--extend-select`` and ``--ignore`` of ``ctxsep check``.

Rule codes or prefixes, as ruff and flake8 take them (``CTX``, ``CTX00``,
``CTX002``), comma-separated or repeated. A code is reported when the most
specific prefix matching it comes from ``--select``/``--extend-select``
rather than ``--ignore`` (a tie goes to ``--ignore``); without ``--select``
every rule is selected. Selection only narrows what each file's phase
reports: a rule that is ``off`` at a file's phase stays off.

``CTX900`` (a file that could not be checked) is reported whatever
``--select`` says, so narrowing the rules never lets an unreadable file pass
in silence; only an ``--ignore`` that matches it (``CTX900`` or a prefix of
it) hides it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from ctxsep.model import CONFIG_ERROR_CODE, SKIPPED_CODE, CtxsepError
from ctxsep.rules import ALL_RULES
from ctxsep.runner import RunResult

KNOWN_CODES = (*(rule.code for rule in ALL_RULES), SKIPPED_CODE, CONFIG_ERROR_CODE)


def add_selection_options(parser: argparse.ArgumentParser, verb: str = "report") -> None:
    """The selection flags; ``verb`` is what the command does with a rule ("report", "fix")."""
    group = parser.add_argument_group("rule selection (codes or prefixes, comma-separated or repeated)")
    group.add_argument(
        "--select", action="append", default=None, metavar="CODES", help=f"{verb} only these rules (default: CTX, all)"
    )
    group.add_argument(
        "--extend-select", action="append", default=[], metavar="CODES", help=f"{verb} these rules as well"
    )
    group.add_argument("--ignore", action="append", default=[], metavar="CODES", help=f"do not {verb} these rules")


def _codes(flag: str, values: list[str] | None) -> tuple[str, ...]:
    found: list[str] = []
    for value in values or []:
        for item in value.replace(" ", ",").split(","):
            code = item.strip().upper()
            if not code:
                continue
            if not any(known.startswith(code) for known in KNOWN_CODES):
                raise CtxsepError(
                    f"{flag} {item.strip()}: matches no ctxsep rule (codes are {', '.join(KNOWN_CODES[:-2])}, "
                    f"{SKIPPED_CODE}, {CONFIG_ERROR_CODE}; prefixes such as CTX00 are accepted)"
                )
            found.append(code)
    return tuple(found)


def _longest(code: str, prefixes: tuple[str, ...]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ("CTX",)
    ignore: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Selection:
        select = _codes("--select", args.select) if args.select is not None else ("CTX",)
        extend = _codes("--extend-select", args.extend_select)
        return cls(select=select + extend, ignore=_codes("--ignore", args.ignore))

    @property
    def everything(self) -> bool:
        return "CTX" in self.select and not self.ignore

    def selects(self, code: str) -> bool:
        chosen = 3 if code == SKIPPED_CODE else _longest(code, self.select)  # CTX900: see the module docstring
        return chosen > _longest(code, self.ignore)

    def apply(self, run: RunResult) -> RunResult:
        """``run`` with only the selected findings (and baselined findings)."""
        if self.everything:
            return run
        results = [
            replace(
                result,
                findings=tuple(f for f in result.findings if self.selects(f.code)),
                baselined=tuple(f for f in result.baselined if self.selects(f.code)),
            )
            for result in run.results
        ]
        return replace(run, results=results)


__all__ = ["KNOWN_CODES", "Selection", "add_selection_options"]
