"""The connection to one `kodex app-server` process: JSON-RPC 2.0, one JSON
message per line on its stdin and stdout.

A reader thread reads every message kodex sends, in order: a response
completes the concurrent.futures.Future of its request; a notification or a
server request (an approval, an MCP server's form) goes to the subscriber
of its thread, in the order it came. A server request of a thread nobody
listens to is declined; one the SDK does not know gets -32601. When kodex exits, every pending
request and every subscriber gets a KodexExitedError saying how it ended.
Both the sync and the asyncio API sit on this one connection type.
"""

import collections
import json
import os
import shutil
import subprocess
import threading
from concurrent.futures import Future
from typing import Any, Callable, Deque, Dict, List, Optional

from ._errors import KodexError, KodexExitedError, KodexNotFoundError, KodexRPCError

PROTOCOL_VERSION = 1
"""The version of kodex's app-server protocol this SDK speaks."""

# The server requests the SDK answers, and how when no turn of the thread is
# running to ask its callback.
_DECLINED: Dict[str, Dict[str, Any]] = {
    "item/commandExecution/requestApproval": {"decision": "decline"},
    "item/fileChange/requestApproval": {"decision": "decline"},
    "mcpServer/elicitation/request": {"action": "decline"},
}


class Closed:
    """What a subscriber gets when the connection ends: error says why."""

    def __init__(self, error: KodexError) -> None:
        self.error = error


Subscriber = Callable[[Any], None]


class Connection:
    """A running `kodex app-server` (see the module doc)."""

    def __init__(self, argv: List[str], env: Optional[Dict[str, str]]) -> None:
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                bufsize=0,
            )
        except FileNotFoundError as e:
            raise KodexNotFoundError("kodex not found: %s: %s" % (argv[0], e.strerror)) from e
        except PermissionError as e:
            raise KodexNotFoundError("kodex cannot be run: %s: %s" % (argv[0], e.strerror)) from e
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._next_id = 0
        self._pending: Dict[int, "Future[Any]"] = {}
        self._methods: Dict[int, str] = {}
        self._subs: Dict[str, Subscriber] = {}
        self._error: Optional[KodexError] = None
        self._closing = False
        self._stderr: Deque[str] = collections.deque(maxlen=40)
        self._stderr_done = threading.Event()
        self._reader = threading.Thread(target=self._read, name="kodex-sdk-reader", daemon=True)
        self._stderr_reader = threading.Thread(target=self._read_stderr, name="kodex-sdk-stderr", daemon=True)
        self._stderr_reader.start()
        self._reader.start()

    # Requests.

    def request(self, method: str, params: Any) -> "Future[Any]":
        """Sends a request; the future gets its result, or a KodexRPCError
        / KodexExitedError."""
        fut: "Future[Any]" = Future()
        with self._lock:
            if self._error is not None:
                fut.set_exception(self._error)
                return fut
            self._next_id += 1
            rid = self._next_id
            self._pending[rid] = fut
            self._methods[rid] = method
        try:
            self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        except KodexError as e:
            with self._lock:
                self._pending.pop(rid, None)
                self._methods.pop(rid, None)
            if not fut.done():
                fut.set_exception(e)
        return fut

    def call(self, method: str, params: Any) -> Any:
        """Sends a request and waits for its result."""
        return self.request(method, params).result()

    def notify(self, method: str, params: Any = None) -> None:
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def respond(self, rid: Any, result: Any = None, error: Optional[Dict[str, Any]] = None) -> None:
        """Answers a server request; a connection that has ended is no error
        (nobody is waiting for the answer any more)."""
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if error is not None:
            msg["error"] = error
        else:
            msg["result"] = result
        try:
            self._send(msg)
        except KodexError:
            pass

    def _send(self, msg: Dict[str, Any]) -> None:
        line = (json.dumps(msg, separators=(",", ":")) + "\n").encode("utf-8")
        with self._write_lock:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(line)
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                # kodex went away: the reader says how once it sees the end.
                if threading.current_thread() is not self._reader:
                    self._reader.join(timeout=10)
                raise self._error or KodexExitedError("kodex app-server closed its input")

    # Subscriptions.

    def subscribe(self, thread_id: str, sub: Subscriber) -> None:
        """Sends sub the notifications and server requests of thread_id, in
        order, then a Closed if the connection ends."""
        with self._lock:
            if thread_id in self._subs:
                raise KodexError("thread %s is already running a turn" % thread_id)
            if self._error is not None:
                raise self._error
            self._subs[thread_id] = sub

    def unsubscribe(self, thread_id: str, sub: Subscriber) -> None:
        with self._lock:
            if self._subs.get(thread_id) is sub:
                del self._subs[thread_id]

    # Reading.

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if not line.strip():
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                continue  # stdout is the protocol; nothing else should be there
            if isinstance(msg, dict):
                self._dispatch(msg)
        self._ended()

    def _dispatch(self, msg: Dict[str, Any]) -> None:
        method = msg.get("method")
        if method is None:
            self._response(msg)
            return
        params = msg.get("params") or {}
        thread_id = params.get("threadId") if isinstance(params, dict) else None
        if thread_id is None and isinstance(params, dict) and isinstance(params.get("thread"), dict):
            thread_id = params["thread"].get("id")
        with self._lock:
            sub = self._subs.get(thread_id) if isinstance(thread_id, str) else None
        declined = _DECLINED.get(method) if isinstance(method, str) else None
        if "id" in msg and (sub is None or declined is None):
            if declined is not None:
                self.respond(msg["id"], declined)
            else:
                self.respond(msg["id"], error={"code": -32601, "message": "kodex-sdk does not handle " + str(method)})
            return
        if sub is not None:
            try:
                sub(msg)
            except Exception:  # noqa: BLE001 - a subscriber gone (a closed event loop) must not stop the reader
                pass

    def _response(self, msg: Dict[str, Any]) -> None:
        rid = msg.get("id")
        with self._lock:
            fut = self._pending.pop(rid, None) if isinstance(rid, int) else None
            method = self._methods.pop(rid, "") if isinstance(rid, int) else ""
        if fut is None:
            return
        err = msg.get("error")
        if isinstance(err, dict):
            fut.set_exception(KodexRPCError(method, int(err.get("code", 0)), str(err.get("message", "")), err.get("data")))
        else:
            fut.set_result(msg.get("result"))

    def _read_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip("\n"))
        self._stderr_done.set()

    def _ended(self) -> None:
        code = self._proc.wait()
        self._stderr_done.wait(timeout=5)
        stderr = "\n".join(self._stderr)
        with self._lock:
            closing = self._closing
        if closing:
            err: KodexError = KodexExitedError("the Kodex client is closed", code, stderr)
        else:
            if code < 0:
                text = "kodex app-server exited: killed by signal %d" % -code
            else:
                text = "kodex app-server exited with status %d" % code
            if stderr:
                text += ": " + stderr.strip().splitlines()[-1]
            err = KodexExitedError(text, code, stderr)
        with self._lock:
            self._error = err
            pending = list(self._pending.values())
            self._pending.clear()
            subs = list(self._subs.values())
        for fut in pending:
            if not fut.done():
                fut.set_exception(err)
        for sub in subs:
            try:
                sub(Closed(err))
            except Exception:  # noqa: BLE001 - see _dispatch
                pass

    # Closing.

    def close(self, timeout: float = 10.0) -> None:
        """Closes kodex's stdin (it interrupts running turns and exits) and
        waits for it, killing it after timeout seconds."""
        with self._lock:
            self._closing = True
        with self._write_lock:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
            except OSError:
                pass
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=timeout)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        if self._proc.stderr is not None:
            self._stderr_reader.join(timeout=timeout)
            self._proc.stderr.close()

    @property
    def pid(self) -> int:
        return self._proc.pid


