"""The sync API: Kodex and Thread. The asyncio twin (_async.py) shares the
base classes here; only the waiting differs."""

import queue
import threading
import weakref
from concurrent.futures import Future
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ._errors import KodexError, KodexRPCError, TurnFailedError, TurnInterruptedError
from ._rpc import Closed, Connection, check_initialize, environ, find_kodex, initialize_params
from ._turn import (
    DECLINE_FORM,
    ELICITATION,
    ApprovalHandler,
    ElicitationHandler,
    ThreadOptions,
    TurnMapper,
    approval_request,
    config_args,
    decision,
    elicitation_answer,
    elicitation_request,
    list_params,
    thread_info,
    thread_list,
    turn_params,
)
from ._types import ApprovalMode, Input, RunResult, SandboxMode, ThreadEvent, ThreadInfo, ThreadList
from ._version import __version__


class _ClientBase:
    """What Kodex and AsyncKodex share: the binary, its arguments and
    environment, and the one app-server connection, started on first use."""

    def __init__(
        self,
        kodex_path: Optional[str] = None,
        env: Optional[Dict[str, str]] = None,
        config: Optional[Dict[str, Any]] = None,
        on_approval: Optional[ApprovalHandler] = None,
        on_elicitation: Optional[ElicitationHandler] = None,
    ) -> None:
        self._env = environ(env)
        self._argv = [find_kodex(kodex_path, self._env), "app-server"] + config_args(config)
        self._on_approval = on_approval
        self._on_elicitation = on_elicitation
        self._lock = threading.Lock()
        self._conn: Optional[Connection] = None
        self._ready: "Optional[Future[None]]" = None
        self._closed = False
        self._finalizer: Optional[Any] = None

    def _start(self) -> Tuple[Connection, "Future[None]"]:
        """The connection and a future that completes once it is initialized."""
        with self._lock:
            if self._closed:
                raise KodexError("the Kodex client is closed")
            if self._conn is None or self._ready is None:
                conn = Connection(self._argv, self._env)
                ready: "Future[None]" = Future()

                def initialized(f: "Future[Any]") -> None:
                    try:
                        check_initialize(f.result())
                        conn.notify("initialized")
                        ready.set_result(None)
                    except BaseException as e:  # noqa: BLE001 - handed to the waiter
                        ready.set_exception(e)

                conn.request("initialize", initialize_params(__version__)).add_done_callback(initialized)
                self._conn, self._ready = conn, ready
                # Stops kodex when the client is collected, or at exit.
                self._finalizer = weakref.finalize(self, conn.close)
            return self._conn, self._ready

    def _close(self) -> None:
        with self._lock:
            self._closed = True
            finalizer, self._finalizer, self._conn = self._finalizer, None, None
        if finalizer is not None:
            finalizer()  # conn.close, once


class _ThreadBase:
    """What Thread and AsyncThread share."""

    def __init__(self, client: Any, options: ThreadOptions, thread_id: Optional[str], loaded: bool) -> None:
        self._client = client
        self._options = options
        self._id = thread_id
        self._loaded = loaded
        self._lock = threading.Lock()
        self._turn_id: Optional[str] = None

    @property
    def id(self) -> Optional[str]:
        """The thread's id: known once its first turn has started (at once
        for a resumed or forked thread)."""
        return self._id

    def _open_request(self) -> Optional[Tuple[str, Dict[str, Any]]]:
        """The thread/start or thread/resume to send before the first turn,
        or None once the thread is open."""
        if self._loaded:
            return None
        self._options.check_git_repo()
        params = self._options.params()
        if self._id is None:
            return "thread/start", params
        params["threadId"] = self._id
        params["excludeTurns"] = True
        return "thread/resume", params

    def _opened(self, result: Dict[str, Any]) -> ThreadEvent:
        self._id = result["thread"]["id"]
        self._loaded = True
        return {"type": "thread.started", "thread_id": self._id}

    def _handler(self) -> Optional[ApprovalHandler]:
        return self._options.on_approval or self._client._on_approval

    def _form_handler(self) -> Optional[ElicitationHandler]:
        return self._options.on_elicitation or self._client._on_elicitation

    def _begin(self, turn_id: str) -> TurnMapper:
        assert self._id is not None
        with self._lock:
            self._turn_id = turn_id
        return TurnMapper(self._id, turn_id)

    def _end(self) -> None:
        with self._lock:
            self._turn_id = None

    def _running(self) -> Optional[str]:
        with self._lock:
            return self._turn_id


