// Connection: one `kodex app-server` child process and the JSON-RPC 2.0
// conversation with it over stdio (one JSON message per line). It sends
// requests and notifications, matches responses to requests, and hands
// the server's notifications and requests to its owner.
//
// The child does not keep Node alive while nothing is pending: when no
// request, turn or approval is outstanding the process and its pipes are
// unref'd, so a script ends when its work does (kodex then sees stdin close
// and exits).

import { spawn } from "node:child_process";
import { KodexError } from "./errors.js";

/** The protocol version of `kodex app-server` this SDK speaks. */
export const PROTOCOL_VERSION = 1;

const STDERR_KEEP = 16 * 1024;

export class Connection {
  /**
   * @param {object} o
   * @param {string} o.path the kodex binary
   * @param {string[]} o.args arguments after `app-server`
   * @param {Record<string,string>} o.env the child's environment
   * @param {(method: string, params: any) => void} o.onNotification
   * @param {(method: string, params: any) => Promise<any>} o.onRequest
   * @param {(err: KodexError) => void} o.onFail the connection is gone
   */
  constructor(o) {
    this._path = o.path;
    this._onNotification = o.onNotification;
    this._onRequest = o.onRequest;
    this._onFail = o.onFail;
    this._nextId = 1;
    this._pending = new Map(); // id → {resolve, reject, method}
    this._busy = 0;
    this._stderr = "";
    this._buf = "";
    this.error = null; // set once the connection is gone
    this._exited = new Promise((resolve) => {
      this._resolveExited = resolve;
    });

    let child;
    try {
      child = spawn(o.path, ["app-server", ...o.args], { env: o.env, stdio: ["pipe", "pipe", "pipe"] });
    } catch (err) {
      this._fail(spawnError(o.path, err));
      this._resolveExited();
      return;
    }
    this._child = child;
    child.on("error", (err) => {
      // A spawn failure (ENOENT, EACCES) comes here, before any exit.
      if (child.pid === undefined) this._fail(spawnError(o.path, err));
    });
    child.stdin.on("error", () => {}); // EPIPE once kodex is gone: reported by close
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => this._read(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      this._stderr = (this._stderr + chunk).slice(-STDERR_KEEP);
    });
    child.on("close", (code, signal) => {
      const detail = signal ? `signal ${signal}` : `code ${code}`;
      const tail = this._stderr.trim();
      this._fail(
        new KodexError(`kodex app-server exited with ${detail}${tail ? `: ${tail}` : ""}`, {
          kind: "exit",
          exitCode: code,
          signal,
          stderr: this._stderr,
        }),
      );
      this._resolveExited();
    });
    this._updateRef();
  }

  /** initialize performs the handshake; it rejects on a protocol kodex does not share. */
  async initialize(version) {
    const res = await this.request("initialize", {
      clientInfo: { name: "kodex_sdk_ts", title: "kodex TypeScript SDK", version },
    });
    const v = res?.kodex?.protocolVersion;
    if (typeof v === "number" && v !== PROTOCOL_VERSION) {
      const err = new KodexError(
        `kodex app-server speaks protocol version ${v}, this SDK version ${PROTOCOL_VERSION}: install the SDK that matches kodex ${res.kodex.version ?? ""}`.trim(),
        { kind: "protocol" },
      );
      this.close();
      throw err;
    }
    this.notify("initialized");
    return res;
  }

  /** request sends a request and resolves with its result. */
  request(method, params) {
    if (this.error) return Promise.reject(this.error);
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, method });
      this.hold();
      this._write({ jsonrpc: "2.0", id, method, params: params ?? {} });
    });
  }

  notify(method, params) {
    if (this.error) return;
    const m = { jsonrpc: "2.0", method };
    if (params !== undefined) m.params = params;
    this._write(m);
  }

  /** hold keeps Node alive (a turn runs) until the matching release. */
  hold() {
    this._busy++;
    this._updateRef();
  }

  release() {
    this._busy--;
    this._updateRef();
  }

  /** close ends kodex's stdin and resolves once it has exited. */
  async close() {
    if (!this._child || this._child.exitCode !== null || this._child.signalCode !== null) {
      await this._exited;
      return;
    }
    // Held while kodex exits: an unref'd child would let Node end with
    // the close still awaited (exit code 13 at a top-level await).
    this.hold();
    try {
      this._child.stdin.end();
      await this._exited;
    } finally {
      this.release();
    }
  }

  _write(m) {
    if (this.error) return;
    this._child.stdin.write(JSON.stringify(m) + "\n");
  }

  _updateRef() {
    const c = this._child;
    if (!c) return;
    const how = this._busy > 0 && !this.error ? "ref" : "unref";
    c[how]();
    for (const s of [c.stdin, c.stdout, c.stderr]) s?.[how]?.();
  }

  _read(chunk) {
    this._buf += chunk;
    let nl;
    while ((nl = this._buf.indexOf("\n")) >= 0) {
      const line = this._buf.slice(0, nl).trim();
      this._buf = this._buf.slice(nl + 1);
      if (line) this._dispatch(line);
    }
  }

  _dispatch(line) {
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      return; // not ours to answer: kodex writes only JSON on stdout
    }
    if (m.method !== undefined && m.id !== undefined && m.id !== null) {
      this._serverRequest(m);
    } else if (m.method !== undefined) {
      this._onNotification(m.method, m.params ?? {});
    } else if (this._pending.has(m.id)) {
      const p = this._pending.get(m.id);
      this._pending.delete(m.id);
      this.release();
      if (m.error) {
        p.reject(
          new KodexError(`kodex app-server: ${p.method}: ${m.error.message} (code ${m.error.code})`, {
            kind: "rpc",
            code: m.error.code,
            data: m.error.data,
            method: p.method,
          }),
        );
      } else {
        p.resolve(m.result);
      }
    }
  }

  async _serverRequest(m) {
    this.hold();
    try {
      let result;
      try {
        result = await this._onRequest(m.method, m.params ?? {});
      } catch (err) {
        this._write({ jsonrpc: "2.0", id: m.id, error: { code: -32603, message: String(err?.message ?? err) } });
        return;
      }
      if (result === undefined) {
        this._write({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: `method not found: ${m.method}` } });
      } else {
        this._write({ jsonrpc: "2.0", id: m.id, result });
      }
    } finally {
      this.release();
    }
  }

  _fail(err) {
    if (this.error) return;
    this.error = err;
    for (const p of this._pending.values()) p.reject(err);
    this._pending.clear();
    this._updateRef();
    this._onFail(err);
  }
}

function spawnError(path, err) {
  const hint =
    err?.code === "ENOENT"
      ? path === "kodex"
        ? ": kodex is not on PATH (install it, or pass kodexPathOverride)"
        : ": no such file (check kodexPathOverride)"
      : "";
  return new KodexError(`kodex: cannot start ${JSON.stringify(path)} (${err?.code ?? err?.message ?? err})${hint}`, {
    kind: "spawn",
    code: err?.code,
    cause: err,
  });
}