def initialize_params(version: str) -> Dict[str, Any]:
    return {"clientInfo": {"name": "kodex-sdk-python", "title": "kodex Python SDK", "version": version}}


def check_initialize(result: Any) -> None:
    """Checks that kodex speaks this SDK's protocol version."""
    info = result.get("kodex") if isinstance(result, dict) else None
    got = info.get("protocolVersion") if isinstance(info, dict) else None
    if got != PROTOCOL_VERSION:
        raise KodexError(
            "kodex app-server speaks protocol version %s, this SDK version %d: install the kodex-sdk of your kodex (sdk/python in its source)"
            % (got, PROTOCOL_VERSION)
        )


def environ(env: Optional[Dict[str, str]]) -> Dict[str, str]:
    """The environment kodex runs in: env when given (nothing inherited, as
    Codex's SDK does), else this process's."""
    return dict(env) if env is not None else dict(os.environ)


def find_kodex(kodex_path: Optional[str], env: Dict[str, str]) -> str:
    """The kodex binary: kodex_path, else `kodex` on PATH (env's PATH)."""
    if kodex_path is not None:
        path = os.path.abspath(os.fspath(kodex_path))
        if not os.path.isfile(path):
            raise KodexNotFoundError("kodex not found at %s (kodex_path): install kodex or fix the path" % path)
        if not os.access(path, os.X_OK):
            raise KodexNotFoundError("%s (kodex_path) is not executable" % path)
        return path
    found = shutil.which("kodex", path=env.get("PATH", os.defpath))
    if found is None:
        raise KodexNotFoundError("kodex not found on PATH: install kodex, or pass kodex_path= the binary's path")
    return found
