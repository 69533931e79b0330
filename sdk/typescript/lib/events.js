// TurnMapper turns the app server's notifications for one turn into the
// events of Codex's TypeScript SDK (ThreadEvent, ThreadItem): the mapping
// the README's "Events" section documents.

const STATUS = { inProgress: "in_progress", completed: "completed", failed: "failed", declined: "failed" };

export class TurnMapper {
  constructor() {
    this.done = false;
    this.usage = null; // the thread's usage as of the last thread/tokenUsage/updated
    this._items = new Map(); // wire item id → the SDK item last emitted
    this._todo = null;
    this._todoID = null;
    this._warnings = 0;
  }

  /** item is the SDK item last seen with this wire id (for approvals). */
  item(id) {
    return this._items.get(id);
  }

  /** map returns the SDK events one notification becomes (often none). */
  map(method, p) {
    switch (method) {
      case "turn/started":
        return [{ type: "turn.started" }];
      case "item/started":
        return this._item("item.started", p.item);
      case "item/completed":
        return this._item("item.completed", p.item);
      case "item/agentMessage/delta":
      case "item/reasoning/summaryTextDelta":
        return this._append(p.itemId, "text", p.delta, method === "item/agentMessage/delta" ? "agent_message" : "reasoning");
      case "item/commandExecution/outputDelta":
        return this._append(p.itemId, "aggregated_output", p.delta);
      case "turn/plan/updated":
        return this._plan(p.plan ?? []);
      case "thread/tokenUsage/updated":
        this.usage = usage(p.tokenUsage?.total);
        return [];
      case "warning":
        this._warnings++;
        return [
          { type: "item.completed", item: { id: `warning_${this._warnings}`, type: "error", message: String(p.message ?? "") } },
        ];
      case "error":
        return [{ type: "error", message: String(p.error?.message ?? "") }];
      case "turn/completed":
        return this._turnCompleted(p.turn ?? {});
      default:
        return [];
    }
  }

  _item(type, wire) {
    const it = toItem(wire, this._items.get(wire?.id));
    if (!it) return [];
    if (type === "item.completed") this._items.delete(it.id);
    else this._items.set(it.id, it);
    return [{ type, item: it }];
  }

  _append(id, field, delta, kind) {
    let it = this._items.get(id);
    const out = [];
    if (!it) {
      if (!kind) return [];
      it = { id, type: kind, text: "" };
      out.push({ type: "item.started", item: { ...it } });
    }
    it = { ...it, [field]: (it[field] ?? "") + (delta ?? "") };
    this._items.set(id, it);
    out.push({ type: "item.updated", item: it });
    return out;
  }

  _plan(plan) {
    const type = this._todo ? "item.updated" : "item.started";
    this._todoID ??= "todo_list";
    this._todo = {
      id: this._todoID,
      type: "todo_list",
      items: plan.map((s) => ({ text: String(s.step ?? ""), completed: s.status === "completed" })),
    };
    return [{ type, item: this._todo }];
  }

  _turnCompleted(turn) {
    this.done = true;
    const out = [];
    if (this._todo) {
      out.push({ type: "item.completed", item: this._todo });
      this._todo = null;
    }
    switch (turn.status) {
      case "completed":
        out.push({ type: "turn.completed", usage: this.usage ?? usage(undefined) });
        break;
      case "interrupted":
        out.push({ type: "turn.failed", error: { message: "turn aborted: interrupted" } });
        break;
      default:
        out.push({ type: "turn.failed", error: { message: turn.error?.message || `turn ${turn.status ?? "failed"}` } });
    }
    return out;
  }
}

/** toItem is a wire ThreadItem as Codex's SDK's ThreadItem, or null. */
export function toItem(w, prev) {
  if (!w || typeof w !== "object") return null;
  const id = String(w.id ?? "");
  switch (w.type) {
    case "agentMessage":
      return { id, type: "agent_message", text: w.text || prev?.text || "" };
    case "reasoning": {
      const text = [...(w.summary ?? []), ...(w.content ?? [])].join("\n");
      return { id, type: "reasoning", text: text || prev?.text || "" };
    }
    case "commandExecution": {
      const it = {
        id,
        type: "command_execution",
        command: String(w.command ?? ""),
        aggregated_output: w.aggregatedOutput ?? prev?.aggregated_output ?? "",
        status: STATUS[w.status] ?? "in_progress",
      };
      if (typeof w.exitCode === "number") it.exit_code = w.exitCode;
      return it;
    }
    case "fileChange":
      return {
        id,
        type: "file_change",
        changes: (w.changes ?? []).map((c) => ({ path: c.path, kind: typeof c.kind === "string" ? c.kind : c.kind?.type })),
        status: STATUS[w.status] ?? "in_progress",
      };
    case "mcpToolCall": {
      const it = {
        id,
        type: "mcp_tool_call",
        server: w.server,
        tool: w.tool,
        arguments: w.arguments ?? {},
        status: STATUS[w.status] ?? "in_progress",
      };
      if (w.result) it.result = { content: w.result.content ?? [], structured_content: w.result.structuredContent ?? null };
      if (w.error) it.error = { message: String(w.error.message ?? "") };
      return it;
    }
    case "webSearch":
      return { id, type: "web_search", query: String(w.query ?? "") };
    default:
      return null; // userMessage, contextCompaction: not in Codex's SDK
  }
}

/** usage is a wire TokenUsageBreakdown as Codex's SDK's Usage. */
export function usage(u) {
  return {
    input_tokens: u?.inputTokens ?? 0,
    cached_input_tokens: u?.cachedInputTokens ?? 0,
    cache_write_input_tokens: 0,
    output_tokens: u?.outputTokens ?? 0,
    reasoning_output_tokens: u?.reasoningOutputTokens ?? 0,
  };
}
