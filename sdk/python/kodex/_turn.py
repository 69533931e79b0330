"""What the sync and asyncio APIs share: thread options as app-server
params, input and config conversion, and the mapping of a turn's app-server
notifications to Codex-SDK items and events (the README has the table).
No I/O here."""

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._errors import KodexError
from ._types import (
    ApprovalRequest,
    ElicitationRequest,
    ElicitationResponse,
    Input,
    ThreadEvent,
    ThreadInfo,
    ThreadItem,
    ThreadList,
    TodoListItem,
    Usage,
)

ApprovalHandler = Callable[[ApprovalRequest], Any]
ElicitationHandler = Callable[[ElicitationRequest], Any]


@dataclass(frozen=True)
class ThreadOptions:
    """The options of start_thread, resume_thread and fork_thread."""

    working_directory: Optional[str] = None
    sandbox_mode: Optional[str] = None
    approval_policy: Optional[str] = None
    model: Optional[str] = None
    skip_git_repo_check: bool = False
    model_reasoning_effort: Optional[str] = None
    on_approval: Optional[ApprovalHandler] = None
    on_elicitation: Optional[ElicitationHandler] = None

    def params(self) -> Dict[str, Any]:
        """thread/start's (resume's, fork's) params for these options."""
        p: Dict[str, Any] = {}
        if self.working_directory is not None:
            p["cwd"] = os.path.abspath(self.working_directory)
        if self.model is not None:
            p["model"] = self.model
        if self.approval_policy is not None:
            p["approvalPolicy"] = self.approval_policy
        if self.sandbox_mode is not None:
            p["sandbox"] = self.sandbox_mode
        return p

    def check_git_repo(self) -> None:
        """Refuses, as `codex exec` does, a working directory outside a git
        repository unless skip_git_repo_check is set."""
        if self.skip_git_repo_check:
            return
        d = os.path.abspath(self.working_directory or os.getcwd())
        while True:
            if os.path.lexists(os.path.join(d, ".git")):
                return
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        raise KodexError(
            "%s is not inside a git repository: run kodex in one, or pass skip_git_repo_check=True"
            % os.path.abspath(self.working_directory or os.getcwd())
        )


def wire_input(value: Input) -> List[Dict[str, Any]]:
    """The turn/start input for a string or a list of UserInput."""
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    out: List[Dict[str, Any]] = []
    for part in value:
        kind = part.get("type")
        if kind == "text":
            out.append({"type": "text", "text": part["text"]})  # type: ignore[typeddict-item]
        elif kind == "local_image":
            out.append({"type": "localImage", "path": os.path.abspath(part["path"])})  # type: ignore[typeddict-item]
        elif kind == "image":
            out.append({"type": "image", "url": part["url"]})  # type: ignore[typeddict-item]
        else:
            raise KodexError("input of type %r: want text, local_image or image" % (kind,))
    return out


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _toml_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join("%s = %s" % (_toml_key(str(k)), _toml_value(v, where)) for k, v in value.items()) + "}"
    raise KodexError("config %s: a %s cannot be written as TOML" % (where, type(value).__name__))


def config_args(config: Optional[Dict[str, Any]]) -> List[str]:
    """The `-c key=value` arguments for a config object: nested objects are
    flattened into dotted keys, values written as TOML literals."""
    out: List[str] = []

    def walk(prefix: str, obj: Dict[str, Any]) -> None:
        for k, v in obj.items():
            key = prefix + _toml_key(str(k))
            if isinstance(v, dict) and v:
                walk(key + ".", v)
            else:
                out.extend(["-c", "%s=%s" % (key, _toml_value(v, key))])

    if config:
        walk("", config)
    return out


def thread_info(t: Dict[str, Any]) -> ThreadInfo:
    return ThreadInfo(
        id=t["id"],
        preview=t.get("preview") or "",
        cwd=t.get("cwd") or "",
        created_at=int(t.get("createdAt") or 0),
        updated_at=int(t.get("updatedAt") or 0),
        name=t.get("name"),
        model_provider=t.get("modelProvider") or "",
        forked_from_id=t.get("forkedFromId"),
        path=t.get("path"),
    )


