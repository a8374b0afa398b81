"""mypy's incremental cache and the daemon follow ctxsep's config and
baseline: never a stale finding after a phase, vocabulary or baseline edit,
and only the modules the edit concerns are checked again."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from mypy_project import CALL_LINES, CALLS, check, found, project, pyproject
from support import FIXTURES, bin_path, run

from ctxsep.atomic import write_atomic
from ctxsep.baseline import Entry, dumps
from ctxsep.engine import fingerprint
from ctxsep.model import Phase

pytestmark = pytest.mark.slow

ZONES = {
    "app/zone/__init__.py": "",
    "app/zone/calls.py": CALLS,
    "app/other/__init__.py": "",
    "app/other/calls.py": CALLS,
}


def _set_config(root: Path, **config: object) -> None:
    (root / "pyproject.toml").write_text(pyproject(**config), encoding="utf-8")  # type: ignore[arg-type]


def _rechecked_for_config(root: Path, cache: Path) -> set[str]:
    """Modules whose cache mypy dropped because the plugin's slice changed."""
    proc = run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), "-v", "app"], root)
    marker = ": plugin configuration differs"
    lines = [line for line in proc.stderr.splitlines() if marker in line]
    return {line.split("Metadata abandoned for ")[1].split(":")[0] for line in lines}


def test_incremental_runs_follow_the_phase_map(tmp_path: Path) -> None:
    root = project(tmp_path / "p", ZONES, phases={"app/zone": "transitional"})
    cache = tmp_path / "cache"
    first = found(check(root, cache_dir=cache), "app/zone/calls.py")
    assert (CALL_LINES["CTX002"], "CTX002", "note") in first
    assert found(check(root, cache_dir=cache), "app/zone/calls.py") == first, "a warm run replays the cache"
    _set_config(root, phases={"app/zone": "migrated"})
    assert (CALL_LINES["CTX002"], "CTX002", "error") in found(check(root, cache_dir=cache), "app/zone/calls.py")
    _set_config(root, phases={"app/zone": "legacy"})
    assert found(check(root, cache_dir=cache), "app/zone/calls.py") == [(CALL_LINES["CTX006"], "CTX006", "note")]


def test_only_the_modules_a_phase_edit_concerns_are_rechecked(tmp_path: Path) -> None:
    root = project(tmp_path / "p", ZONES, phases={"app/zone": "transitional"})
    cache = tmp_path / "cache"
    check(root, cache_dir=cache)
    _set_config(root, phases={"app/zone": "migrated"})
    # (mypy 1.14 logs only the package; its submodule is rechecked as a dependent)
    assert "app.zone" in _rechecked_for_config(root, cache) <= {"app.zone", "app.zone.calls"}
    _set_config(root, phases={"app/zone": "migrated"}, extra='[tool.ctxsep.names]\nextend-session-names = ["conn"]\n')
    rechecked = _rechecked_for_config(root, cache)
    assert {"app.services", "app.context", "app.zone"} <= rechecked, rechecked  # every project module
    assert not any(name.startswith(("builtins", "typing")) for name in rechecked), "typeshed is never rechecked"


def test_incremental_runs_follow_the_baseline(tmp_path: Path) -> None:
    root = project(tmp_path / "p", ZONES)
    cache = tmp_path / "cache"
    assert (CALL_LINES["CTX002"], "CTX002", "error") in found(check(root, cache_dir=cache), "app/zone/calls.py")
    entry = Entry("app/zone/calls.py", "CTX002", "handler", fingerprint("make_ctx('u')"), 1, Phase.MIGRATED)
    write_atomic(root / "ctxsep-baseline.json", dumps([entry]))
    messages = check(root, cache_dir=cache)
    assert "CTX002" not in [code for _, code, _ in found(messages, "app/zone/calls.py")]
    assert "CTX002" in [code for _, code, _ in found(messages, "app/other/calls.py")], "other files' entries only"
    (root / "ctxsep-baseline.json").unlink()
    assert (CALL_LINES["CTX002"], "CTX002", "error") in found(check(root, cache_dir=cache), "app/zone/calls.py")


def test_a_warm_run_reports_what_a_cold_run_reports(tmp_path: Path) -> None:
    """Modules loaded from the cache keep their types but lose details
    (an alias's origin): the plugin's findings must not depend on them."""
    root = tmp_path / "bridge"
    shutil.copytree(FIXTURES / "mypy" / "bridge", root)
    (root / ".git").mkdir()
    cold = sorted(m for m in check(root, paths=("svc_app",)) if m.is_ctxsep)
    cache = tmp_path / "cache"
    assert sorted(m for m in check(root, paths=("svc_app",), cache_dir=cache) if m.is_ctxsep) == cold
    for module in ("routes/messages.py", "services/bridge_calls.py", "jobs/nightly.py"):
        with (root / "svc_app" / module).open("a", encoding="utf-8") as handle:
            handle.write("# edited: checked again, its dependencies come from the cache\n")
    assert sorted(m for m in check(root, paths=("svc_app",), cache_dir=cache) if m.is_ctxsep) == cold


