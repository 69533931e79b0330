"""The Python SDK for kodex, the Go coding agent.

It spawns `kodex app-server` and drives it over JSON-RPC (see kodex's
docs/protocol.md), with the API of Codex's TypeScript SDK in snake_case:

    from kodex import Kodex

    kodex = Kodex()
    thread = kodex.start_thread(working_directory=".")
    result = thread.run("Explain this repository")
    print(result.final_response)

AsyncKodex is the asyncio twin. Standard library only.
"""

from ._async import AsyncKodex, AsyncStreamedTurn, AsyncThread
from ._client import Kodex, StreamedTurn, Thread
from ._errors import (
    KodexError,
    KodexExitedError,
    KodexNotFoundError,
    KodexRPCError,
    TurnFailedError,
    TurnInterruptedError,
)
from ._rpc import PROTOCOL_VERSION
from ._types import (
    AgentMessageItem,
    ApprovalDecision,
    ApprovalMode,
    ApprovalRequest,
    CommandExecutionItem,
    ElicitationAction,
    ElicitationRequest,
    ElicitationResponse,
    ErrorItem,
    FileChangeItem,
    FileUpdateChange,
    ImageInput,
    Input,
    ItemCompletedEvent,
    ItemStartedEvent,
    ItemUpdatedEvent,
    LocalImageInput,
    McpToolCallItem,
    ModelReasoningEffort,
    ReasoningItem,
    RunResult,
    SandboxMode,
    TextInput,
    ThreadError,
    ThreadErrorEvent,
    ThreadEvent,
    ThreadInfo,
    ThreadItem,
    ThreadList,
    ThreadStartedEvent,
    TodoItem,
    TodoListItem,
    Turn,
    TurnCompletedEvent,
    TurnFailedEvent,
    TurnStartedEvent,
    Usage,
    UserInput,
    WebSearchItem,
)
from ._version import __version__

__all__ = [
    "PROTOCOL_VERSION",
    "AgentMessageItem",
    "ApprovalDecision",
    "ApprovalMode",
    "ApprovalRequest",
    "AsyncKodex",
    "AsyncStreamedTurn",
    "AsyncThread",
    "CommandExecutionItem",
    "ElicitationAction",
    "ElicitationRequest",
    "ElicitationResponse",
    "ErrorItem",
    "FileChangeItem",
    "FileUpdateChange",
    "ImageInput",
    "Input",
    "ItemCompletedEvent",
    "ItemStartedEvent",
    "ItemUpdatedEvent",
    "Kodex",
    "KodexError",
    "KodexExitedError",
    "KodexNotFoundError",
    "KodexRPCError",
    "LocalImageInput",
    "McpToolCallItem",
    "ModelReasoningEffort",
    "ReasoningItem",
    "RunResult",
    "SandboxMode",
    "StreamedTurn",
    "TextInput",
    "Thread",
    "ThreadError",
    "ThreadErrorEvent",
    "ThreadEvent",
    "ThreadInfo",
    "ThreadItem",
    "ThreadList",
    "ThreadStartedEvent",
    "TodoItem",
    "TodoListItem",
    "Turn",
    "TurnCompletedEvent",
    "TurnFailedEvent",
    "TurnInterruptedError",
    "TurnStartedEvent",
    "Usage",
    "UserInput",
    "WebSearchItem",
    "__version__",
]
