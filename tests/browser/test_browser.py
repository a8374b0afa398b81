"""The HTML reports in a real headless Chromium (``tox -e browser``; skipped
unless CTXSEP_BROWSER=1): the page renders, loads nothing but itself, its
SVG drawings have a size, and the drill-down opens on a click."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp import Browser, Page, chromium_binary
from history_demo import STEPS, build_demo, ctxsep_bin

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("CTXSEP_BROWSER") != "1", reason="runs Chromium: tox -e browser (CTXSEP_BROWSER=1)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = chromium_binary()
    if binary is None:
        pytest.fail("no chromium on PATH: apt-get install chromium")
    started = Browser(binary)
    yield started
    started.close()


def render(tmp_path: Path, cwd: Path, *args: str) -> Path:
    out = tmp_path / "report.html"
    proc = subprocess.run(
        [ctxsep_bin(), "report", *args, "--format", "html", "-o", str(out)], cwd=cwd, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return out


def svg_sizes(page: Page) -> list[list[float]]:
    sizes: list[list[float]] = page.evaluate(
        "[...document.querySelectorAll('svg')]"
        ".map(s => {const r = s.getBoundingClientRect(); return [r.width, r.height]})"
    )
    return sizes


def centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.evaluate(
        f"(() => {{ const e = document.querySelector({selector!r}); e.scrollIntoView({{block: 'center'}}); "
        "const r = e.getBoundingClientRect(); return [r.x + 12, r.y + r.height / 2]; })()"
    )
    return box[0], box[1]


def test_report_renders_draws_and_drills_down(browser: Browser, tmp_path: Path) -> None:
    html = render(tmp_path, ROOT / "docs" / "example", ".", "--graph")
    page = Page(browser)
    page.send("Emulation.setScriptExecutionDisabled", value=True)  # it must read the same with scripts off
    page.open(html.as_uri())
    assert page.evaluate("document.title").startswith("ctxsep migration report: ")
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.requested_urls() == [html.as_uri()]  # no font, script or image fetched
    rows = page.evaluate("document.querySelectorAll('tbody tr').length")
    assert rows >= 5
    sizes = svg_sizes(page)
    assert sizes and all(w > 0 and h > 0 for w, h in sizes)
    graph = page.evaluate(
        "(() => { const r = document.querySelector('svg.graph').getBoundingClientRect(); "
        "return [r.width, r.height, document.querySelectorAll('svg.graph path').length]; })()"
    )
    assert graph[0] > 300 and graph[1] > 50 and graph[2] >= 3
    # the own-phase column flags a failing directory
    assert "✗ fails" in page.evaluate("document.body.innerText")
    # drill down: a directory opens to its files, a file to its findings
    assert page.evaluate("document.querySelector('details.dir').open") is False
    assert page.evaluate("document.querySelector('details.dir li').checkVisibility()") is False
    page.click(*centre(page, "details.dir > summary"))
    assert page.evaluate("document.querySelector('details.dir').open") is True
    assert page.evaluate("document.querySelector('details.dir li').checkVisibility()") is True
    page.click(*centre(page, "details.dir li details > summary"))
    finding = page.evaluate(
        "(() => { const e = document.querySelector('details.dir li details li.finding'); "
        "return [e.checkVisibility(), e.getBoundingClientRect().height, e.innerText]; })()"
    )
    assert finding[0] is True and finding[1] > 0 and "CTX" in finding[2]


def test_history_page_draws_the_burn_down_and_sparklines(browser: Browser, tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    build_demo(repo, steps=len(STEPS) - 1)
    html = render(tmp_path, repo, "--history")
    page = Page(browser)
    page.open(html.as_uri())
    assert page.evaluate("document.title").startswith("ctxsep migration history: demo-shop @ ")
    assert page.requested_urls() == [html.as_uri()]
    chart = page.evaluate(
        "(() => { const s = document.querySelector('svg.chart'); const r = s.getBoundingClientRect(); "
        "return [r.width, r.height, s.querySelectorAll('polyline').length, "
        "s.querySelectorAll('line[stroke-dasharray]').length]; })()"
    )
    assert chart[0] > 400 and chart[1] > 150
    assert chart[2] == 5 and chart[3] >= 1  # five series, and the projection's dashed line
    sparks = svg_sizes(page)[1:]
    assert len(sparks) >= 2 and all(w > 0 and h > 0 for w, h in sparks)
    text = page.evaluate("document.body.innerText")
    assert "reach zero by" in text and "not reported" in text