def thread_list(result: Dict[str, Any]) -> ThreadList:
    return ThreadList(data=[thread_info(t) for t in result.get("data") or []], next_cursor=result.get("nextCursor"))


def list_params(working_directory: Optional[str], limit: Optional[int], cursor: Optional[str], archived: bool) -> Dict[str, Any]:
    p: Dict[str, Any] = {"archived": archived}
    if working_directory is not None:
        p["cwd"] = os.path.abspath(working_directory)
    if limit is not None:
        p["limit"] = limit
    if cursor is not None:
        p["cursor"] = cursor
    return p


# Approvals.

_DECISIONS = {
    "accept": "accept",
    "acceptForSession": "acceptForSession",
    "accept_for_session": "acceptForSession",
    "decline": "decline",
    "cancel": "cancel",
}
_PREFIX_RULE = ("acceptWithPrefixRule", "accept_with_prefix_rule")


def approval_request(msg: Dict[str, Any], changes: List[Dict[str, Any]]) -> ApprovalRequest:
    p = msg.get("params") or {}
    return ApprovalRequest(
        kind="command" if msg.get("method") == "item/commandExecution/requestApproval" else "file_change",
        thread_id=p.get("threadId", ""),
        turn_id=p.get("turnId", ""),
        item_id=p.get("itemId", ""),
        command=p.get("command"),
        cwd=p.get("cwd"),
        reason=p.get("reason"),
        changes=changes,
        params=p,
        proposed_prefix_rule=_strings(p.get("proposedExecpolicyAmendment")),
    )


def _strings(v: Any) -> Optional[List[str]]:
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return list(v)
    return None


