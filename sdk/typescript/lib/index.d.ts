// Type declarations of @kodex-cli/sdk (hand-written; lib/*.js is the
// implementation). The items, events and options mirror those of Codex's
// TypeScript SDK (@openai/codex-sdk), so that code written against it
// compiles against this one once the import is changed.

/** The status of a command execution. */
export type CommandExecutionStatus = "in_progress" | "completed" | "failed";
/** A command executed by the agent. */
export type CommandExecutionItem = {
  id: string;
  type: "command_execution";
  /** The command line executed by the agent. */
  command: string;
  /** Aggregated stdout and stderr captured while the command was running. */
  aggregated_output: string;
  /** Set when the command exits; omitted while still running, and for a declined command. */
  exit_code?: number;
  /** Current status of the command execution ("failed" for a declined one too). */
  status: CommandExecutionStatus;
};

/** Indicates the type of the file change. */
export type PatchChangeKind = "add" | "delete" | "update";
/** One file of a file change. */
export type FileUpdateChange = {
  path: string;
  kind: PatchChangeKind;
};
/** The status of a file change: "in_progress" on item.started, then "completed" or "failed". */
export type PatchApplyStatus = "in_progress" | "completed" | "failed";
/** A set of file changes by the agent. */
export type FileChangeItem = {
  id: string;
  type: "file_change";
  /** Individual file changes that comprise the patch. */
  changes: FileUpdateChange[];
  /** Whether the patch is being applied, succeeded or failed (or was declined). */
  status: PatchApplyStatus;
};

/** The status of an MCP tool call. */
export type McpToolCallStatus = "in_progress" | "completed" | "failed";
/** A call to an MCP tool. */
export type McpToolCallItem = {
  id: string;
  type: "mcp_tool_call";
  /** Name of the MCP server handling the request. */
  server: string;
  /** The tool invoked on the MCP server. */
  tool: string;
  /** Arguments forwarded to the tool invocation. */
  arguments: unknown;
  /** Result payload returned by the MCP server for successful calls. */
  result?: {
    /** MCP content blocks (text, image, resource, …). */
    content: any[];
    _meta?: unknown;
    structured_content: unknown;
  };
  /** Error message reported for failed calls. */
  error?: {
    message: string;
  };
  /** Current status of the tool invocation. */
  status: McpToolCallStatus;
};

/** Response from the agent. Either natural-language text or JSON when structured output is requested. */
export type AgentMessageItem = {
  id: string;
  type: "agent_message";
  /** Either natural-language text or JSON when structured output is requested (on item.updated: the text so far). */
  text: string;
};
/** Agent's reasoning summary. */
export type ReasoningItem = {
  id: string;
  type: "reasoning";
  text: string;
};
/** A web search request. */
export type WebSearchItem = {
  id: string;
  type: "web_search";
  query: string;
};
/** A non-fatal error surfaced as an item (kodex's warnings). */
export type ErrorItem = {
  id: string;
  type: "error";
  message: string;
};
/** An item in the agent's to-do list. */
export type TodoItem = {
  text: string;
  completed: boolean;
};
/** The agent's running to-do list (its plan): started when the plan is issued, updated as steps change, completed when the turn ends. */
export type TodoListItem = {
  id: string;
  type: "todo_list";
  items: TodoItem[];
};
/** Canonical union of thread items and their type-specific payloads. */
export type ThreadItem =
  | AgentMessageItem
  | ReasoningItem
  | CommandExecutionItem
  | FileChangeItem
  | McpToolCallItem
  | WebSearchItem
  | TodoListItem
  | ErrorItem;

/** The first event of the run that started or resumed the thread. */
export type ThreadStartedEvent = {
  type: "thread.started";
  /** The identifier of the thread. Can be used to resume it later. */
  thread_id: string;
};
/** A turn started. */
export type TurnStartedEvent = {
  type: "turn.started";
};
/** Token usage: the thread's so far, as Codex's SDK reports it. */
export type Usage = {
  /** The number of input tokens used. */
  input_tokens: number;
  /** The number of cached input tokens used. */
  cached_input_tokens: number;
  /** The number of input tokens written to the prompt cache (kodex reports 0). */
  cache_write_input_tokens: number;
  /** The number of output tokens used. */
  output_tokens: number;
  /** The number of reasoning output tokens used. */
  reasoning_output_tokens: number;
};
/** A turn completed. */
export type TurnCompletedEvent = {
  type: "turn.completed";
  usage: Usage;
};
/** A turn failed (or was interrupted). */
export type TurnFailedEvent = {
  type: "turn.failed";
  error: ThreadError;
};
/** An item was added to the thread; typically "in progress". */
export type ItemStartedEvent = {
  type: "item.started";
  item: ThreadItem;
};
/** An item was updated: streamed message or reasoning text, command output, plan steps. */
export type ItemUpdatedEvent = {
  type: "item.updated";
  item: ThreadItem;
};
/** An item reached a terminal state, success or failure. */
export type ItemCompletedEvent = {
  type: "item.completed";
  item: ThreadItem;
};
/** Fatal error of a turn. */
export type ThreadError = {
  message: string;
};
/** An error reported by kodex: a model request being retried, or what failed the turn (then turn.failed follows). */
export type ThreadErrorEvent = {
  type: "error";
  message: string;
};
/** The events of a run, in the order they happen. */
export type ThreadEvent =
  | ThreadStartedEvent
  | TurnStartedEvent
  | TurnCompletedEvent
  | TurnFailedEvent
  | ItemStartedEvent
  | ItemUpdatedEvent
  | ItemCompletedEvent
  | ThreadErrorEvent;

