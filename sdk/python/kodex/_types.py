"""The SDK's types.

Items, events, usage and inputs are TypedDicts, plain JSON-like dicts in the
shapes of Codex's TypeScript SDK (snake_case, a "type" member), so that
`json.dumps(event)` works and code written against Codex's SDK reads them
unchanged. What is the SDK's own (a run's result, a thread's listing, an
approval request, an MCP server's form) is a dataclass.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Literal, Optional, TypedDict, Union

ApprovalMode = Literal["never", "on-request", "on-failure", "untrusted"]
"""When kodex asks before it runs a command or applies a patch."""

SandboxMode = Literal["read-only", "workspace-write", "danger-full-access"]
"""What the commands kodex runs may touch."""

ModelReasoningEffort = Literal["minimal", "low", "medium", "high", "xhigh"]

ApprovalDecision = Literal["accept", "acceptForSession", "acceptWithPrefixRule", "decline", "cancel"]
"""An answer to an approval request: run it, run it and the same again
without asking in this thread, refuse it (the model is told), or refuse it
and end the turn."""

ElicitationAction = Literal["accept", "decline", "cancel"]
"""An answer to an MCP server's form: send what was filled in, refuse to
(the server is told), or dismiss the form (the server decides what that
means; server-everything, for one, reports it as cancelled)."""


# Items (Codex's ThreadItem).

CommandExecutionStatus = Literal["in_progress", "completed", "failed"]
PatchApplyStatus = Literal["in_progress", "completed", "failed"]
McpToolCallStatus = Literal["in_progress", "completed", "failed"]


class AgentMessageItem(TypedDict):
    """The agent's answer: text, or JSON when an output schema was given."""

    id: str
    type: Literal["agent_message"]
    text: str


class ReasoningItem(TypedDict):
    """The agent's reasoning summary."""

    id: str
    type: Literal["reasoning"]
    text: str


class _CommandExecutionItem(TypedDict):
    id: str
    type: Literal["command_execution"]
    command: str
    aggregated_output: str
    status: CommandExecutionStatus


class CommandExecutionItem(_CommandExecutionItem, total=False):
    """A command the agent ran (status "failed" when it was refused too)."""

    exit_code: int


class FileUpdateChange(TypedDict):
    path: str
    kind: Literal["add", "delete", "update"]


class FileChangeItem(TypedDict):
    """A patch the agent applied (status "failed" when it was refused too)."""

    id: str
    type: Literal["file_change"]
    changes: List[FileUpdateChange]
    status: PatchApplyStatus


class McpToolCallResult(TypedDict):
    content: List[Any]
    structured_content: Any


class McpToolCallError(TypedDict):
    message: str


class _McpToolCallItem(TypedDict):
    id: str
    type: Literal["mcp_tool_call"]
    server: str
    tool: str
    arguments: Any
    status: McpToolCallStatus


class McpToolCallItem(_McpToolCallItem, total=False):
    """A call of a tool of an MCP server."""

    result: McpToolCallResult
    error: McpToolCallError


class WebSearchItem(TypedDict):
    id: str
    type: Literal["web_search"]
    query: str


class TodoItem(TypedDict):
    text: str
    completed: bool


class TodoListItem(TypedDict):
    """The agent's plan for the turn: started when it makes one, updated as
    steps change, completed when the turn ends."""

    id: str
    type: Literal["todo_list"]
    items: List[TodoItem]


class ErrorItem(TypedDict):
    """Something the user should know that did not stop the turn."""

    id: str
    type: Literal["error"]
    message: str


ThreadItem = Union[
    AgentMessageItem,
    ReasoningItem,
    CommandExecutionItem,
    FileChangeItem,
    McpToolCallItem,
    WebSearchItem,
    TodoListItem,
    ErrorItem,
]


# Events (Codex's ThreadEvent).


class Usage(TypedDict):
    """The tokens the thread has used up to the end of the turn (cumulative,
    as in Codex's SDK and `codex exec --json`)."""

    input_tokens: int
    cached_input_tokens: int
    cache_write_input_tokens: int
    output_tokens: int
    reasoning_output_tokens: int


class ThreadError(TypedDict):
    message: str


class ThreadStartedEvent(TypedDict):
    """The first event of the first turn of a thread this Thread opened."""

    type: Literal["thread.started"]
    thread_id: str


class TurnStartedEvent(TypedDict):
    type: Literal["turn.started"]


