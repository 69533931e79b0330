// elicit.mjs drives the real kodex through @kodex-cli/sdk for
// elicit_test.go: an MCP server (server-everything, "ev") asks for a form
// in the middle of its tool call, and onElicitation answers it. One
// scenario after the other against one scripted model, which calls the
// tool, then answers. It checks what the SDK hands the callback with
// node:assert and prints a JSON summary on stdout for the Go side, which
// checks what the SDK sent kodex and what reached the model.
//
// Each Kodex is closed: kodex and its MCP server have exited before the
// test's directories are removed.
//
// Environment: EVERYTHING (server-everything's index.js), KODEX_WRAPPER
// (kodex behind a wrapper that logs its stdin).
import assert from "node:assert/strict";
import { Kodex } from "@kodex-cli/sdk";

const options = {
  kodexPathOverride: process.env.KODEX_WRAPPER,
  config: { mcp_servers: { ev: { command: "node", args: [process.env.EVERYTHING, "stdio"] } } },
};
const summary = {};

// Accepted, asynchronously, with content: the server's answer is the
// tool's result.
{
  const asked = [];
  const kodex = new Kodex({
    ...options,
    onElicitation: async (request) => {
      asked.push(request);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { action: "accept", content: { name: "Ada Lovelace", integer: 7 } };
    },
  });
  const thread = kodex.startThread();
  const turn = await thread.run("sign me up");
  assert.equal(asked.length, 1);
  const [request] = asked;
  assert.equal(request.serverName, "ev");
  assert.equal(request.mode, "form");
  assert.equal(request.message, "Please provide inputs for the following fields:");
  assert.equal(request.threadId, thread.id);
  assert.equal(typeof request.turnId, "string");
  assert.deepEqual(request.requestedSchema.required, ["name"]);
  const call = turn.items.find((it) => it.type === "mcp_tool_call");
  assert.ok(call, `no mcp_tool_call item in ${JSON.stringify(turn.items)}`);
  assert.equal(call.status, "completed");
  assert.match(JSON.stringify(call.result), /Name: Ada Lovelace/);
  assert.equal(turn.finalResponse, "accepted then");
  summary.schema = request.requestedSchema;
  await kodex.close();
}

// Without onElicitation the form is declined.
{
  const kodex = new Kodex(options);
  const turn = await kodex.startThread().run("ask me");
  const call = turn.items.find((it) => it.type === "mcp_tool_call");
  assert.match(JSON.stringify(call?.result), /declined/);
  await kodex.close();
}

// The thread's callback wins over the Kodex's; an action alone answers.
{
  const kodex = new Kodex({ ...options, onElicitation: () => ({ action: "accept", content: { name: "not me" } }) });
  const turn = await kodex.startThread({ onElicitation: () => "cancel" }).run("ask me");
  assert.match(JSON.stringify(turn.items.find((it) => it.type === "mcp_tool_call")?.result), /cancelled/);

  // A callback that throws declines, and the turn goes on.
  const thrown = await kodex
    .startThread({
      onElicitation: () => {
        throw new Error("no form today");
      },
    })
    .run("ask me");
  assert.equal(thrown.finalResponse, "declined after a throw");

  // So does an answer that is not one.
  const bad = await kodex.startThread({ onElicitation: () => ({ action: "accept", content: "Ada" }) }).run("ask me");
  assert.equal(bad.finalResponse, "declined after a bad answer");
  await kodex.close();
}

process.stdout.write(JSON.stringify(summary) + "\n");
