// Thread: one kodex thread (a session) and its turns, as Codex's SDK's
// Thread: run() for the completed turn, runStreamed() for its events.

import { existsSync } from "node:fs";
import path from "node:path";
import { abortError, KodexError } from "./errors.js";
import { isPlainObject, threadParams } from "./config.js";
import { TurnMapper } from "./events.js";

const DECISIONS = new Set(["accept", "acceptForSession", "decline", "cancel"]);
const FORM_ACTIONS = new Set(["accept", "decline", "cancel"]);

export class Thread {
  /* @internal: use Kodex.startThread, resumeThread or forkThread. */
  constructor(kodex, options, id) {
    this._kodex = kodex;
    this._options = options ?? {};
    this._id = id ?? null;
    this._conn = null; // the connection the thread is loaded on
    this._turn = null; // the running turn's {mapper, push}
    this._idle = Promise.resolve(); // settles when the last turn has ended
  }

  /** The thread's id: set once its first run has started it (or when resumed or forked). */
  get id() {
    return this._id;
  }

  /** runStreamed starts a turn and returns its events as they happen. */
  async runStreamed(input, turnOptions = {}) {
    return { events: this._run(input, turnOptions) };
  }

  /** run runs a turn and returns its completed items, final response and usage. */
  async run(input, turnOptions = {}) {
    const items = [];
    let finalResponse = "";
    let usage = null;
    let failure = null;
    for await (const event of this._run(input, turnOptions)) {
      if (event.type === "item.completed") {
        if (event.item.type === "agent_message") finalResponse = event.item.text;
        items.push(event.item);
      } else if (event.type === "turn.completed") {
        usage = event.usage;
      } else if (event.type === "turn.failed") {
        failure = event.error;
      }
    }
    if (failure) throw new KodexError(failure.message, { kind: "turn" });
    return { items, finalResponse, usage };
  }

