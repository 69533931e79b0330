// The editor side of test/acp: the official ACP TypeScript SDK's client
// drives `kodex acp` (KODEX_BIN) in WORK and prints, as one JSON document,
// everything it saw: the responses, every session/update, the permission
// requests it answered and the file reads and writes kodex asked of it.
//
// usage: node client.mjs session   (initialize, session/new, three prompts)
//        node client.mjs load ID    (initialize, session/load ID, a prompt)
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import Ajv2020 from "ajv/dist/2020.js";

// Every message kodex sends is validated against ACP's JSON Schema (the
// SDK's parsing is lenient: it replaces what it does not know).
const schema = JSON.parse(readFileSync(new URL("./node_modules/@agentclientprotocol/sdk/schema/v1/schema.json", import.meta.url), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(schema, "acp");
const def = (name) => ajv.getSchema(`acp#/$defs/${name}`);
const defs = {
  "session/update": def("SessionNotification"),
  "session/request_permission": def("RequestPermissionRequest"),
  "fs/read_text_file": def("ReadTextFileRequest"),
  "fs/write_text_file": def("WriteTextFileRequest"),
};
const responseDefs = {
  initialize: def("InitializeResponse"),
  "session/new": def("NewSessionResponse"),
  "session/load": def("LoadSessionResponse"),
  "session/prompt": def("PromptResponse"),
  "session/set_mode": def("SetSessionModeResponse"),
};
const sent = new Map(); // our request id → method

const [phase, loadID] = process.argv.slice(2);
const work = process.env.WORK;
const log = { responses: {}, updates: [], permissions: [], reads: [], writes: [], stderr: "" };
// The editor's buffers: a.txt is open with unsaved text that differs from
// the disk, so a patch applies to it only if kodex reads it from here.
const buffers = new Map([[`${work}/a.txt`, "one\n"]]);
let step = "";
let client; // the ClientContext, to send session/cancel from a handler
let sessionId;

const child = spawn(process.env.KODEX_BIN, ["acp"], { cwd: work, stdio: ["pipe", "pipe", "pipe"] });
child.stderr.on("data", (b) => { log.stderr += b; });
// What kodex sends is also read raw, to count the session/update
// notifications: the SDK drops one that does not validate against ACP's
// schema, and the test compares the counts.
const [sdkIn, rawIn] = Readable.toWeb(child.stdout).tee();
log.rawUpdates = 0;
log.invalid = [];
const check = (what, validate, value) => {
  if (!validate) {
    log.invalid.push({ what, errors: "no schema" });
  } else if (!validate(value)) {
    log.invalid.push({ what, value, errors: validate.errors });
  }
};
const rawDone = (async () => {
  let buf = "";
  const dec = new TextDecoder();
  for await (const chunk of rawIn) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      if (m.method === "session/update") log.rawUpdates++;
      if (m.method) {
        check(m.method, defs[m.method], m.params);
      } else if (m.result !== undefined && sent.has(m.id)) {
        check(sent.get(m.id), responseDefs[sent.get(m.id)], m.result);
      }
    }
  }
})();
// The requests the SDK sends are noted (id → method) on their way.
const childIn = Writable.toWeb(child.stdin).getWriter();
const enc = new TextDecoder();
const sdkOut = new WritableStream({
  write(chunk) {
    for (const line of enc.decode(chunk).split("\n")) {
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      if (m.method && m.id !== undefined) sent.set(m.id, m.method);
    }
    return childIn.write(chunk);
  },
  close: () => childIn.close(),
  abort: (e) => childIn.abort(e),
});
const stream = acp.ndJsonStream(sdkOut, sdkIn);

const app = acp
  .client({ name: "kodex-test-editor" })
  .onNotification(acp.methods.client.session.update, ({ params }) => {
    log.updates.push({ step, ...params });
    const u = params.update;
    // Cancel the third prompt once its command runs.
    if (step === "cancel" && u.sessionUpdate === "tool_call_update" && u.status === "in_progress") {
      void client.notify(acp.methods.agent.session.cancel, { sessionId: params.sessionId });
    }
  })
  .onRequest(acp.methods.client.session.requestPermission, ({ params }) => {
    log.permissions.push({ step, ...params });
    return { outcome: { outcome: "selected", optionId: params.options.find((o) => o.kind === "allow_once").optionId } };
  })
  .onRequest(acp.methods.client.fs.readTextFile, ({ params }) => {
    log.reads.push({ step, path: params.path });
    if (buffers.has(params.path)) return { content: buffers.get(params.path) };
    if (!existsSync(params.path)) throw acp.RequestError.resourceNotFound(params.path);
    return { content: readFileSync(params.path, "utf8") };
  })
  .onRequest(acp.methods.client.fs.writeTextFile, ({ params }) => {
    log.writes.push({ step, path: params.path, content: params.content });
    buffers.set(params.path, params.content);
    return {};
  });

const prompt = async (name, text) => {
  step = name;
  log.responses[name] = await client.request(acp.methods.agent.session.prompt, {
    sessionId, prompt: [{ type: "text", text }],
  });
};

try {
  await app.connectWith(stream, async (ctx) => {
    client = ctx;
    step = "initialize";
    log.responses.initialize = await ctx.request(acp.methods.agent.initialize, {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true } },
      clientInfo: { name: "kodex-test-editor", version: "1" },
    });
    if (phase === "session") {
      step = "new";
      // kodex's own MCP server, started with the session.
      const mcpServers = [{ name: "self", command: process.env.KODEX_BIN, args: ["mcp-server"], env: [] }];
      log.responses.new = await ctx.request(acp.methods.agent.session.new, { cwd: work, mcpServers });
      sessionId = log.responses.new.sessionId;
      await prompt("command", "run the tests");
      await prompt("edit", "edit a.txt");
      await prompt("cancel", "sleep a while");
    } else {
      step = "load";
      sessionId = loadID;
      log.responses.load = await ctx.request(acp.methods.agent.session.load, { sessionId, cwd: work, mcpServers: [] });
      await prompt("after-load", "what did we do?");
    }
  });
} catch (e) {
  log.error = String(e && e.stack ? e.stack : e);
}
child.stdin.end();
log.sent = [...sent.values()];
await new Promise((resolve) => child.on("close", resolve));
await rawDone;
process.stdout.write(JSON.stringify(log));