def _result(mapper: TurnMapper) -> RunResult:
    if mapper.failure is not None:
        status, message = mapper.failure
        if status == "interrupted":
            raise TurnInterruptedError(message, mapper.turn_id)
        raise TurnFailedError(message, mapper.turn_id)
    return RunResult(items=list(mapper.items), final_response=mapper.final_response, usage=mapper.usage)


class StreamedTurn:
    """The result of Thread.run_streamed: events, the turn's events as they
    happen (iterate them to the end; leaving early interrupts the turn)."""

    def __init__(self, events: Iterator[ThreadEvent]) -> None:
        self.events = events

    def __iter__(self) -> Iterator[ThreadEvent]:
        return self.events


class Thread(_ThreadBase):
    """A conversation with kodex: turns run one after another on it."""

    def run(self, input: Input, output_schema: Any = None) -> RunResult:
        """Runs a turn and returns what it completed. Raises TurnFailedError
        (TurnInterruptedError) if the turn fails (is interrupted)."""
        mapper, events = self._turn(input, output_schema)
        for _ in events:
            pass
        return _result(mapper)

    def run_streamed(self, input: Input, output_schema: Any = None) -> StreamedTurn:
        """Starts a turn and returns its events as they happen."""
        _, events = self._turn(input, output_schema)
        return StreamedTurn(events)

    def interrupt(self) -> None:
        """Interrupts the running turn (from another thread, or while
        iterating its events): it ends as interrupted. No turn, no-op."""
        turn_id = self._running()
        if turn_id is None:
            return
        try:
            self._client._connection().call("turn/interrupt", {"threadId": self._id, "turnId": turn_id})
        except KodexRPCError:
            if self._running() == turn_id:
                raise

    def _turn(self, input: Input, output_schema: Any) -> Tuple[TurnMapper, Iterator[ThreadEvent]]:
        conn = self._client._connection()
        opened: Optional[ThreadEvent] = None
        req = self._open_request()
        if req is not None:
            opened = self._opened(conn.call(*req))
        assert self._id is not None
        q: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
        sub = q.put
        conn.subscribe(self._id, sub)
        try:
            started = conn.call("turn/start", turn_params(self._id, input, output_schema, self._options.model_reasoning_effort))
        except BaseException:
            conn.unsubscribe(self._id, sub)
            raise
        mapper = self._begin(started["turn"]["id"])
        return mapper, self._events(conn, q, sub, mapper, opened)

    def _events(self, conn: Connection, q: "queue.SimpleQueue[Any]", sub: Any, mapper: TurnMapper, opened: Optional[ThreadEvent]) -> Iterator[ThreadEvent]:
        try:
            if opened is not None:
                yield opened
            while not mapper.done:
                msg = q.get()
                if isinstance(msg, Closed):
                    raise msg.error
                if "id" in msg and msg.get("method") == ELICITATION:
                    self._elicit(conn, msg)
                    continue
                if "id" in msg:
                    self._approve(conn, mapper, msg)
                    continue
                yield from mapper.notification(msg)
        finally:
            conn.unsubscribe(mapper.thread_id, sub)
            self._end()
            if not mapper.done:  # left early: the turn must not go on unwatched
                conn.request("turn/interrupt", {"threadId": mapper.thread_id, "turnId": mapper.turn_id})

    def _approve(self, conn: Connection, mapper: TurnMapper, msg: Dict[str, Any]) -> None:
        req = approval_request(msg, mapper.changes((msg.get("params") or {}).get("itemId", "")))
        handler = self._handler()
        try:
            answer = decision(handler(req), req) if handler is not None else "decline"
        except BaseException:
            conn.respond(msg["id"], {"decision": "decline"})
            raise
        conn.respond(msg["id"], {"decision": answer})

    def _elicit(self, conn: Connection, msg: Dict[str, Any]) -> None:
        handler = self._form_handler()
        try:
            answer = elicitation_answer(handler(elicitation_request(msg))) if handler is not None else DECLINE_FORM
        except BaseException:
            conn.respond(msg["id"], DECLINE_FORM)
            raise
        conn.respond(msg["id"], answer)


