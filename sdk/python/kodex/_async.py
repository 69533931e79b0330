"""The asyncio API: AsyncKodex and AsyncThread, the twins of Kodex and
Thread. They share the connection type (its reader runs in a thread and
hands messages to the event loop) and everything but the waiting."""

import asyncio
import inspect
from typing import Any, AsyncIterator, Dict, Optional, Tuple

from ._client import _ClientBase, _result, _ThreadBase
from ._errors import KodexRPCError
from ._rpc import Closed, Connection
from ._turn import (
    DECLINE_FORM,
    ELICITATION,
    ApprovalHandler,
    ElicitationHandler,
    ThreadOptions,
    TurnMapper,
    approval_request,
    decision,
    elicitation_answer,
    elicitation_request,
    list_params,
    thread_info,
    thread_list,
    turn_params,
)
from ._types import ApprovalMode, Input, RunResult, SandboxMode, ThreadEvent, ThreadInfo, ThreadList


async def _call(conn: Connection, method: str, params: Any) -> Any:
    return await asyncio.wrap_future(conn.request(method, params))


class AsyncStreamedTurn:
    """The result of AsyncThread.run_streamed: events, an async iterator of
    the turn's events as they happen (iterate them to the end; leaving
    early interrupts the turn)."""

    def __init__(self, events: AsyncIterator[ThreadEvent]) -> None:
        self.events = events

    def __aiter__(self) -> AsyncIterator[ThreadEvent]:
        return self.events


class AsyncThread(_ThreadBase):
    """Thread's asyncio twin. on_approval and on_elicitation may be
    coroutine functions."""

    async def run(self, input: Input, output_schema: Any = None) -> RunResult:
        """Runs a turn and returns what it completed (see Thread.run).
        Cancelling it interrupts the turn."""
        mapper, events = await self._turn(input, output_schema)
        async for _ in events:
            pass
        return _result(mapper)

    async def run_streamed(self, input: Input, output_schema: Any = None) -> AsyncStreamedTurn:
        """Starts a turn and returns its events as they happen."""
        _, events = await self._turn(input, output_schema)
        return AsyncStreamedTurn(events)

    async def interrupt(self) -> None:
        """Interrupts the running turn; no turn, no-op."""
        turn_id = self._running()
        if turn_id is None:
            return
        try:
            await _call(await self._client._connection(), "turn/interrupt", {"threadId": self._id, "turnId": turn_id})
        except KodexRPCError:
            if self._running() == turn_id:
                raise

    async def _turn(self, input: Input, output_schema: Any) -> Tuple[TurnMapper, AsyncIterator[ThreadEvent]]:
        conn = await self._client._connection()
        opened: Optional[ThreadEvent] = None
        req = self._open_request()
        if req is not None:
            opened = self._opened(await _call(conn, *req))
        assert self._id is not None
        loop = asyncio.get_running_loop()
        q: "asyncio.Queue[Any]" = asyncio.Queue()

        def sub(msg: Any) -> None:
            loop.call_soon_threadsafe(q.put_nowait, msg)

        conn.subscribe(self._id, sub)
        try:
            started = await _call(conn, "turn/start", turn_params(self._id, input, output_schema, self._options.model_reasoning_effort))
        except BaseException:
            conn.unsubscribe(self._id, sub)
            raise
        mapper = self._begin(started["turn"]["id"])
        return mapper, self._events(conn, q, sub, mapper, opened)

    async def _events(self, conn: Connection, q: "asyncio.Queue[Any]", sub: Any, mapper: TurnMapper, opened: Optional[ThreadEvent]) -> AsyncIterator[ThreadEvent]:
        try:
            if opened is not None:
                yield opened
            while not mapper.done:
                msg = await q.get()
                if isinstance(msg, Closed):
                    raise msg.error
                if "id" in msg and msg.get("method") == ELICITATION:
                    await self._elicit(conn, msg)
                    continue
                if "id" in msg:
                    await self._approve(conn, mapper, msg)
                    continue
                for ev in mapper.notification(msg):
                    yield ev
        finally:
            conn.unsubscribe(mapper.thread_id, sub)
            self._end()
            if not mapper.done:  # left early or cancelled: stop the turn
                conn.request("turn/interrupt", {"threadId": mapper.thread_id, "turnId": mapper.turn_id})

    async def _approve(self, conn: Connection, mapper: TurnMapper, msg: Dict[str, Any]) -> None:
        req = approval_request(msg, mapper.changes((msg.get("params") or {}).get("itemId", "")))
        handler = self._handler()
        try:
            answer: Any = "decline"
            if handler is not None:
                answer = handler(req)
                if inspect.isawaitable(answer):
                    answer = await answer
            answer = decision(answer, req)
        except BaseException:
            conn.respond(msg["id"], {"decision": "decline"})
            raise
        conn.respond(msg["id"], {"decision": answer})

    async def _elicit(self, conn: Connection, msg: Dict[str, Any]) -> None:
        handler = self._form_handler()
        try:
            answer: Any = DECLINE_FORM
            if handler is not None:
                answer = handler(elicitation_request(msg))
                if inspect.isawaitable(answer):
                    answer = await answer
                answer = elicitation_answer(answer)
        except BaseException:
            conn.respond(msg["id"], DECLINE_FORM)
            raise
        conn.respond(msg["id"], answer)


class AsyncKodex:
    """Kodex's asyncio twin: the same arguments, the same methods, awaited
    (start_thread and resume_thread do no I/O and are not). Use it as an
    async context manager, or await close()."""

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

    async def _connection(self) -> Connection:
        conn, ready = self._base._start()
        await asyncio.wrap_future(ready)
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
    ) -> AsyncThread:
        """A new thread; it starts with its first turn."""
        opts = ThreadOptions(working_directory, sandbox_mode, approval_policy, model, skip_git_repo_check, model_reasoning_effort, on_approval, on_elicitation)
        return AsyncThread(self, opts, None, False)

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
    ) -> AsyncThread:
        """A recorded thread, resumed with its next turn."""
        opts = ThreadOptions(working_directory, sandbox_mode, approval_policy, model, skip_git_repo_check, model_reasoning_effort, on_approval, on_elicitation)
        return AsyncThread(self, opts, id, False)

    async def fork_thread(
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
    ) -> AsyncThread:
        """A new thread whose conversation starts as a copy of thread id's."""
        opts = ThreadOptions(working_directory, sandbox_mode, approval_policy, model, True, model_reasoning_effort, on_approval, on_elicitation)
        params = opts.params()
        params["threadId"] = id
        result = await _call(await self._connection(), "thread/fork", params)
        return AsyncThread(self, opts, result["thread"]["id"], True)

    async def list_threads(
        self,
        *,
        working_directory: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        archived: bool = False,
    ) -> ThreadList:
        """Recorded threads, newest first (see Kodex.list_threads)."""
        return thread_list(await _call(await self._connection(), "thread/list", list_params(working_directory, limit, cursor, archived)))

    async def archive_thread(self, id: str) -> None:
        await _call(await self._connection(), "thread/archive", {"threadId": id})

    async def unarchive_thread(self, id: str) -> ThreadInfo:
        return thread_info((await _call(await self._connection(), "thread/unarchive", {"threadId": id}))["thread"])

    async def delete_thread(self, id: str) -> None:
        await _call(await self._connection(), "thread/delete", {"threadId": id})

    async def close(self) -> None:
        """Stops kodex (running turns are interrupted). Idempotent."""
        await asyncio.get_running_loop().run_in_executor(None, self._base._close)

    async def __aenter__(self) -> "AsyncKodex":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
