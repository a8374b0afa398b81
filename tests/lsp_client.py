"""A small LSP client for the tests and the latency benchmark: starts the
real ``ctxsep server`` process and speaks JSON-RPC with Content-Length
framing over its stdin/stdout.

A reader thread files every message the server sends: responses by id,
notifications in arrival order. Requests the server makes of the client
(``client/registerCapability``, ``window/workDoneProgress/create``) are
recorded and answered with ``null``, as an editor would.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

TIMEOUT = 20.0


class LspClient:
    def __init__(
        self,
        folders: list[Path],
        *,
        cwd: Path | None = None,
        initialization_options: dict[str, Any] | None = None,
        capabilities: dict[str, Any] | None = None,
        command: list[str] | None = None,
    ) -> None:
        env = {**os.environ, "CTXSEP_NO_CACHE": "1"}
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "ctxsep", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self._next_id = 0
        self._responses: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.initialize_result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": folders[0].as_uri() if folders else None,
                "workspaceFolders": [{"uri": f.as_uri(), "name": f.name} for f in folders] or None,
                "capabilities": capabilities or {},
                "initializationOptions": initialization_options or {},
            },
        )
        self.notify("initialized", {})

    # -- wire ------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        with self._lock:
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            if length is None:
                continue
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request of the server's
                with self._changed:
                    self.server_requests.append(message)
                    self._changed.notify_all()
                self._send({"id": message["id"], "result": None})
            elif "id" in message:
                self._responses.setdefault(message["id"], queue.Queue()).put(message)
            else:
                with self._changed:
                    self.notifications.append(message)
                    self._changed.notify_all()

    def request(self, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        box = self._responses.setdefault(ident, queue.Queue())
        self._send({"id": ident, "method": method, "params": params})
        response = box.get(timeout=timeout)
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    # -- waiting ---------------------------------------------------------------------------

    def mark(self) -> int:
        """A point in the notification stream; wait for what comes after it."""
        with self._changed:
            return len(self.notifications)

    def wait_for(self, method: str, after: int = 0, uri: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self.notifications[after:]:
                    if message["method"] == method and (uri is None or message["params"].get("uri") == uri):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {method} for {uri} within {timeout} s; stderr: {self._stderr_so_far()}")
                self._changed.wait(remaining)

    def wait_for_request(self, method: str, after: int = 0, timeout: float = TIMEOUT) -> dict[str, Any]:
        """A request the server made of the client (the ``after``-th on)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self.server_requests[after:]:
                    if message["method"] == method:
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {method} request within {timeout} s")
                self._changed.wait(remaining)

    def diagnostics(self, uri: str, after: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        message = self.wait_for("textDocument/publishDiagnostics", after, uri, timeout)
        return list(message["params"]["diagnostics"])

    def _stderr_so_far(self) -> str:
        if self.process.poll() is None:
            return "(server still running)"
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace")

    # -- documents -------------------------------------------------------------------------

    def open(self, path: Path, text: str | None = None, version: int = 1) -> list[dict[str, Any]]:
        """Open ``path`` (with ``text``, else its content) and return its first diagnostics."""
        mark = self.mark()
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "python",
                    "version": version,
                    "text": path.read_text(encoding="utf-8") if text is None else text,
                }
            },
        )
        return self.diagnostics(path.as_uri(), mark)

    def change(self, path: Path, text: str, version: int) -> list[dict[str, Any]]:
        """Replace the whole buffer (unsaved) and return the diagnostics that follow."""
        mark = self.mark()
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": path.as_uri(), "version": version}, "contentChanges": [{"text": text}]},
        )
        return self.diagnostics(path.as_uri(), mark)

    def hover(self, path: Path, line: int, character: int) -> Any:
        return self.request(
            "textDocument/hover",
            {"textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character}},
        )

    def shutdown(self, timeout: float = TIMEOUT) -> int:
        """shutdown, exit, and the server's exit status."""
        self.request("shutdown", None, timeout)
        self.notify("exit", None)
        return self.process.wait(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def __enter__(self) -> LspClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
