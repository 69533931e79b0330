// Kodex: the SDK's entry point, as Codex's SDK's Codex class. It owns one
// `kodex app-server` process (started on first use, started again if it
// went away) that every thread of this instance shares.

import { readFileSync } from "node:fs";
import { Connection } from "./connection.js";
import { configFlags, threadParams } from "./config.js";
import { Thread } from "./thread.js";

const VERSION = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;

export class Kodex {
  /** @param {import("./index.js").KodexOptions} options */
  constructor(options = {}) {
    this._options = options;
    this._args = configFlags(options.config, options.configOverrides, options.baseUrl);
    this._conn = null; // Promise<Connection>
    this._threads = new Map(); // Connection → Map<thread id, Set<Thread>>
  }

  /** startThread starts a conversation; it is created on kodex by its first run. */
  startThread(options = {}) {
    return new Thread(this, options, null);
  }

  /** resumeThread continues a recorded thread ($KODEX_HOME/sessions) by its id. */
  resumeThread(id, options = {}) {
    return new Thread(this, options, id);
  }

  /** forkThread copies a recorded thread into a new one and returns it (its id is the copy's). */
  async forkThread(id, options = {}) {
    const conn = await this._connection();
    const res = await conn.request("thread/fork", { ...threadParams(options), threadId: id });
    const t = new Thread(this, options, res.thread.id);
    t._conn = conn;
    this._loaded(conn, t);
    return t;
  }

  /** listThreads lists recorded threads, newest first, a page at a time. */
  async listThreads(options = {}) {
    const conn = await this._connection();
    const params = {};
    if (options.cwd !== undefined) params.cwd = options.cwd;
    if (options.limit !== undefined) params.limit = options.limit;
    if (options.cursor) params.cursor = options.cursor;
    if (options.archived !== undefined) params.archived = options.archived;
    const res = await conn.request("thread/list", params);
    return { data: (res.data ?? []).map(threadInfo), nextCursor: res.nextCursor ?? null };
  }

  /** archiveThread moves a recorded thread to $KODEX_HOME/archived/sessions. */
  async archiveThread(id) {
    await this._unloadAnd("thread/archive", id);
  }

  /** unarchiveThread brings an archived thread back and returns it. */
  async unarchiveThread(id) {
    const conn = await this._connection();
    const res = await conn.request("thread/unarchive", { threadId: id });
    return threadInfo(res.thread);
  }

  /** deleteThread removes a recorded thread (its transcript) for good. */
  async deleteThread(id) {
    await this._unloadAnd("thread/delete", id);
  }

  /** _unloadAnd sends method, after which kodex no longer holds the thread loaded. */
  async _unloadAnd(method, id) {
    const conn = await this._connection();
    await conn.request(method, { threadId: id });
    for (const t of this._threads.get(conn)?.get(id) ?? []) t._unloaded();
    this._threads.get(conn)?.delete(id);
  }

  /** close stops kodex app-server; a later call starts it again. */
  async close() {
    const p = this._conn;
    this._conn = null;
    if (!p) return;
    let conn;
    try {
      conn = await p;
    } catch {
      return;
    }
    await conn.close();
  }

  /** _connection is the running app server, started (and initialized) if need be. */
  _connection() {
    if (this._conn) {
      const p = this._conn;
      return p.then((c) => (c.error ? this._restart(p) : c));
    }
    return this._restart(null);
  }

  _restart(old) {
    if (this._conn !== old) return this._connection();
    const o = this._options;
    const env = {};
    if (o.env) Object.assign(env, o.env);
    else for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    if (o.apiKey) env.CODEX_API_KEY = o.apiKey;
    const conn = new Connection({
      path: o.kodexPathOverride || o.codexPathOverride || "kodex",
      args: this._args,
      env,
      onNotification: (method, params) => this._threadOf(conn, params)?._notification(method, params),
      onRequest: (method, params) => this._serverRequest(conn, method, params),
      onFail: (err) => {
        for (const all of this._threads.get(conn)?.values() ?? []) for (const t of all) t._failed(conn, err);
        this._threads.delete(conn);
      },
    });
    const p = conn.initialize(VERSION).then(() => conn);
    p.catch(() => {});
    this._conn = p;
    return p.catch((err) => {
      if (this._conn === p) this._conn = null;
      throw err;
    });
  }

  _loaded(conn, thread) {
    if (conn.error) return;
    if (!this._threads.has(conn)) this._threads.set(conn, new Map());
    const byID = this._threads.get(conn);
    if (!byID.has(thread.id)) byID.set(thread.id, new Set());
    byID.get(thread.id).add(thread);
  }

  /** _threadOf is the Thread object running a turn on the thread params name (several may share an id). */
  _threadOf(conn, params) {
    const id = params?.threadId ?? params?.thread?.id;
    const all = id === undefined ? undefined : this._threads.get(conn)?.get(id);
    if (!all) return undefined;
    for (const t of all) if (t._turn) return t;
    return undefined;
  }

  async _serverRequest(conn, method, params) {
    switch (method) {
      case "item/commandExecution/requestApproval":
      case "item/fileChange/requestApproval": {
        const t = this._threadOf(conn, params);
        return { decision: t ? await t._approve(method, params) : "decline" };
      }
      case "mcpServer/elicitation/request": {
        const t = this._threadOf(conn, params);
        return t ? await t._elicit(params) : { action: "decline" };
      }
      default:
        return undefined; // -32601
    }
  }
}

/** threadInfo is a wire Thread as the SDK's ThreadInfo. */
function threadInfo(t) {
  return {
    id: t.id,
    name: t.name ?? null,
    preview: t.preview ?? "",
    cwd: t.cwd ?? "",
    model: t.model ?? null,
    modelProvider: t.modelProvider ?? "",
    createdAt: t.createdAt ?? 0,
    updatedAt: t.updatedAt ?? 0,
    forkedFromId: t.forkedFromId ?? null,
    path: t.path ?? null,
  };
}