export type TurnOptions = {
  /** JSON schema describing the expected agent output (the final response is then JSON). */
  outputSchema?: unknown;
  /** AbortSignal to interrupt the turn: the run rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal;
  /** Accepted for compatibility with Codex's SDK; kodex ignores it. */
  cyberAccessProgram?: string;
};

/** Completed turn. */
export type Turn = {
  items: ThreadItem[];
  finalResponse: string;
  usage: Usage | null;
};
/** Alias for `Turn` to describe the result of `run()`. */
export type RunResult = Turn;
/** The result of the `runStreamed` method. */
export type StreamedTurn = {
  events: AsyncGenerator<ThreadEvent>;
};
/** Alias for `StreamedTurn` to describe the result of `runStreamed()`. */
export type RunStreamedResult = StreamedTurn;

/** An input to send to the agent: text, a local image file, or (kodex) an image URL. */
export type UserInput =
  | {
      type: "text";
      text: string;
    }
  | {
      type: "local_image";
      path: string;
    }
  | {
      type: "image";
      /** An http(s) URL or a data: URL. */
      url: string;
    };
export type Input = string | UserInput[];

/** What an approval is asked for. */
export type ApprovalRequest = {
  /** "command_execution": a command (or an MCP tool call, `command` being mcp__server__tool); "file_change": a patch. */
  type: "command_execution" | "file_change";
  threadId: string;
  turnId: string;
  /** The id of the item the approval is about (item.started came first). */
  itemId: string;
  /** The command line (command_execution). */
  command?: string;
  /** The directory the command runs in (command_execution). */
  cwd?: string;
  /** Why kodex asks, when it says. */
  reason: string | null;
  /** The command prefix the model proposes to allow from now on (answer "acceptWithPrefixRule"), if any (command_execution). */
  proposedPrefixRule?: string[];
  /** The item as item.started showed it: the command, or the patch's files. */
  item?: ThreadItem;
};
/** The answer to an approval: run it, run it and do not ask again in this thread, run it and allow later commands that start with the proposed prefix rule, refuse (the model is told), or end the turn. */
export type ApprovalDecision = "accept" | "acceptForSession" | "acceptWithPrefixRule" | "decline" | "cancel";
/** Answers approvals; anything but a decision, or a throw, declines. */
export type ApprovalHandler = (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;

/** An MCP server asks the user to fill in a form in the middle of a tool call (MCP elicitation). */
export type ElicitationRequest = {
  /** The MCP server's name, as configured (`[mcp_servers.NAME]`). */
  serverName: string;
  /** What the server asks for. */
  message: string;
  /** The form: MCP's flat object JSON schema (properties of strings, numbers, booleans and enums; required). */
  requestedSchema: ElicitationSchema;
  mode: "form";
  threadId: string;
  /** The turn whose tool call asked, when kodex knows it. */
  turnId: string | null;
};
export type ElicitationSchema = {
  type: "object";
  properties: { [field: string]: { [keyword: string]: unknown } };
  required?: string[];
};
/** Send the form filled in, refuse (the server is told), or dismiss it. */
export type ElicitationAction = "accept" | "decline" | "cancel";
/** The answer to a form: accept with its content (field name to value), decline or cancel. */
export type ElicitationResponse =
  | { action: "accept"; content?: { [field: string]: unknown } }
  | { action: "decline" }
  | { action: "cancel" };
/** Answers MCP servers' forms; anything but a response or an action, or a throw, declines. */
export type ElicitationHandler = (
  request: ElicitationRequest,
) => ElicitationResponse | ElicitationAction | Promise<ElicitationResponse | ElicitationAction>;

export type ApprovalMode = "never" | "on-request" | "on-failure" | "untrusted";
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";
export type ModelReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh" | "max" | "ultra" | "persistent";
export type WebSearchMode = "disabled" | "cached" | "live";

export type ThreadOptions = {
  model?: string;
  sandboxMode?: SandboxMode;
  /** The thread's working directory (default: the current directory). */
  workingDirectory?: string;
  /** Run outside a git repository too (by default, as with Codex's SDK, the working directory must be inside one). */
  skipGitRepoCheck?: boolean;
  modelReasoningEffort?: ModelReasoningEffort;
  networkAccessEnabled?: boolean;
  webSearchMode?: WebSearchMode;
  webSearchEnabled?: boolean;
  approvalPolicy?: ApprovalMode;
  additionalDirectories?: string[];
  /** Accepted for compatibility with Codex's SDK; kodex ignores it. */
  threadSource?: string;
  /** kodex: do not record the thread under $KODEX_HOME/sessions. */
  ephemeral?: boolean;
  /** kodex: answers this thread's approvals (instead of KodexOptions.onApproval). */
  onApproval?: ApprovalHandler;
  /** kodex: answers MCP servers' forms asked in this thread (instead of KodexOptions.onElicitation). */
  onElicitation?: ElicitationHandler;
};

export type KodexConfigValue = string | number | boolean | KodexConfigValue[] | KodexConfigObject;
export type KodexConfigObject = {
  [key: string]: KodexConfigValue;
};

export type KodexOptions = {
  /** The kodex binary (default: `kodex` on PATH). */
  kodexPathOverride?: string;
  /** The same as kodexPathOverride, so options written for Codex's SDK work unchanged. */
  codexPathOverride?: string;
  /** The model provider's base URL (`-c openai_base_url=…`). */
  baseUrl?: string;
  /** The API key (passed to kodex as CODEX_API_KEY). */
  apiKey?: string;
  /**
   * `-c key=value` overrides for kodex: a JSON object flattened into dotted
   * keys whose values are written as TOML literals.
   */
  config?: KodexConfigObject;
  /** Raw `-c key=value` overrides, passed after `config`. */
  configOverrides?: string[];
  /**
   * The environment of kodex (KODEX_HOME, API keys, PATH, …). When given,
   * kodex does not inherit `process.env`.
   */
  env?: Record<string, string>;
  /** kodex: answers approvals (default: decline them all). */
  onApproval?: ApprovalHandler;
  /** kodex: answers MCP servers' forms (elicitation; default: decline them all). */
  onElicitation?: ElicitationHandler;
};

/** A recorded thread, as listThreads returns it. */
export type ThreadInfo = {
  id: string;
  /** The name given to it (`kodex sessions rename`, thread/name/set), if any. */
  name: string | null;
  /** Its first prompt. */
  preview: string;
  cwd: string;
  model: string | null;
  modelProvider: string;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds. */
  updatedAt: number;
  /** The thread it was forked from. */
  forkedFromId: string | null;
  /** Its transcript file. */
  path: string | null;
};

export type ListThreadsOptions = {
  /** Only threads recorded in this directory (or these). */
  cwd?: string | string[];
  /** Page size (default 25). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** List archived threads instead. */
  archived?: boolean;
};

export type ThreadList = {
  data: ThreadInfo[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
};

/** A thread of conversation with the agent. One thread can have multiple consecutive turns. */
export declare class Thread {
  private constructor();
  /** The ID of the thread: set once its first run has started it, or when resumed or forked. */
  get id(): string | null;
  /** Provides the input to the agent and streams events as they are produced during the turn. */
  runStreamed(input: Input, turnOptions?: TurnOptions): Promise<StreamedTurn>;
  /** Provides the input to the agent and returns the completed turn. */
  run(input: Input, turnOptions?: TurnOptions): Promise<Turn>;
}

/**
 * Kodex drives kodex through one `kodex app-server` process, started on
 * first use and shared by its threads.
 */
export declare class Kodex {
  constructor(options?: KodexOptions);
  /** Starts a new conversation; kodex creates it on its first run. */
  startThread(options?: ThreadOptions): Thread;
  /** Resumes a recorded thread ($KODEX_HOME/sessions) by its id. */
  resumeThread(id: string, options?: ThreadOptions): Thread;
  /** Copies a recorded thread into a new one (its history, not its id). */
  forkThread(id: string, options?: ThreadOptions): Promise<Thread>;
  /** Lists recorded threads, newest first. */
  listThreads(options?: ListThreadsOptions): Promise<ThreadList>;
  /** Archives a recorded thread ($KODEX_HOME/archived/sessions). */
  archiveThread(id: string): Promise<void>;
  /** Brings an archived thread back. */
  unarchiveThread(id: string): Promise<ThreadInfo>;
  /** Removes a recorded thread for good. */
  deleteThread(id: string): Promise<void>;
  /** Stops kodex app-server (not needed for a script to end); a later call starts it again. */
  close(): Promise<void>;
}

/** What KodexError.kind says went wrong. */
export type KodexErrorKind = "spawn" | "exit" | "rpc" | "turn" | "protocol" | "repo";

/** The error the SDK throws for what kodex reports. */
export declare class KodexError extends Error {
  name: "KodexError";
  /**
   * "spawn": kodex could not be started (not found, not executable);
   * "exit": kodex app-server exited; "rpc": a request got a JSON-RPC error;
   * "turn": the turn failed; "protocol": kodex speaks another protocol version;
   * "repo": the working directory is not in a git repository (see skipGitRepoCheck).
   */
  kind: KodexErrorKind;
  /** The JSON-RPC error code ("rpc"), or the system error code ("spawn", e.g. "ENOENT"). */
  code?: number | string;
  /** The JSON-RPC error's data ("rpc"). */
  data?: unknown;
  /** The request that failed ("rpc"). */
  method?: string;
  /** kodex's exit code ("exit"). */
  exitCode?: number | null;
  /** The signal that ended kodex ("exit"). */
  signal?: string | null;
  /** The end of kodex's stderr ("exit"). */
  stderr: string;
}
