// drive.mjs drives `kodex mcp-server` with the official MCP TypeScript SDK
// client (@modelcontextprotocol/sdk) for mcpserver_test.go: it lists the
// tools, runs a kodex call and continues it with kodex-reply, answers two
// command approvals through elicitation (one accepted, one declined),
// cancels a call mid-turn and continues that thread, and runs two calls at
// once. It prints one JSON summary line on stdout; any failure exits
// non-zero.
//
// Environment: KODEX_BIN (the kodex binary), WORKDIR (the git repository the
// sessions work in), KODEX_HOME and HOME (passed on to kodex).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`drive.mjs: ${name} is not set`);
  return v;
}
const workdir = need("WORKDIR");

const transport = new StdioClientTransport({
  command: need("KODEX_BIN"),
  args: ["mcp-server"],
  env: { PATH: need("PATH"), HOME: need("HOME"), KODEX_HOME: need("KODEX_HOME"), TMPDIR: need("TMPDIR") },
  stderr: "inherit",
});
const client = new Client({ name: "kodex-interop", version: "1.0.0" }, { capabilities: { elicitation: {} } });

// Every kodex/event notification, in arrival order.
const events = [];
client.fallbackNotificationHandler = async (n) => {
  if (n.method === "kodex/event") events.push(n.params);
};
// Approvals: a command touching approved.txt is allowed, any other declined.
const elicitations = [];
client.setRequestHandler(ElicitRequestSchema, async (req) => {
  // The SDK keeps the request's _meta (and drops the codex_* copies at the
  // top level, which it does not know).
  const p = req.params;
  const meta = p._meta ?? {};
  elicitations.push({ message: p.message, kind: meta.codex_elicitation, command: meta.codex_command, threadId: meta.threadId });
  if (p.message.includes("approved.txt")) return { action: "accept", content: { decision: "approved" } };
  return { action: "decline" };
});

await client.connect(transport);
const summary = { server: client.getServerVersion() };

const tools = await client.listTools();
summary.tools = tools.tools.map((t) => ({ name: t.name, required: t.inputSchema.required, properties: Object.keys(t.inputSchema.properties).sort() }));

function answer(res) {
  return { isError: !!res.isError, text: res.content.map((c) => c.text), structured: res.structuredContent };
}
const base = { cwd: workdir, sandbox: "workspace-write", "approval-policy": "untrusted" };

// A call and its reply.
const first = await client.callTool({ name: "kodex", arguments: { ...base, prompt: "hello" } });
summary.first = answer(first);
summary.reply = answer(await client.callTool({ name: "kodex-reply", arguments: { threadId: first.structuredContent.threadId, prompt: "again" } }));

// Approvals through elicitation, with progress. (The SDK runs notification
// handlers after the messages read with them, so the progress that comes
// in one read with the result is dropped: only what precedes the approval
// is sure to be seen.)
const progress = [];
summary.approved = answer(
  await client.callTool({ name: "kodex", arguments: { ...base, prompt: "touch approved" } }, undefined, {
    onprogress: (p) => progress.push(p.message),
  }),
);
summary.progress = progress;
summary.declined = answer(await client.callTool({ name: "kodex", arguments: { ...base, prompt: "touch denied" } }));
summary.elicitations = elicitations;

// Cancel a call whose model stalls, once its turn has started; then the
// thread goes on.
const ac = new AbortController();
let blockedThread = "";
const cancelled = await client
  .callTool({ name: "kodex", arguments: { ...base, prompt: "block" } }, undefined, {
    signal: ac.signal,
    onprogress: (p) => {
      if (p.message === "turn started") {
        blockedThread = events.findLast((e) => e.msg.type === "session_configured").msg.session_id;
        ac.abort("the test cancels");
      }
    },
  })
  .then(() => "completed", (e) => String(e));
summary.cancelled = { outcome: cancelled, threadId: blockedThread };
summary.afterCancel = answer(await client.callTool({ name: "kodex-reply", arguments: { threadId: blockedThread, prompt: "after cancel" } }));

// Two calls at once (the model answers neither until both have asked).
const par = await Promise.all(["par-1", "par-2"].map((p) => client.callTool({ name: "kodex", arguments: { ...base, prompt: p } })));
summary.parallel = par.map(answer);

summary.events = events.map((e) => ({ threadId: e._meta?.threadId, requestId: e._meta?.requestId, type: e.msg.type }));
await client.close();
console.log(JSON.stringify(summary));
