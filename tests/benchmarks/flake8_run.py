"""``flake8`` with or without the ctxsep plugin, in one environment.

``python flake8_run.py --with-ctxsep|--without-ctxsep FLAKE8-ARGS...``: the
same interpreter, the same flake8 and the same other plugins either way;
``--without-ctxsep`` only drops ctxsep's entry point from flake8's plugin
discovery (so both variants pay for this wrapper alike).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from flake8.main.cli import main
from flake8.plugins import finder


def _without_ctxsep(original: Any) -> Any:
    def plugins() -> Iterator[Any]:
        return (plugin for plugin in original() if plugin.package != "ctxsep")

    return plugins


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "--without-ctxsep":
        finder._find_importlib_plugins = _without_ctxsep(finder._find_importlib_plugins)
    elif mode != "--with-ctxsep":
        raise SystemExit("usage: flake8_run.py --with-ctxsep|--without-ctxsep FLAKE8-ARGS...")
    sys.argv = ["flake8", *rest]
    sys.exit(main())
