// drive.mjs drives kodex through the Codex TypeScript SDK (@openai/codex-sdk)
// for sdk_test.go: two turns on one thread (the second makes the SDK run
// `exec … resume <thread_id>`), then one turn on a new thread with an output
// schema, effort "max" and an image. It prints one JSON summary line on stdout; any failure (the SDK
// throws when kodex exits non-zero or reports turn.failed) exits non-zero.
//
// Environment: KODEX_BIN (the kodex binary), MODEL_URL (the fake model's base
// URL), WORKDIR (the git repository to work in), IMAGE (a PNG file).
import { Codex } from "@openai/codex-sdk";

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`drive.mjs: ${name} is not set`);
  return v;
}

const codex = new Codex({
  codexPathOverride: need("KODEX_BIN"),
  baseUrl: need("MODEL_URL"),
  apiKey: "sk-test",
});

const threadOptions = {
  workingDirectory: need("WORKDIR"),
  skipGitRepoCheck: true,
  sandboxMode: "workspace-write",
  approvalPolicy: "never",
  networkAccessEnabled: false,
  modelReasoningEffort: "low",
};

const thread = codex.startThread(threadOptions);
const first = await thread.run("first");
const firstThreadId = thread.id;
const second = await thread.run("second");

const schema = {
  type: "object",
  properties: { answer: { type: "string" } },
  required: ["answer"],
  additionalProperties: false,
};
// A new thread at effort "max" (a value Codex accepts and passes on), with
// an image attached (the SDK passes it as --image).
const structuredThread = codex.startThread({ ...threadOptions, modelReasoningEffort: "max" });
const structured = await structuredThread.run(
  [
    { type: "text", text: "structured" },
    { type: "local_image", path: need("IMAGE") },
  ],
  { outputSchema: schema },
);

const summary = {
  first: {
    threadId: firstThreadId,
    finalResponse: first.finalResponse,
    itemTypes: first.items.map((it) => it.type),
    items: first.items,
    usage: first.usage,
  },
  second: {
    threadId: thread.id,
    finalResponse: second.finalResponse,
    itemTypes: second.items.map((it) => it.type),
    usage: second.usage,
  },
  structured: {
    threadId: structuredThread.id,
    finalResponse: structured.finalResponse,
    usage: structured.usage,
  },
};
process.stdout.write(JSON.stringify(summary) + "\n");
