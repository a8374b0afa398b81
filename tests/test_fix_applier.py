"""The applier's guarantees, with deliberately broken fixes put in front of
the real ones: a file whose fixed text fails verification is left as it was
and named with the reason; a fix spanning files is applied whole or not at
all; edits outside the edited range stay byte for byte."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from fixprojects import ROUTE_AFTER, ROUTE_BEFORE, project, snapshot
from support import ctxsep_cli

from ctxsep.fixes import apply_edits, choose, registry
from ctxsep.fixes.base import FixProvider
from ctxsep.fixes.view import FileView
from ctxsep.model import SAFE, Edit, Fix


class _Breaks(FixProvider):
    """Offers, for the route's CTX002, an edit to another file too; the
    other file's edit breaks its syntax."""

    name = "breaks"
    codes = ("CTX002",)
    applicability = SAFE
    conditions = "never: a test double"

    def fixes(self, view: FileView) -> list[Fix]:
        if not view.shown("CTX002"):
            return []
        other = str(Path(view.path).parent.parent / "services" / "messages.py")
        return [
            Fix(
                "CTX002",
                SAFE,
                "break two files",
                (Edit(view.path, 0, 0, "# touched\n"), Edit(other, 0, 0, "def (:\n")),
                tuple((f.code, f.line, f.col) for f in view.shown("CTX002")),
            )
        ]


def test_a_fix_failing_in_one_file_is_applied_in_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    monkeypatch.setattr(registry, "PROVIDERS", (_Breaks(), *registry.PROVIDERS))
    before = snapshot(root)
    code, out, err = ctxsep_cli(root, "fix", ".")
    assert code == 1, err
    assert "app/services/messages.py: not fixed: the fixed file would not compile (line 1" in out
    # The broken fix touched the route too: it is dropped there as well; the
    # real route fix then applies on its own in the next round.
    assert snapshot(root)["app/services/messages.py"] == before["app/services/messages.py"]
    route = (root / "app/routes/message.py").read_text()
    assert not route.startswith("# touched")
    assert route == textwrap.dedent(ROUTE_AFTER).lstrip("\n")


def test_edits_apply_in_order_and_overlaps_wait() -> None:
    source = "abcdef"
    one = Fix("CTX002", SAFE, "1", (Edit("f", 1, 3, "X"), Edit("f", 4, 4, "+")))
    two = Fix("CTX002", SAFE, "2", (Edit("f", 2, 5, "Y"),))
    three = Fix("CTX002", SAFE, "3", (Edit("f", 4, 4, "+"), Edit("f", 0, 0, "^")))
    chosen = choose([one, two, three])
    assert chosen == [one, three]
    edits = [e for fix in chosen for e in fix.edits]
    assert apply_edits(source, edits) == "^aXd+ef"


def test_a_symlinked_file_is_not_rewritten(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (tmp_path / "proj").mkdir()
    root = project(tmp_path / "proj", {})
    outside.mkdir()
    (outside / "message.py").write_text(textwrap.dedent(ROUTE_BEFORE).lstrip("\n"))
    link = root / "app/routes/message.py"
    link.symlink_to(outside / "message.py")
    code, out, _ = ctxsep_cli(root, "fix", ".")
    assert code == 1
    assert "app/routes/message.py: not fixed: a symbolic link; fix the file it points to" in out
    assert link.is_symlink()
    assert (outside / "message.py").read_text() == textwrap.dedent(ROUTE_BEFORE).lstrip("\n")


def test_line_endings_and_a_byte_order_mark_survive(tmp_path: Path) -> None:
    root = project(tmp_path, {})
    before = textwrap.dedent(ROUTE_BEFORE).lstrip("\n").replace("\n", "\r\n")
    after = textwrap.dedent(ROUTE_AFTER).lstrip("\n").replace("\n", "\r\n")
    route = root / "app/routes/message.py"
    route.write_bytes(b"\xef\xbb\xbf" + before.encode())
    code, out, err = ctxsep_cli(root, "fix", ".")
    assert code == 0, out + err
    assert route.read_bytes() == b"\xef\xbb\xbf" + after.encode()


def test_a_fifo_in_the_project_never_blocks_a_fix(tmp_path: Path) -> None:
    import os

    root = project(tmp_path, {"message.py": ROUTE_BEFORE})
    os.mkfifo(root / "app/routes/pipe.py")
    _, out, err = ctxsep_cli(root, "fix", ".")
    assert "fixed 2 (CTX001 x1, CTX002 x1)" in out, out + err
    assert (root / "app/routes/message.py").read_text() == textwrap.dedent(ROUTE_AFTER).lstrip("\n")