class Kodex:
    """The kodex client: spawns `kodex app-server` (kodex_path, else kodex on
    PATH) on first use and runs threads on it.

    env replaces the environment kodex runs in (default: this process's);
    config becomes `-c key=value` overrides (nested objects flattened to
    dotted keys); on_approval answers approval requests, on_elicitation
    MCP servers' forms, of every thread that has none of its own (default:
    decline). Close it (or use it as a context manager) to stop kodex; it
    is stopped at exit anyway."""

    def __init__(
        self,
        kodex_path: Optional[str] = None,
        env: Optional[Dict[str, str]] = None,
        config: Optional[Dict[str, Any]] = None,
        on_approval: Optional[ApprovalHandler] = None,
        on_elicitation: Optional[ElicitationHandler] = None,
    ) -> None:
        self._base = _ClientBase(kodex_path, env, config, on_approval, on_elicitation)
        self._on_approval = on_approval
        self._on_elicitation = on_elicitation

    def _connection(self) -> Connection:
        conn, ready = self._base._start()
        ready.result()
        return conn

    def start_thread(
        self,
        *,
        working_directory: Optional[str] = None,
        sandbox_mode: Optional[SandboxMode] = None,
        approval_policy: Optional[ApprovalMode] = None,
        model: Optional[str] = None,
        skip_git_repo_check: bool = False,
        model_reasoning_effort: Optional[str] = None,
        on_approval: Optional[ApprovalHandler] = None,
        on_elicitation: Optional[ElicitationHandler] = None,
    ) -> Thread:
        """A new thread; it starts with its first turn."""
        opts = ThreadOptions(working_directory, sandbox_mode, approval_policy, model, skip_git_repo_check, model_reasoning_effort, on_approval, on_elicitation)
        return Thread(self, opts, None, False)

    def resume_thread(
        self,
        id: str,
        *,
        working_directory: Optional[str] = None,
        sandbox_mode: Optional[SandboxMode] = None,
        approval_policy: Optional[ApprovalMode] = None,
        model: Optional[str] = None,
        skip_git_repo_check: bool = False,
        model_reasoning_effort: Optional[str] = None,
        on_approval: Optional[ApprovalHandler] = None,
        on_elicitation: Optional[ElicitationHandler] = None,
    ) -> Thread:
        """A recorded thread, resumed with its next turn."""
        opts = ThreadOptions(working_directory, sandbox_mode, approval_policy, model, skip_git_repo_check, model_reasoning_effort, on_approval, on_elicitation)
        return Thread(self, opts, id, False)

    def fork_thread(
        self,
        id: str,
        *,
        working_directory: Optional[str] = None,
        sandbox_mode: Optional[SandboxMode] = None,
        approval_policy: Optional[ApprovalMode] = None,
        model: Optional[str] = None,
        model_reasoning_effort: Optional[str] = None,
        on_approval: Optional[ApprovalHandler] = None,
        on_elicitation: Optional[ElicitationHandler] = None,
    ) -> Thread:
        """A new thread whose conversation starts as a copy of thread id's."""
        opts = ThreadOptions(working_directory, sandbox_mode, approval_policy, model, True, model_reasoning_effort, on_approval, on_elicitation)
        params = opts.params()
        params["threadId"] = id
        result = self._connection().call("thread/fork", params)
        return Thread(self, opts, result["thread"]["id"], True)

    def list_threads(
        self,
        *,
        working_directory: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        archived: bool = False,
    ) -> ThreadList:
        """Recorded threads, newest first (those of working_directory only,
        when given; the archived ones with archived=True), a page at a time."""
        return thread_list(self._connection().call("thread/list", list_params(working_directory, limit, cursor, archived)))

    def archive_thread(self, id: str) -> None:
        """Moves a recorded thread to the archive (list_threads(archived=True))."""
        self._connection().call("thread/archive", {"threadId": id})

    def unarchive_thread(self, id: str) -> ThreadInfo:
        """Brings an archived thread back and returns it."""
        return thread_info(self._connection().call("thread/unarchive", {"threadId": id})["thread"])

    def delete_thread(self, id: str) -> None:
        """Deletes a recorded thread."""
        self._connection().call("thread/delete", {"threadId": id})

    def close(self) -> None:
        """Stops kodex (running turns are interrupted). Idempotent."""
        self._base._close()

    def __enter__(self) -> "Kodex":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__: List[str] = ["Kodex", "Thread", "StreamedTurn"]
