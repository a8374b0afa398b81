"""A small git repository migrating a demo step by step, for the history tests
(also makes docs/example: ``python tests/history_demo.py DIR``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

CONFIG_V1 = """
[project]
name = "demo-shop"

[tool.ctxsep]
default-phase = "legacy"

[tool.ctxsep.phases]
"app/services" = "transitional"
"""

# the phase map changes: routes promoted, and a key the old map did not have
CONFIG_V2 = """
[project]
name = "demo-shop"

[tool.ctxsep]
default-phase = "legacy"
exclude = ["app/generated"]

[tool.ctxsep.phases]
"app/services" = "transitional"
"app/routes" = "migrated"
"""

BROKEN = CONFIG_V1 + '\ncolour = "blue"\n'

ROUTE_OLD = """
from app.context import create_user_execution_context


def orders(user_id, db):
    context = create_user_execution_context(user_id=user_id, db_session=db)
    return context


def invoices(user_id, db):
    context = create_user_execution_context(user_id=user_id, db_session=db)
    return context


def refunds(user_id, db):
    return create_user_execution_context(user_id=user_id)
"""

ROUTE_HALF = """
from app.context import create_user_execution_context, get_request_scoped_user_context


async def orders(user_id, db):
    return await get_request_scoped_user_context(user_id=user_id, thread_id="t")


def invoices(user_id, db):
    context = create_user_execution_context(user_id=user_id, db_session=db)
    return context


def refunds(user_id, db):
    return create_user_execution_context(user_id=user_id)
"""

ROUTE_NEW = """
from app.context import get_request_scoped_user_context


async def orders(user_id, db):
    return await get_request_scoped_user_context(user_id=user_id, thread_id="t")


async def invoices(user_id, db):
    return await get_request_scoped_user_context(user_id=user_id, thread_id="t")


async def refunds(user_id, db):
    return await get_request_scoped_user_context(user_id=user_id, thread_id="t")
"""

SERVICE_OLD = """
from app.context import RequestScopedContext, create_user_execution_context


async def process(context: RequestScopedContext):
    return context.db_session.execute("select 1")


def legacy(user_id, db):
    return create_user_execution_context(user_id=user_id, db_session=db)
"""

SERVICE_NEW = """
from app.context import RequestScopedContext


async def process(context: RequestScopedContext, db):
    return db.execute("select 1")
"""

GENERATED = """
def generated(db):
    return create_user_execution_context(user_id="g", db_session=db)
"""

BUILD = """
def built(db):
    return create_user_execution_context(user_id="b", db_session=db)
"""

#: (date, message, files written (None: deleted), `ctxsep baseline` arguments to run before committing)
STEPS: list[tuple[str, str, dict[str, str | None], tuple[str, ...]]] = [
    (
        "2025-03-03T10:00:00+00:00",
        "Start: legacy everywhere",
        {
            "pyproject.toml": CONFIG_V1,
            "app/__init__.py": "",
            "app/routes/orders.py": ROUTE_OLD,
            "app/services/billing.py": SERVICE_OLD,
            "app/util/text.py": "def slug(s):\n    return s.lower()\n",
            "build/lib/app/routes/orders.py": BUILD,
        },
        (),
    ),
    ("2025-03-04T09:00:00+00:00", "Migrate orders() (morning)", {"app/routes/orders.py": ROUTE_HALF}, ()),
    ("2025-03-04T17:30:00+00:00", "Record the debt in a baseline (evening)", {}, ("create",)),
    ("2025-03-05T11:00:00+00:00", "A typo breaks the config", {"pyproject.toml": BROKEN}, ()),
    (
        "2025-03-06T11:00:00+00:00",
        "Promote app/routes; exclude generated code",
        {"pyproject.toml": CONFIG_V2, "app/generated/models.py": GENERATED},
        (),
    ),
    ("2025-03-09T15:00:00+00:00", "Migrate the billing service", {"app/services/billing.py": SERVICE_NEW}, ()),
    # the promotion's debt accepted into the baseline: no source file changes
    ("2025-03-10T10:00:00+00:00", "Re-record the baseline after the promotion", {}, ("create", "--force")),
    ("2025-03-11T15:00:00+00:00", "Docs only", {"README.md": "# demo shop\n"}, ()),
    ("2025-03-13T15:00:00+00:00", "Migrate the last routes", {"app/routes/orders.py": ROUTE_NEW}, ()),
]


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Demo",
        "GIT_AUTHOR_EMAIL": "demo@example.com",
        "GIT_COMMITTER_NAME": "Demo",
        "GIT_COMMITTER_EMAIL": "demo@example.com",
    }
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return proc.stdout


def ctxsep_bin() -> str:
    return str(Path(sys.executable).with_name("ctxsep"))


def build_demo(repo: Path, steps: int | None = None) -> list[str]:
    """The demo repository at ``repo``; the commits made, oldest first."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    commits = []
    for date, message, files, baseline in STEPS[:steps]:
        for name, content in files.items():
            path = repo / name
            if content is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        if baseline:
            subprocess.run([ctxsep_bin(), "baseline", *baseline], cwd=repo, check=True, capture_output=True)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message, date=date)
        commits.append(git(repo, "rev-parse", "HEAD").strip())
    return commits


if __name__ == "__main__":
    build_demo(Path(sys.argv[1]))
