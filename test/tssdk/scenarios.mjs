// scenarios.mjs drives the real kodex through @kodex-cli/sdk for
// scenarios_test.go, one scenario after the other against one scripted model
// (the order of its requests is the order below). It checks what the SDK
// returns with node:assert and prints a JSON summary on stdout for the Go
// side, which checks what reached the model. Any failure exits non-zero.
//
// Environment: kodex on PATH, KODEX_HOME (its config.toml points at the
// model), WORKDIR (the current directory, a git repository), FAKE_KODEX (a
// program that prints "boom" on stderr and exits 3), NOGIT (a directory
// outside any git repository).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { Kodex, KodexError } from "@kodex-cli/sdk";

const workdir = process.env.WORKDIR;
assert.ok(workdir, "WORKDIR is not set");
const kodex = new Kodex();
const summary = {};

// Events arrive in order: thread.started first (the id is known from then
// on), then the turn, its command (started, output, completed), the
// streamed answer, and turn.completed with the usage.
{
  const thread = kodex.startThread({ workingDirectory: workdir });
  assert.equal(thread.id, null, "a new thread has no id before its first run");
  const { events } = await thread.runStreamed("stream please");
  const types = [];
  let first = null;
  for await (const event of events) {
    first ??= event;
    const label = event.item ? `${event.type}:${event.item.type}` : event.type;
    if (types.at(-1) !== label) types.push(label); // collapse repeated updates
    if (event.type === "item.completed" && event.item.type === "command_execution") {
      assert.equal(event.item.aggregated_output, "streamed\n");
      assert.equal(event.item.exit_code, 0);
      assert.equal(event.item.status, "completed");
      assert.equal(event.item.command, "echo streamed");
    }
    if (event.type === "item.completed" && event.item.type === "agent_message") {
      assert.equal(event.item.text, "streamed answer");
    }
    if (event.type === "turn.completed") {
      assert.ok(event.usage.input_tokens > 0 && event.usage.output_tokens > 0, JSON.stringify(event.usage));
    }
  }
  assert.deepEqual(first, { type: "thread.started", thread_id: thread.id });
  assert.deepEqual(types, [
    "thread.started",
    "turn.started",
    "item.started:command_execution",
    "item.updated:command_execution",
    "item.completed:command_execution",
    "item.started:agent_message",
    "item.updated:agent_message",
    "item.completed:agent_message",
    "turn.completed",
  ]);
  summary.streamThread = thread.id;
  summary.streamTypes = types;
}

// Without onApproval, approvals are declined: the command does not run.
{
  const thread = kodex.startThread({ workingDirectory: workdir, approvalPolicy: "untrusted", sandboxMode: "workspace-write" });
  const turn = await thread.run("touch a file");
  const cmd = turn.items.find((it) => it.type === "command_execution");
  assert.ok(cmd, `no command_execution item in ${JSON.stringify(turn.items)}`);
  assert.equal(cmd.status, "failed");
  assert.equal(cmd.exit_code, undefined, "a declined command has no exit code");
  assert.equal(turn.finalResponse, "declined then");
  assert.equal(existsSync(path.join(workdir, "declined.txt")), false, "the declined command ran");
}

// Structured output: the schema goes with the turn (the Go side checks the
// model's request), the answer is the JSON.
{
  const thread = kodex.startThread({ workingDirectory: workdir });
  const schema = {
    type: "object",
    properties: { answer: { type: "string" } },
    required: ["answer"],
    additionalProperties: false,
  };
  const turn = await thread.run("structured please", { outputSchema: schema });
  assert.deepEqual(JSON.parse(turn.finalResponse), { answer: "structured" });
  await assert.rejects(thread.run("bad schema", { outputSchema: "not an object" }), TypeError);
}

// Fork, list, archive.
{
  const fork = await kodex.forkThread(summary.streamThread);
  assert.ok(fork.id && fork.id !== summary.streamThread, `fork id ${fork.id}`);
  const turn = await fork.run("in the fork");
  assert.equal(turn.finalResponse, "forked answer");
  const listed = await kodex.listThreads({ cwd: workdir });
  const ids = listed.data.map((t) => t.id);
  assert.ok(ids.includes(summary.streamThread) && ids.includes(fork.id), `listed ${ids}`);
  const original = listed.data.find((t) => t.id === summary.streamThread);
  assert.equal(original.preview, "stream please");
  assert.equal(original.cwd, workdir);
  assert.equal(typeof original.createdAt, "number");
  const page = await kodex.listThreads({ cwd: workdir, limit: 1 });
  assert.equal(page.data.length, 1);
  assert.equal(typeof page.nextCursor, "string");
  const next = await kodex.listThreads({ cwd: workdir, limit: 1, cursor: page.nextCursor });
  assert.notEqual(next.data[0].id, page.data[0].id);
  await kodex.archiveThread(fork.id);
  const after = (await kodex.listThreads({ cwd: workdir })).data.map((t) => t.id);
  assert.ok(!after.includes(fork.id), `the archived fork is still listed: ${after}`);
  const archived = (await kodex.listThreads({ archived: true })).data.map((t) => t.id);
  assert.ok(archived.includes(fork.id), `the archived fork is not listed as archived: ${archived}`);
  const back = await kodex.unarchiveThread(fork.id);
  assert.equal(back.id, fork.id);
  assert.ok((await kodex.listThreads({ cwd: workdir })).data.some((t) => t.id === fork.id), "the unarchived fork is not listed");
  await kodex.archiveThread(fork.id);
  summary.forkThread = fork.id;

  // A thread deleted is gone, archived or not.
  const doomed = await kodex.forkThread(summary.streamThread);
  await kodex.deleteThread(doomed.id);
  for (const archived of [false, true]) {
    const listed = (await kodex.listThreads({ archived })).data.map((t) => t.id);
    assert.ok(!listed.includes(doomed.id), `the deleted thread is listed (archived: ${archived})`);
  }
  await assert.rejects(kodex.resumeThread(doomed.id).run("hi"), (err) => err.kind === "rpc");
}

