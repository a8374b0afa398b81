"""The report's JSON schema, ``--compare``, ``--typed``, and the HTML pages
(structure; ``tox -e browser`` opens them in Chromium)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from history_demo import STEPS, build_demo, ctxsep_bin, git
from support import ctxsep_cli

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "src/ctxsep/output/report.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def ctxsep(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ctxsep ARGS`` in-process (fast); ``ctxsep_process`` runs the installed command."""
    code, out, err = ctxsep_cli(cwd, *args)
    return subprocess.CompletedProcess(["ctxsep", *args], code, out, err)


def ctxsep_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ctxsep_bin(), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def ok(cwd: Path, *args: str) -> str:
    proc = ctxsep(cwd, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo up to 2025-03-09: legacy calls left, a projection to draw,
    and app/routes failing its own phase (before its debt is baselined)."""
    repo = tmp_path_factory.mktemp("shop") / "shop"
    build_demo(repo, steps=[s[1] for s in STEPS].index("Migrate the billing service") + 1)
    return repo


def test_every_kind_of_document_matches_the_schema(shop: Path, tmp_path: Path) -> None:
    report = json.loads(ok(shop, "report", "--format", "json", "--graph"))
    history = json.loads(ok(shop, "report", "--history", "--format", "json"))
    (tmp_path / "old.json").write_text(json.dumps(report), encoding="utf-8")
    compare = json.loads(ok(shop, "report", "--compare", str(tmp_path / "old.json"), "--format", "json"))
    golden = json.loads((Path(__file__).parent / "golden" / "report.json").read_text(encoding="utf-8"))
    for document, kind in ((report, "report"), (history, "history"), (compare, "compare"), (golden, "report")):
        assert document["schema_version"] == 1 and document["kind"] == kind
        VALIDATOR.validate(document)
    # the schema is strict enough to catch a drift
    broken = json.loads(json.dumps(report))
    broken["directories"][0]["errors"] = "3"
    assert not VALIDATOR.is_valid(broken)
    del broken["directories"][0]["errors"]
    assert not VALIDATOR.is_valid(broken)
    clean = json.loads(json.dumps(report))
    clean["clean_directories"] = [{"directory": "app/util", "phase": "final", "files": 1}]
    assert VALIDATOR.is_valid(clean)
    clean["clean_directories"][0]["phase"] = "done"
    assert not VALIDATOR.is_valid(clean)
    assert report["source"]["project"] == "demo-shop" and report["source"]["branch"] == "main"
    assert report["source"]["commit"] == git(shop, "rev-parse", "HEAD").strip()
    assert report["source"]["date"] == "2025-03-09T15:00:00+00:00"


def test_compare_says_what_got_better_and_worse(shop: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(ok(shop, "report", "--format", "json"), encoding="utf-8")
    work = tmp_path / "work"
    git(shop, "worktree", "add", "-q", "--detach", str(work), "HEAD")
    orders = work / "app/routes/orders.py"
    text = orders.read_text(encoding="utf-8")
    # one legacy call migrated in orders.py, one new one in a new module
    orders.write_text(
        text.replace(
            "def refunds(user_id, db):\n    return create_user_execution_context(user_id=user_id)",
            "async def refunds(user_id, db):\n"
            '    return await get_request_scoped_user_context(user_id=user_id, thread_id="t")',
        ),
        encoding="utf-8",
    )
    (work / "app/jobs").mkdir()
    (work / "app/jobs/nightly.py").write_text(
        "def run(db):\n    return create_user_execution_context(user_id='n', db_session=db)\n", encoding="utf-8"
    )
    out = ok(work, "report", "--compare", str(old))
    better = out[out.index("## Better") : out.index("## Worse")]
    worse = out[out.index("## Worse") :]
    assert "app/routes: legacy calls 2 → 1" in better and "app/routes: scoped calls 1 → 2" in better
    assert "app/jobs: not checked before → 1 errors/warnings/legacy calls" in worse
    assert "total: legacy calls" not in out  # 2 → 1 in routes, 0 → 1 in jobs: the total did not move
    document = json.loads(ok(work, "report", "--compare", str(old), "--format", "json"))
    assert {"where": "app/routes", "what": "legacy calls", "old": 2, "new": 1} in document["better"]
    assert document["old"]["commit"] == document["new"]["commit"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON report"),
        ('{"kind": "history", "schema_version": 1}', "not the output of `ctxsep report --format json`"),
        ('{"schema_version": 0, "directories": [], "totals": {}}', "'schema_version' is 0"),
        ('{"schema_version": 1}', "'directories' and 'totals' are missing"),
    ],
)
def test_compare_refuses_what_is_not_a_report(shop: Path, tmp_path: Path, content: str, message: str) -> None:
    old = tmp_path / "old.json"
    old.write_text(content, encoding="utf-8")
    proc = ctxsep(shop, "report", "--compare", str(old))
    assert proc.returncode == 2 and message in proc.stderr and str(old) in proc.stderr
    assert "Traceback" not in proc.stderr


def test_compare_never_opens_a_fifo(shop: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    os.mkfifo(old)  # opening it for reading would wait for a writer forever
    # a real process with a timeout: a regression fails here instead of hanging the suite
    proc = subprocess.run(
        [ctxsep_bin(), "report", "--compare", str(old)], cwd=shop, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{old}: cannot read the earlier report: not a regular file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_typed_record_adds_ctx006_counts(shop: Path, tmp_path: Path) -> None:
    billing = (shop / "app/services/billing.py").resolve()
    record = tmp_path / "typed.jsonl"
    rows: list[dict[str, Any]] = [
        {"via": "mypy", "file": str(billing)},
        {
            "via": "mypy",
            "path": str(billing),
            "line": 4,
            "col": 11,
            "code": "CTX006",
            "symbol": "dual-pattern-call",
            "severity": "error",
            "message": "CTX006 'process' takes both patterns; pass the session",
            "scope": "process",
            "fingerprint": "0123abcd",
            "phase": "transitional",
        },
    ]
    record.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    plain = json.loads(ok(shop, "report", "--format", "json"))
    typed = json.loads(ok(shop, "report", "--format", "json", "--typed", str(record)))
    row = next(d for d in typed["directories"] if d["directory"] == "app/services")
    assert row["by_rule"]["CTX006"] == {"error": 1, "warn": 0, "baselined": 0}
    assert typed["totals"]["errors"] == plain["totals"]["errors"] + 1
    record.write_text("nonsense\n", encoding="utf-8")
    proc = ctxsep(shop, "report", "--typed", str(record))
    assert proc.returncode == 2 and "line 1" in proc.stderr


def test_report_html_names_the_commit_flags_failing_directories_and_drills_down(shop: Path) -> None:
    page = ok(shop, "report", "--format", "html")
    head = git(shop, "rev-parse", "HEAD").strip()
    assert f"<title>ctxsep migration report: demo-shop @ {head[:10]} (main), 2025-03-09</title>" in page
    assert "<script" not in page and not re.search(r"""(src|href)\s*=|@import|url\(""", page)
    # app/routes is migrated and has errors: it fails its own phase
    routes = page[page.index("<summary>app/routes</summary>") :]
    routes = routes[: routes.index("</tr>")]
    assert (
        '<td class="fail nowrap" title="3 errors at its own phase (migrated): ctxsep check fails">✗ fails</td>'
        in routes
    )
    # directory → file → findings
    assert "<summary>orders.py" in routes and "CTX002" in routes
    # the graph is drawn: a node per module and symbol, an edge per dependency
    graph = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="graph"') :]
    graph = graph[: graph.index("</svg>")]
    assert graph.count("<path ") == 1 and "app.routes.orders" in graph
    assert "app.context.create_user_execution_context" in graph


def test_history_html_draws_the_burn_down(shop: Path) -> None:
    page = ok(shop, "report", "--history", "--format", "html")
    assert "<script" not in page and not re.search(r"""(src|href)\s*=|@import|url\(""", page)
    chart = page[page.index('class="chart"') : page.index("</svg>")]
    assert chart.count("<polyline") == 5 and "stroke-dasharray" in chart  # five series and the projection
    assert page.count('class="spark"') == 4  # two sparklines for each of the two directories
    assert re.search(r"the 2 legacy constructor calls left reach zero by 2025-0[34]-\d\d", page)
    assert "not reported: pyproject.toml: [tool.ctxsep.phases] &#x27;colour&#x27;" in page
    markdown = ok(shop, "report", "--history")
    assert re.search(r"\| 2025-03-05 \| [0-9a-f]{10} \| not reported: pyproject\.toml", markdown)


def test_option_combinations_that_do_not_apply(shop: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(ok(shop, "report", "--format", "json"), encoding="utf-8")
    proc = ctxsep(shop, "report", "--compare", str(old), "--format", "html")
    assert proc.returncode == 2 and "--compare prints Markdown or JSON" in proc.stderr
    proc = ctxsep(shop, "report", "--history", "--graph")
    assert proc.returncode == 2 and "not to --history" in proc.stderr


def test_history_html_escapes_what_the_repository_says(tmp_path: Path) -> None:
    repo = tmp_path / "shop"
    build_demo(repo, steps=1)
    (repo / "notes.txt").write_text("x\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "<script>alert(1)</script> & <b>co</b>", date="2025-03-04T10:00:00+00:00")
    page = ok(repo, "report", "--history", "--format", "html")
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in page
