"""Make the screenshots docs/report.md and the README show:
``python tests/browser/screenshots.py`` (needs chromium)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cdp import Browser, Page, chromium_binary
from history_demo import STEPS, build_demo, ctxsep_bin, git

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"


def html(cwd: Path, out: Path, *args: str) -> Path:
    subprocess.run([ctxsep_bin(), "report", *args, "--format", "html", "-o", str(out)], cwd=cwd, check=True)
    return out


def main() -> None:
    binary = chromium_binary()
    assert binary is not None, "install chromium"
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        example = work / "example"
        shutil.copytree(ROOT / "docs" / "example", example)
        git(example, "init", "-q", "-b", "main")
        git(example, "add", "-A")
        git(example, "commit", "-q", "-m", "docs/example", date="2025-09-08T12:00:00+00:00")
        report = html(example, work / "report.html", ".")
        repo = work / "shop"
        build_demo(repo, steps=len(STEPS) - 1)
        history = html(repo, work / "history.html", "--history")
        browser = Browser(binary)
        try:
            for page_file, name, opened in ((report, "report-example.png", True), (history, "history-demo.png", False)):
                page = Page(browser, width=1200, height=900)
                page.open(page_file.as_uri())
                if opened:  # show the drill-down: the first directory with findings, and its first file
                    page.evaluate(
                        "(() => { const d = [...document.querySelectorAll('details.dir')][1]; d.open = true; "
                        "d.querySelector('li details').open = true; })()"
                    )
                (IMAGES / name).write_bytes(page.screenshot())
        finally:
            browser.close()


def page_top(html_file: Path, out: Path, height: int) -> None:
    """The top ``height`` pixels of a page (its title, headline and chart)."""
    binary = chromium_binary()
    assert binary is not None, "install chromium"
    browser = Browser(binary)
    try:
        page = Page(browser, width=1100, height=height)
        page.open(html_file.resolve().as_uri())
        out.write_bytes(page.screenshot(full_page=False))
    finally:
        browser.close()


if __name__ == "__main__":
    # python tests/browser/screenshots.py [--top HTML PNG HEIGHT]
    if sys.argv[1:2] == ["--top"]:
        page_top(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
