"""A finding's identity for baselines: (code, scope, fingerprint) must survive
edits that do not touch the flagged code, and change when the flagged code
changes (SPEC §7)."""

from __future__ import annotations

import tempfile
import textwrap
from collections import Counter
from pathlib import Path

from ctxsep.config import SettingsResolver
from ctxsep.engine import check_source

Identity = Counter[tuple[str, str, str]]

ORIGINAL = """
from app.context import create_user_execution_context


def post_message(db, body):
    user_context = create_user_execution_context(user_id=body.user_id, thread_id="t", db_session=db)
    session = user_context.db_session
    return session


class Service:
    def run(self, context: RequestScopedContext):
        context.run_id = "x"
        return create_user_execution_context(user_id="system")
"""


def identities(source: str) -> Identity:
    """(code, scope, fingerprint) of every finding, as a multiset."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "ctxsep.toml").write_text('default-phase = "migrated"\n', encoding="utf-8")
        settings = SettingsResolver(cwd=root).for_path(root / "app" / "m.py")
        result = check_source(textwrap.dedent(source).lstrip("\n"), "app/m.py", settings)
    assert result.findings, "the snippet must produce findings"
    return Counter((f.code, f.scope, f.fingerprint) for f in result.findings)


def test_the_snippet_has_findings_in_every_scope() -> None:
    found = identities(ORIGINAL)
    assert {scope for _, scope, _ in found} == {"post_message", "Service.run"}
    assert {code for code, _, _ in found} == {"CTX001", "CTX002", "CTX004", "CTX005"}


def test_inserting_lines_above_keeps_identity() -> None:
    edited = ORIGINAL.replace(
        "\n\ndef post_message", "\nimport logging\n\nlog = logging.getLogger(__name__)\n\n\ndef post_message"
    )
    assert identities(edited) == identities(ORIGINAL)


def test_reformatting_keeps_identity() -> None:
    # What black, a hand re-wrap or a quote change does: line breaks, trailing
    # commas, comments, quote style and spacing inside the flagged code.
    edited = ORIGINAL.replace(
        'user_context = create_user_execution_context(user_id=body.user_id, thread_id="t", db_session=db)',
        "user_context = create_user_execution_context(\n"
        "        user_id = body.user_id,  # who asked\n"
        "        thread_id='t',\n"
        "        db_session=db,\n"
        "    )",
    ).replace('context.run_id = "x"', "context.run_id  =  'x'")
    assert identities(edited) == identities(ORIGINAL)


def test_moving_the_function_keeps_identity() -> None:
    head, _, rest = ORIGINAL.partition("\n\ndef post_message")
    function, _, klass = rest.partition("\n\n\nclass Service")
    moved = head + "\n\nclass Service" + klass + "\n\n\ndef post_message" + function
    assert moved.index("class Service") < moved.index("def post_message")
    assert identities(moved) == identities(ORIGINAL)


def test_changing_the_flagged_code_changes_identity() -> None:
    before = identities(ORIGINAL)
    # the legacy call's arguments are part of the flagged call
    edited = identities(ORIGINAL.replace('thread_id="t"', 'thread_id="u"'))
    changed = set(before) ^ set(edited)
    assert {code for code, _, _ in changed} == {"CTX002"}
    # the session read
    edited = identities(ORIGINAL.replace("session = user_context.db_session", "session = user_context.session"))
    assert {code for code, _, _ in set(before) ^ set(edited)} == {"CTX005"}
    # the mutation target
    edited = identities(ORIGINAL.replace("context.run_id =", "context.trace_id ="))
    assert {code for code, _, _ in set(before) ^ set(edited)} == {"CTX004"}


def test_renaming_the_enclosing_function_changes_scope() -> None:
    edited = identities(ORIGINAL.replace("def post_message", "def post_message_v2"))
    assert {scope for _, scope, _ in edited} == {"post_message_v2", "Service.run"}


def test_two_different_legacy_calls_in_one_function_are_told_apart() -> None:
    found = identities(
        """
        def handler(db):
            a = create_user_execution_context(user_id="a")
            b = create_user_execution_context(user_id="b")
            c = create_user_execution_context(user_id="a")
        """
    )
    legacy = Counter({key: n for key, n in found.items() if key[0] == "CTX002"})
    assert sorted(legacy.values()) == [1, 2]  # "a" twice, "b" once