class TurnCompletedEvent(TypedDict):
    type: Literal["turn.completed"]
    usage: Usage


class TurnFailedEvent(TypedDict):
    """The turn failed or was interrupted; the last event of its turn."""

    type: Literal["turn.failed"]
    error: ThreadError


class ItemStartedEvent(TypedDict):
    type: Literal["item.started"]
    item: ThreadItem


class ItemUpdatedEvent(TypedDict):
    type: Literal["item.updated"]
    item: ThreadItem


class ItemCompletedEvent(TypedDict):
    type: Literal["item.completed"]
    item: ThreadItem


class ThreadErrorEvent(TypedDict):
    """An error: a model request being retried, or the one a turn failed with."""

    type: Literal["error"]
    message: str


ThreadEvent = Union[
    ThreadStartedEvent,
    TurnStartedEvent,
    TurnCompletedEvent,
    TurnFailedEvent,
    ItemStartedEvent,
    ItemUpdatedEvent,
    ItemCompletedEvent,
    ThreadErrorEvent,
]


# Input.


class TextInput(TypedDict):
    type: Literal["text"]
    text: str


class LocalImageInput(TypedDict):
    """An image file (relative paths are taken from the current directory)."""

    type: Literal["local_image"]
    path: str


class ImageInput(TypedDict):
    """An image at a URL (https:// or data:)."""

    type: Literal["image"]
    url: str


UserInput = Union[TextInput, LocalImageInput, ImageInput]
Input = Union[str, List[UserInput]]


# The SDK's own.


@dataclass(frozen=True)
class RunResult:
    """A completed turn: the items it completed (in order), the text of its
    last agent message, and the tokens it used."""

    items: List[ThreadItem]
    final_response: str
    usage: Optional[Usage]


Turn = RunResult
"""Codex's SDK's name for a completed turn."""


@dataclass(frozen=True)
class ApprovalRequest:
    """kodex asks whether it may run a command (kind "command") or apply a
    patch (kind "file_change"). command and cwd are set for commands;
    changes (the fileChange item's changes, with their diffs) for patches.
    proposed_prefix_rule is the command prefix the model proposes to allow
    from now on (answer "acceptWithPrefixRule" to allow it), if any. params
    is the request as kodex sent it."""

    kind: Literal["command", "file_change"]
    thread_id: str
    turn_id: str
    item_id: str
    command: Optional[str]
    cwd: Optional[str]
    reason: Optional[str]
    changes: List[Dict[str, Any]]
    params: Dict[str, Any]
    proposed_prefix_rule: Optional[List[str]] = None


@dataclass(frozen=True)
class ElicitationRequest:
    """An MCP server (server_name) asks the user to fill in a form in the
    middle of a tool call (MCP elicitation): message says what for,
    requested_schema is the form, MCP's flat object JSON schema (properties
    of strings, numbers, booleans and enums; required). turn_id is the turn
    whose tool call asked, when kodex knows it. params is the request as
    kodex sent it."""

    server_name: str
    message: str
    requested_schema: Dict[str, Any]
    mode: str
    thread_id: str
    turn_id: Optional[str]
    params: Dict[str, Any]


@dataclass(frozen=True)
class ElicitationResponse:
    """What on_elicitation answers: ElicitationResponse.accept(content) (the
    form filled in: field name to value, as requested_schema says),
    ElicitationResponse.decline() or ElicitationResponse.cancel()."""

    action: ElicitationAction
    content: Optional[Dict[str, Any]] = None

    @classmethod
    def accept(cls, content: Dict[str, Any]) -> "ElicitationResponse":
        return cls("accept", dict(content))

    @classmethod
    def decline(cls) -> "ElicitationResponse":
        return cls("decline")

    @classmethod
    def cancel(cls) -> "ElicitationResponse":
        return cls("cancel")


@dataclass(frozen=True)
class ThreadInfo:
    """A recorded thread, as list_threads returns it. created_at and
    updated_at are Unix times in seconds."""

    id: str
    preview: str
    cwd: str
    created_at: int
    updated_at: int
    name: Optional[str]
    model_provider: str
    forked_from_id: Optional[str]
    path: Optional[str]


@dataclass(frozen=True)
class ThreadList:
    """One page of list_threads: newest first; next_cursor, when not None,
    gets the next page."""

    data: List[ThreadInfo] = field(default_factory=list)
    next_cursor: Optional[str] = None

    def __iter__(self) -> Iterator[ThreadInfo]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
