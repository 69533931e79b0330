// compat.ts is type-checked (never run) by TestTypes against the
// declarations of Codex's TypeScript SDK (test/sdk's pinned
// @openai/codex-sdk): whatever code written for Codex's SDK gives or
// receives fits @kodex-cli/sdk's types, so switching is changing the import.
import type * as Codex from "@openai/codex-sdk";
import type * as K from "@kodex-cli/sdk";
import { Kodex, KodexError, Thread } from "@kodex-cli/sdk";

// Every value of Codex's types is one of kodex's.
declare const codex: {
  options: Codex.CodexOptions;
  threadOptions: Codex.ThreadOptions;
  turnOptions: Codex.TurnOptions;
  input: Codex.Input;
  userInput: Codex.UserInput;
  event: Codex.ThreadEvent;
  item: Codex.ThreadItem;
  usage: Codex.Usage;
  turn: Codex.RunResult;
  approval: Codex.ApprovalMode;
  sandbox: Codex.SandboxMode;
  effort: Codex.ModelReasoningEffort;
  webSearch: Codex.WebSearchMode;
};
export const options: K.KodexOptions = codex.options;
export const threadOptions: K.ThreadOptions = codex.threadOptions;
export const turnOptions: K.TurnOptions = codex.turnOptions;
export const input: K.Input = codex.input;
export const userInput: K.UserInput = codex.userInput;
export const event: K.ThreadEvent = codex.event;
export const item: K.ThreadItem = codex.item;
export const usage: K.Usage = codex.usage;
export const turn: K.RunResult = codex.turn;
export const approval: K.ApprovalMode = codex.approval;
export const sandbox: K.SandboxMode = codex.sandbox;
export const effort: K.ModelReasoningEffort = codex.effort;
export const webSearch: K.WebSearchMode = codex.webSearch;

// What kodex returns is what Codex's SDK returns, for the parts that are
// the same (usage, and the items and events code reads by their type).
declare const kodexUsage: K.Usage;
export const backUsage: Codex.Usage = kodexUsage;
declare const kodexAgentMessage: K.AgentMessageItem;
export const backAgentMessage: Codex.AgentMessageItem = kodexAgentMessage;
declare const kodexCommand: K.CommandExecutionItem;
export const backCommand: Codex.CommandExecutionItem = kodexCommand;
declare const kodexTurnCompleted: K.TurnCompletedEvent;
export const backTurnCompleted: Codex.TurnCompletedEvent = kodexTurnCompleted;

// The classes take what Codex's take (function-typed properties, so that
// parameters are checked contravariantly) and give what code reads.
type CodexLikeThread = {
  readonly id: string | null;
  run: (input: Codex.Input, turnOptions?: Codex.TurnOptions) => Promise<{ items: unknown[]; finalResponse: string; usage: Codex.Usage | null }>;
  runStreamed: (input: Codex.Input, turnOptions?: Codex.TurnOptions) => Promise<{ events: AsyncGenerator<{ type: string }> }>;
};
type CodexLike = {
  startThread: (options?: Codex.ThreadOptions) => CodexLikeThread;
  resumeThread: (id: string, options?: Codex.ThreadOptions) => CodexLikeThread;
};
export const client: CodexLike = new Kodex(codex.options);
export const aThread: CodexLikeThread = new Kodex().startThread();
export const sameThread: Thread = new Kodex().resumeThread("id");

// kodex's own: fork, list, archive, approvals, errors.
export async function beyond(k: Kodex): Promise<string[]> {
  const fork: Thread = await k.forkThread("id", { onApproval: (r) => (r.type === "file_change" ? "decline" : "accept") });
  const page: K.ThreadList = await k.listThreads({ cwd: ["/a", "/b"], limit: 10, archived: false });
  await k.archiveThread(fork.id ?? "");
  const back: K.ThreadInfo = await k.unarchiveThread(fork.id ?? "");
  await k.deleteThread(back.id);
  await k.close();
  try {
    await fork.run([{ type: "image", url: "https://example.com/a.png" }]);
  } catch (err) {
    if (err instanceof KodexError) {
      const kind: K.KodexErrorKind = err.kind;
      return [kind, err.message, err.stderr];
    }
  }
  return page.data.map((t: K.ThreadInfo) => `${t.id} ${t.name ?? ""} ${t.createdAt}`);
}