// Abort: the turn is interrupted while its command runs (sleep 30 is
// killed), the run rejects with an AbortError, and the thread goes on.
{
  const thread = kodex.resumeThread(summary.streamThread);
  const controller = new AbortController();
  const started = Date.now();
  const { events } = await thread.runStreamed("sleep please", { signal: controller.signal });
  const seen = [];
  await assert.rejects(
    (async () => {
      for await (const event of events) {
        seen.push(event.type);
        if (event.type === "item.started" && event.item.type === "command_execution") controller.abort();
      }
    })(),
    (err) => err.name === "AbortError",
  );
  assert.ok(!seen.includes("turn.completed"), `events after abort: ${seen}`);
  summary.abortMillis = Date.now() - started;
  const turn = await thread.run("after the abort");
  assert.equal(turn.finalResponse, "after abort");
  // An aborted signal stops a run before it starts.
  await assert.rejects(thread.run("never sent", { signal: AbortSignal.abort() }), (err) => err.name === "AbortError");
}

// Leaving the loop early interrupts the turn too (sleep 30 is killed); the
// thread's next run starts once it has ended.
{
  const thread = kodex.resumeThread(summary.streamThread);
  const started = Date.now();
  const { events } = await thread.runStreamed("sleep again");
  for await (const event of events) {
    if (event.type === "item.started" && event.item.type === "command_execution") break;
  }
  const turn = await thread.run("after the break");
  assert.equal(turn.finalResponse, "after break");
  summary.breakMillis = Date.now() - started;
}

// A failed turn rejects with a KodexError of kind "turn".
{
  const thread = kodex.startThread({ workingDirectory: workdir });
  await assert.rejects(thread.run("fail please"), (err) => {
    assert.ok(err instanceof KodexError, String(err));
    assert.equal(err.kind, "turn");
    assert.match(err.message, /the model refused/);
    return true;
  });
}

// Outside a git repository a thread needs skipGitRepoCheck, as with Codex's SDK.
{
  const outside = process.env.NOGIT;
  await assert.rejects(kodex.startThread({ workingDirectory: outside }).run("hi"), (err) => {
    assert.ok(err instanceof KodexError, String(err));
    assert.equal(err.kind, "repo");
    assert.match(err.message, /skipGitRepoCheck/);
    return true;
  });
  const turn = await kodex.startThread({ workingDirectory: outside, skipGitRepoCheck: true }).run("outside git");
  assert.equal(turn.finalResponse, "outside git");
}

// "acceptWithPrefixRule" accepts with the rule the model proposed: the next
// command that starts with it runs outside the sandbox without asking.
{
  const asked = [];
  const thread = kodex.startThread({
    workingDirectory: workdir,
    approvalPolicy: "on-request",
    sandboxMode: "workspace-write",
    onApproval: (request) => {
      asked.push(request);
      return "acceptWithPrefixRule";
    },
  });
  assert.equal((await thread.run("make a")).finalResponse, "made a");
  assert.equal((await thread.run("make b")).finalResponse, "made b");
  assert.deepEqual(asked.map((r) => r.proposedPrefixRule), [["mkdir", "-p"]]);
  for (const d of ["ts-prefixed-a", "ts-prefixed-b"]) {
    assert.ok(existsSync(path.join(workdir, "..", d)), `${d} was not made`);
  }
}

// Errors: a missing binary, a binary that exits, a request kodex refuses.
{
  await assert.rejects(new Kodex({ kodexPathOverride: path.join(workdir, "no-such-kodex") }).listThreads(), (err) => {
    assert.ok(err instanceof KodexError, String(err));
    assert.equal(err.kind, "spawn");
    assert.equal(err.code, "ENOENT");
    assert.match(err.message, /no-such-kodex/);
    return true;
  });
  await assert.rejects(new Kodex({ env: { PATH: path.join(workdir, "empty") } }).startThread().run("hi"), (err) => {
    assert.equal(err.kind, "spawn");
    assert.match(err.message, /not on PATH/);
    return true;
  });
  await assert.rejects(new Kodex({ kodexPathOverride: process.env.FAKE_KODEX }).startThread().run("hi"), (err) => {
    assert.ok(err instanceof KodexError, String(err));
    assert.equal(err.kind, "exit");
    assert.equal(err.exitCode, 3);
    assert.match(err.stderr, /boom/);
    assert.match(err.message, /exited with code 3: boom/);
    return true;
  });
  await assert.rejects(kodex.resumeThread("no-such-thread").run("hi"), (err) => {
    assert.ok(err instanceof KodexError, String(err));
    assert.equal(err.kind, "rpc");
    assert.equal(err.code, -32602);
    assert.equal(err.method, "thread/resume");
    return true;
  });
}

// The process ends without kodex.close(): the SDK does not hold Node open.
process.stdout.write(JSON.stringify(summary) + "\n");
