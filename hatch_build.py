"""The optional mypyc build of ctxsep's hot layers (a hatchling build hook).

Off by default: ``HATCH_BUILD_HOOK_ENABLE_CUSTOM=1 pip install .`` turns it
on. It copies ``src/`` to a temporary directory, compiles ``COMPILED`` there
with mypyc (never next to the sources, where an editable install would pick
the binaries up), and puts the extension modules into the wheel beside the
``.py`` files, which stay: Python imports an extension module first.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: What every parsed file goes through. The engine stays pure Python: its
#: results cross to worker processes by pickle, which a compiled frozen
#: dataclass (``FileResult``) refuses; the rules and what is above them stay
#: pure Python too (their own cost is small, and tests patch them).
COMPILED = (
    "ctxsep/semantics/*.py",
    "ctxsep/prefilter.py",
    "ctxsep/suppression.py",
)


class MypycBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._work = tempfile.mkdtemp(prefix="ctxsep-mypyc-")
        source = os.path.join(self._work, "src")
        shutil.copytree(os.path.join(self.root, "src"), source, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        modules = sorted(path for pattern in COMPILED for path in glob.glob(os.path.join(source, pattern)))
        command = [sys.executable, "-m", "mypyc", *(os.path.relpath(m, source) for m in modules)]
        done = subprocess.run(command, cwd=source, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"mypyc failed:\n{done.stdout}\n{done.stderr}")
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        # The modules, and the library they share (at the top: ``<hash>__mypyc``).
        built_files = glob.glob(os.path.join(source, "ctxsep", "**", f"*{suffix}"), recursive=True)
        for built in built_files + glob.glob(os.path.join(source, f"*__mypyc{suffix}")):
            build_data["force_include"][built] = os.path.relpath(built, source)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
