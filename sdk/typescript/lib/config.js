// How SDK options become the arguments and environment of `kodex
// app-server` and the params of thread/start: `config` objects are
// flattened into `-c key=value` overrides whose values are TOML literals,
// as Codex's SDK does for `codex exec`.

import path from "node:path";

const TOML_BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** configFlags flattens a config object into `-c` arguments. */
export function configFlags(config, raw, baseUrl) {
  const out = [];
  if (config !== undefined) {
    if (!isPlainObject(config)) throw new TypeError("kodex: config must be a plain object");
    flatten(config, "", out);
  }
  for (const o of raw ?? []) out.push(o);
  if (baseUrl) out.push(`openai_base_url=${JSON.stringify(baseUrl)}`);
  return out.flatMap((o) => ["-c", o]);
}

function flatten(value, prefix, out) {
  const entries = Object.entries(value);
  if (prefix && entries.length === 0) {
    out.push(`${prefix}={}`);
    return;
  }
  for (const [key, child] of entries) {
    if (!key) throw new TypeError("kodex: config keys must be non-empty strings");
    if (child === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(child)) flatten(child, path, out);
    else out.push(`${path}=${toml(child, path)}`);
  }
}

function toml(value, path) {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`kodex: config value at ${path} must be a finite number`);
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => toml(v, `${path}[${i}]`)).join(", ")}]`;
  if (isPlainObject(value)) {
    const parts = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      parts.push(`${TOML_BARE_KEY.test(k) ? k : JSON.stringify(k)} = ${toml(v, `${path}.${k}`)}`);
    }
    return `{${parts.join(", ")}}`;
  }
  throw new TypeError(`kodex: config value at ${path} cannot be ${value === null ? "null" : typeof value}`);
}

export function isPlainObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * threadParams are a thread's options as the params of thread/start,
 * thread/resume and thread/fork: what kodex has a param for goes as that
 * param, the rest as `config` overrides (dotted keys).
 */
export function threadParams(o = {}) {
  const p = {};
  const config = {};
  if (o.workingDirectory) p.cwd = path.resolve(o.workingDirectory);
  if (o.model) p.model = o.model;
  if (o.sandboxMode) p.sandbox = o.sandboxMode;
  if (o.approvalPolicy) p.approvalPolicy = o.approvalPolicy;
  if (o.ephemeral) p.ephemeral = true;
  if (o.modelReasoningEffort) config.model_reasoning_effort = o.modelReasoningEffort;
  if (o.networkAccessEnabled !== undefined) config["sandbox_workspace_write.network_access"] = o.networkAccessEnabled;
  if (o.additionalDirectories?.length) config["sandbox_workspace_write.writable_roots"] = [...o.additionalDirectories];
  if (o.webSearchMode) config.web_search = o.webSearchMode;
  else if (o.webSearchEnabled !== undefined) config.web_search = o.webSearchEnabled ? "live" : "disabled";
  if (Object.keys(config).length > 0) p.config = config;
  return p;
}