def decision(value: Any, request: Optional[ApprovalRequest] = None) -> Any:
    """The wire decision for what an on_approval callback returned: a
    decision string (snake_case accepted), True (accept), False or None
    (decline). "acceptWithPrefixRule" accepts with the prefix rule the
    request proposed (Codex's acceptWithExecpolicyAmendment)."""
    if value is True:
        return "accept"
    if value is False or value is None:
        return "decline"
    if isinstance(value, str) and value in _DECISIONS:
        return _DECISIONS[value]
    if isinstance(value, str) and value in _PREFIX_RULE:
        rule = request.proposed_prefix_rule if request is not None else None
        if not rule:
            raise KodexError("on_approval returned %r, but the request proposed no prefix rule" % (value,))
        return {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": rule}}
    raise KodexError("on_approval returned %r: want accept, acceptForSession, acceptWithPrefixRule, decline, cancel or a bool" % (value,))


# MCP servers' forms (elicitation).

ELICITATION = "mcpServer/elicitation/request"
DECLINE_FORM: Dict[str, Any] = {"action": "decline"}


def elicitation_request(msg: Dict[str, Any]) -> ElicitationRequest:
    p = msg.get("params") or {}
    schema = p.get("requestedSchema")
    return ElicitationRequest(
        server_name=p.get("serverName", ""),
        message=p.get("message", ""),
        requested_schema=schema if isinstance(schema, dict) else {},
        mode=p.get("mode", "form"),
        thread_id=p.get("threadId", ""),
        turn_id=p.get("turnId"),
        params=p,
    )


def elicitation_answer(value: Any) -> Dict[str, Any]:
    """The wire answer for what an on_elicitation callback returned: an
    ElicitationResponse, a dict (the content, accepted), an action string
    ("accept" sends no content), True (accept) or False or None
    (decline)."""
    if isinstance(value, ElicitationResponse):
        action, content = value.action, value.content
    elif isinstance(value, dict):
        action, content = "accept", value
    elif value is True or value is False or value is None:
        action, content = ("accept" if value else "decline"), None
    elif isinstance(value, str):
        action, content = value, None
    else:
        action, content = "", None
    if action not in ("accept", "decline", "cancel"):
        raise KodexError("on_elicitation returned %r: want ElicitationResponse.accept(content), a dict of content, accept, decline, cancel or a bool" % (value,))
    if action != "accept":
        return {"action": action}
    try:
        json.dumps(content or {})
    except (TypeError, ValueError) as e:
        raise KodexError("on_elicitation's content cannot be sent as JSON: %s" % e) from e
    return {"action": "accept", "content": dict(content or {})}


# Items and events.

# A command or patch the approval refused is "failed", as in Codex's SDK and
# `kodex exec --json` (Codex's statuses have no "declined").
_STATUS = {"inProgress": "in_progress", "completed": "completed", "failed": "failed", "declined": "failed"}


def map_item(it: Dict[str, Any]) -> Optional[ThreadItem]:
    """Codex's SDK's item for an app-server ThreadItem, or None for the kinds
    it has none of (userMessage, contextCompaction, …)."""
    kind = it.get("type")
    iid = it.get("id", "")
    if kind == "agentMessage":
        return {"id": iid, "type": "agent_message", "text": it.get("text") or ""}
    if kind == "reasoning":
        parts = it.get("summary") or it.get("content") or []
        return {"id": iid, "type": "reasoning", "text": "\n".join(parts)}
    if kind == "commandExecution":
        cmd: Dict[str, Any] = {
            "id": iid,
            "type": "command_execution",
            "command": it.get("command") or "",
            "aggregated_output": it.get("aggregatedOutput") or "",
            "status": _STATUS.get(it.get("status", ""), "in_progress"),
        }
        if it.get("exitCode") is not None:
            cmd["exit_code"] = it["exitCode"]
        return cmd  # type: ignore[return-value]
    if kind == "fileChange":
        changes = []
        for c in it.get("changes") or []:
            k = c.get("kind")
            changes.append({"path": c.get("path", ""), "kind": k.get("type") if isinstance(k, dict) else k})
        return {"id": iid, "type": "file_change", "changes": changes, "status": _STATUS.get(it.get("status", ""), "in_progress")}  # type: ignore[typeddict-item]
    if kind == "mcpToolCall":
        call: Dict[str, Any] = {
            "id": iid,
            "type": "mcp_tool_call",
            "server": it.get("server", ""),
            "tool": it.get("tool", ""),
            "arguments": it.get("arguments"),
            "status": _STATUS.get(it.get("status", ""), "in_progress"),
        }
        res = it.get("result")
        if isinstance(res, dict):
            call["result"] = {"content": res.get("content") or [], "structured_content": res.get("structuredContent")}
        err = it.get("error")
        if isinstance(err, dict):
            call["error"] = {"message": err.get("message", "")}
        return call  # type: ignore[return-value]
    if kind == "webSearch":
        return {"id": iid, "type": "web_search", "query": it.get("query") or ""}
    return None


def _usage() -> Usage:
    return {"input_tokens": 0, "cached_input_tokens": 0, "cache_write_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0}


class TurnMapper:
    """Turns one turn's app-server notifications into Codex-SDK events, and
    collects its items, final response and usage. Feed it every message of
    the turn's thread with notification(); done says the turn has ended,
    failure how (None if it completed)."""

    def __init__(self, thread_id: str, turn_id: str) -> None:
        self.thread_id = thread_id
        self.turn_id = turn_id
        self.items: List[ThreadItem] = []
        self.final_response = ""
        self.usage = _usage()
        self.done = False
        self.failure: Optional[Tuple[str, str]] = None  # (status, message)
        self._live: Dict[str, Dict[str, Any]] = {}  # items started, not completed, by id
        self._file_changes: Dict[str, List[Dict[str, Any]]] = {}  # wire changes of started patches
        self._todo: Optional[TodoListItem] = None
        self._warnings = 0

    def changes(self, item_id: str) -> List[Dict[str, Any]]:
        """The changes (with diffs) of the fileChange item item_id."""
        return self._file_changes.get(item_id, [])

    def notification(self, msg: Dict[str, Any]) -> List[ThreadEvent]:
        method = msg.get("method")
        p = msg.get("params") or {}
        turn_id = p.get("turnId")
        if turn_id is None and isinstance(p.get("turn"), dict):
            turn_id = p["turn"].get("id")
        if turn_id is not None and turn_id != self.turn_id:
            return []
        if method == "turn/started":
            return [{"type": "turn.started"}]
        if method == "item/started":
            return self._started(p.get("item") or {})
        if method == "item/completed":
            return self._completed(p.get("item") or {})
        if method in ("item/agentMessage/delta", "item/reasoning/summaryTextDelta", "item/commandExecution/outputDelta"):
            return self._delta(method, p)
        if method == "turn/plan/updated":
            return self._plan(p)
        if method == "thread/tokenUsage/updated":
            # The thread's usage so far, as Codex's SDK (and `kodex exec
            # --json`) report it at the end of a turn.
            total = (p.get("tokenUsage") or {}).get("total") or {}
            for ours, theirs in (
                ("input_tokens", "inputTokens"),
                ("cached_input_tokens", "cachedInputTokens"),
                ("cache_write_input_tokens", "cacheWriteInputTokens"),
                ("output_tokens", "outputTokens"),
                ("reasoning_output_tokens", "reasoningOutputTokens"),
            ):
                self.usage[ours] = int(total.get(theirs) or 0)  # type: ignore[literal-required]
            return []
        if method == "error":
            err = p.get("error") or {}
            return [{"type": "error", "message": err.get("message", "")}]
        if method == "warning":
            self._warnings += 1
            item: ThreadItem = {"id": "%s-warning-%d" % (self.turn_id, self._warnings), "type": "error", "message": p.get("message", "")}
            self.items.append(item)
            return [{"type": "item.completed", "item": item}]
        if method == "turn/completed":
            return self._turn_completed(p.get("turn") or {})
        return []

    def _started(self, wire: Dict[str, Any]) -> List[ThreadEvent]:
        if wire.get("type") == "fileChange":
            self._file_changes[wire.get("id", "")] = list(wire.get("changes") or [])
        item = map_item(wire)
        if item is None:
            return []
        self._live[item["id"]] = dict(item)
        return [{"type": "item.started", "item": item}]

    def _completed(self, wire: Dict[str, Any]) -> List[ThreadEvent]:
        item = map_item(wire)
        if item is None:
            return []
        self._live.pop(item["id"], None)
        self.items.append(item)
        if item["type"] == "agent_message":
            self.final_response = item["text"]
        return [{"type": "item.completed", "item": item}]

    def _delta(self, method: str, p: Dict[str, Any]) -> List[ThreadEvent]:
        live = self._live.get(p.get("itemId", ""))
        if live is None:
            return []
        field = "aggregated_output" if method == "item/commandExecution/outputDelta" else "text"
        if method == "item/reasoning/summaryTextDelta" and live.get("text") and p.get("summaryIndex", 0) > live.get("_part", 0):
            live["text"] += "\n"
            live["_part"] = p.get("summaryIndex", 0)
        live[field] = live.get(field, "") + (p.get("delta") or "")
        item = {k: v for k, v in live.items() if not k.startswith("_")}
        return [{"type": "item.updated", "item": item}]  # type: ignore[typeddict-item]

    def _plan(self, p: Dict[str, Any]) -> List[ThreadEvent]:
        steps = [{"text": s.get("step", ""), "completed": s.get("status") == "completed"} for s in p.get("plan") or []]
        first = self._todo is None
        self._todo = {"id": "%s-plan" % self.turn_id, "type": "todo_list", "items": steps}  # type: ignore[typeddict-item]
        return [{"type": "item.started" if first else "item.updated", "item": dict(self._todo)}]  # type: ignore[typeddict-item]

    def _turn_completed(self, turn: Dict[str, Any]) -> List[ThreadEvent]:
        self.done = True
        events: List[ThreadEvent] = []
        if self._todo is not None:
            self.items.append(self._todo)
            events.append({"type": "item.completed", "item": self._todo})
        status = turn.get("status")
        if status == "completed":
            events.append({"type": "turn.completed", "usage": dict(self.usage)})  # type: ignore[typeddict-item]
            return events
        message = ((turn.get("error") or {}).get("message")) or ("turn aborted: interrupted" if status == "interrupted" else "turn failed")
        self.failure = (status or "failed", message)
        events.append({"type": "turn.failed", "error": {"message": message}})
        return events


def turn_params(thread_id: str, value: Input, output_schema: Any, effort: Optional[str]) -> Dict[str, Any]:
    p: Dict[str, Any] = {"threadId": thread_id, "input": wire_input(value)}
    if output_schema is not None:
        p["outputSchema"] = output_schema
    if effort is not None:
        p["effort"] = effort
    return p