  async *_run(input, turnOptions) {
    const signal = turnOptions?.signal;
    const wireInput = toWireInput(input);
    const outputSchema = turnOptions?.outputSchema;
    if (outputSchema !== undefined && !isPlainObject(outputSchema)) {
      throw new TypeError("kodex: outputSchema must be a plain JSON object");
    }
    // Turns on a thread run one after the other: one given up on (break,
    // abort) ends before the next starts.
    const previous = this._idle;
    let ended;
    this._idle = new Promise((resolve) => {
      ended = resolve;
    });
    await previous;
    if (signal?.aborted) {
      ended();
      throw abortError(signal);
    }
    const queue = new Queue();
    const mapper = new TurnMapper();
    let conn = null;
    let turnId = null;
    let aborted = false;
    const interrupt = () => {
      if (turnId && this._turn?.mapper === mapper && !mapper.done) {
        conn.request("turn/interrupt", { threadId: this._id, turnId }).catch(() => {});
      }
    };
    const onAbort = () => {
      aborted = true;
      interrupt();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      conn = await this._kodex._connection();
      conn.hold();
      try {
        const opened = await this._load(conn);
        if (opened) yield { type: "thread.started", thread_id: this._id };
        if (aborted) throw abortError(signal);
        this._turn = { mapper, queue };
        const params = { threadId: this._id, input: wireInput };
        if (outputSchema !== undefined) params.outputSchema = outputSchema;
        const res = await conn.request("turn/start", params);
        turnId = res?.turn?.id ?? null;
        if (aborted) interrupt();
        for (;;) {
          const ev = await queue.next();
          if (ev === END) break;
          if (!aborted) yield ev;
        }
        if (aborted) throw abortError(signal);
      } finally {
        if (turnId && this._turn?.mapper === mapper && !mapper.done && !conn.error) {
          // Given up on (the loop was left early): interrupt the turn and
          // let it end before the thread's next one.
          interrupt();
          queue.onEnd(() => this._endTurn(mapper, conn, ended));
        } else {
          this._endTurn(mapper, conn, ended);
        }
      }
    } catch (err) {
      if (!conn) ended();
      throw err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  _endTurn(mapper, conn, ended) {
    if (this._turn?.mapper === mapper) this._turn = null;
    conn.release();
    ended();
  }

  /** _load opens the thread on conn unless it is loaded there; true if it started or resumed it. */
  async _load(conn) {
    if (this._conn === conn) return false;
    checkGitRepo(this._options);
    const params = threadParams(this._options);
    let res;
    if (this._id === null) {
      res = await conn.request("thread/start", params);
    } else {
      res = await conn.request("thread/resume", { ...params, threadId: this._id });
    }
    this._id = res.thread.id;
    this._conn = conn;
    this._kodex._loaded(conn, this);
    return true;
  }

  /** _notification takes a notification about this thread. */
  _notification(method, params) {
    const t = this._turn;
    if (!t) return;
    for (const ev of t.mapper.map(method, params)) t.queue.push(ev);
    if (t.mapper.done) t.queue.end();
  }

  /** _failed: the connection the thread was loaded on is gone. */
  _failed(conn, err) {
    if (this._conn !== conn) return;
    this._conn = null;
    this._turn?.queue.fail(err);
  }

  /** _unloaded: the server let go of the thread (archive). */
  _unloaded() {
    this._conn = null;
  }

  /** _approve answers an approval request with the onApproval callback (default: decline). */
  async _approve(method, params) {
    const onApproval = this._options.onApproval ?? this._kodex._options.onApproval;
    if (!onApproval) return "decline";
    const request = {
      type: method === "item/fileChange/requestApproval" ? "file_change" : "command_execution",
      threadId: params.threadId,
      turnId: params.turnId,
      itemId: params.itemId,
      reason: params.reason ?? null,
    };
    if (request.type === "command_execution") {
      request.command = params.command ?? "";
      request.cwd = params.cwd ?? "";
      const rule = params.proposedExecpolicyAmendment;
      if (Array.isArray(rule) && rule.length > 0 && rule.every((w) => typeof w === "string")) {
        request.proposedPrefixRule = [...rule];
      }
    }
    const item = this._turn?.mapper.item(params.itemId);
    if (item) request.item = item;
    try {
      const d = await onApproval(request);
      if (d === "acceptWithPrefixRule") {
        // Accept, with the prefix rule the request proposed (none: decline).
        return request.proposedPrefixRule
          ? { acceptWithExecpolicyAmendment: { execpolicy_amendment: request.proposedPrefixRule } }
          : "decline";
      }
      return DECISIONS.has(d) ? d : "decline";
    } catch {
      return "decline";
    }
  }

  /** _elicit answers an MCP server's form with the onElicitation callback (default: decline). */
  async _elicit(params) {
    const onElicitation = this._options.onElicitation ?? this._kodex._options.onElicitation;
    if (!onElicitation) return { action: "decline" };
    const request = {
      serverName: params.serverName ?? "",
      message: params.message ?? "",
      requestedSchema: isPlainObject(params.requestedSchema) ? params.requestedSchema : {},
      mode: params.mode ?? "form",
      threadId: params.threadId,
      turnId: params.turnId ?? null,
    };
    try {
      return formAnswer(await onElicitation(request));
    } catch {
      return { action: "decline" };
    }
  }
}

/**
 * formAnswer is the wire answer ({action, content}) for what onElicitation
 * returned: an action, or {action, content}; anything else declines, as
 * does content that is not a JSON object.
 */
function formAnswer(r) {
  const action = typeof r === "string" ? r : r?.action;
  if (!FORM_ACTIONS.has(action)) return { action: "decline" };
  if (action !== "accept") return { action };
  const content = r?.content ?? {};
  if (!isPlainObject(content)) return { action: "decline" };
  // A copy through JSON: what cannot be sent declines here, rather than
  // failing the write.
  return { action, content: JSON.parse(JSON.stringify(content)) };
}

/**
 * checkGitRepo refuses, as `codex exec` (and so Codex's SDK) does, a working
 * directory outside a git repository unless skipGitRepoCheck is set.
 */
function checkGitRepo(options) {
  if (options.skipGitRepoCheck) return;
  const dir = path.resolve(options.workingDirectory ?? ".");
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, ".git"))) return;
    if (path.dirname(d) === d) break;
  }
  throw new KodexError(`${dir} is not inside a git repository: run kodex in one, or pass skipGitRepoCheck: true`, {
    kind: "repo",
  });
}

/** toWireInput is an Input as turn/start's input. */
function toWireInput(input) {
  if (typeof input === "string") return [{ type: "text", text: input }];
  if (!Array.isArray(input)) throw new TypeError("kodex: input must be a string or an array of inputs");
  return input.map((u, i) => {
    switch (u?.type) {
      case "text":
        return { type: "text", text: String(u.text) };
      case "local_image":
        return { type: "localImage", path: String(u.path) };
      case "image":
        return { type: "image", url: String(u.url) };
      default:
        throw new TypeError(`kodex: input[${i}].type ${JSON.stringify(u?.type)} (want text, local_image or image)`);
    }
  });
}

const END = Symbol("end");

/** Queue hands events from the connection to the turn's generator, in order. */
class Queue {
  constructor() {
    this._items = [];
    this._wake = null;
    this._ended = false;
    this._error = null;
    this._onEnd = [];
  }

  push(v) {
    if (this._ended) return;
    this._items.push(v);
    this._notify();
  }

  end() {
    if (this._ended) return;
    this._ended = true;
    this._notify();
    for (const f of this._onEnd.splice(0)) f();
  }

  fail(err) {
    if (this._ended) return;
    this._error = err;
    this.end();
  }

  onEnd(f) {
    if (this._ended) f();
    else this._onEnd.push(f);
  }

  async next() {
    for (;;) {
      if (this._items.length > 0) return this._items.shift();
      if (this._error) throw this._error;
      if (this._ended) return END;
      await new Promise((resolve) => {
        this._wake = resolve;
      });
    }
  }

  _notify() {
    const w = this._wake;
    this._wake = null;
    w?.();
  }
}