def test_a_changed_callee_is_rechecked_by_mypy_itself(tmp_path: Path) -> None:
    root = project(tmp_path / "p", ZONES)
    cache = tmp_path / "cache"
    assert (CALL_LINES["CTX006"], "CTX006", "error") in found(check(root, cache_dir=cache), "app/zone/calls.py")
    services = root / "app/services.py"
    services.write_text(services.read_text().replace("db: Optional[AsyncSession] = None", "db: AsyncSession"))
    assert "CTX006" not in [code for _, code, _ in found(check(root, cache_dir=cache), "app/zone/calls.py")]


# -- the daemon -----------------------------------------------------------------------------


@pytest.fixture
def dmypy(tmp_path: Path):  # type: ignore[no-untyped-def]
    status = tmp_path / "dmypy.json"
    exe = bin_path("dmypy")
    if shutil.which(exe) is None and not Path(exe).exists():
        pytest.skip("dmypy is not installed")

    def call(root: Path, *args: str) -> str:
        proc = run([exe, "--status-file", str(status), *args], root, timeout=120)
        assert "Traceback" not in proc.stdout + proc.stderr and "crashed" not in proc.stdout + proc.stderr, proc
        return proc.stdout

    yield call
    if status.exists():
        run([exe, "--status-file", str(status), "stop"], tmp_path)


def _daemon_findings(output: str, path: str) -> list[tuple[int, str, str]]:
    out = []
    for line in output.splitlines():
        if line.startswith(f"{path}:") and " CTX0" in line:
            where, severity, text = line.split(": ", 2)
            out.append((int(where.split(":")[1]), text.split(" ", 1)[0], severity))
    return sorted(out)


def test_the_daemon_follows_config_edits_and_callee_changes(tmp_path: Path, dmypy) -> None:  # type: ignore[no-untyped-def]
    root = project(tmp_path / "p", ZONES, phases={"app/zone": "transitional"})
    path = "app/zone/calls.py"
    first = dmypy(root, "run", "--", "app")
    assert (CALL_LINES["CTX002"], "CTX002", "note") in _daemon_findings(first, path)
    assert _daemon_findings(dmypy(root, "run", "--", "app"), path) == _daemon_findings(first, path), "stable"
    _set_config(root, phases={"app/zone": "migrated"})
    second = dmypy(root, "run", "--", "app")
    assert "Restarting: plugins changed" in second
    assert (CALL_LINES["CTX002"], "CTX002", "error") in _daemon_findings(second, path)
    assert "Restarting" not in dmypy(root, "run", "--", "app"), "no restart without an edit"
    # A callee edited between runs: the daemon's fine-grained recheck sees the new signature.
    services = root / "app/services.py"
    services.write_text(services.read_text().replace("db: Optional[AsyncSession] = None", "db: AsyncSession"))
    assert "CTX006" not in [code for _, code, _ in _daemon_findings(dmypy(root, "run", "--", "app"), path)]
    dual = services.read_text().replace("db: AsyncSession\n", "db: Optional[AsyncSession] = None\n")
    services.write_text(dual)
    assert "CTX006" in [code for _, code, _ in _daemon_findings(dmypy(root, "run", "--", "app"), path)]


def test_the_daemon_follows_baseline_edits(tmp_path: Path, dmypy) -> None:  # type: ignore[no-untyped-def]
    root = project(tmp_path / "p", ZONES)
    path = "app/zone/calls.py"
    assert "CTX002" in [code for _, code, _ in _daemon_findings(dmypy(root, "run", "--", "app"), path)]
    entry = Entry(path, "CTX002", "handler", fingerprint("make_ctx('u')"), 1, Phase.MIGRATED)
    write_atomic(root / "ctxsep-baseline.json", dumps([entry]))
    assert "CTX002" not in [code for _, code, _ in _daemon_findings(dmypy(root, "run", "--", "app"), path)]


def test_a_nested_config_edit_needs_a_daemon_restart(tmp_path: Path, dmypy) -> None:  # type: ignore[no-untyped-def]
    """The documented limit: the daemon's stamp covers the config that
    governs its working directory; a config deeper down is read when the
    daemon starts, and its later edits need ``dmypy restart``."""
    root = project(tmp_path / "p", ZONES)
    nested = root / "app/zone/ctxsep.toml"
    nested.write_text('default-phase = "transitional"\n', encoding="utf-8")
    path = "app/zone/calls.py"
    assert (CALL_LINES["CTX002"], "CTX002", "note") in _daemon_findings(dmypy(root, "run", "--", "app"), path)
    nested.write_text('default-phase = "migrated"\n', encoding="utf-8")
    dmypy(root, "restart", "--", "app")
    assert (CALL_LINES["CTX002"], "CTX002", "error") in _daemon_findings(dmypy(root, "check", "app"), path)
