// KodexError: what the SDK throws when kodex cannot be started, exits,
// answers a request with a JSON-RPC error or fails a turn.

/**
 * The error the SDK throws for everything kodex itself reports. `kind` says
 * which: "spawn" (the binary could not be started: not found, not
 * executable), "exit" (kodex app-server exited; `exitCode`, `signal` and
 * the end of its `stderr` are set), "rpc" (a request was answered with a
 * JSON-RPC error; `code`, `data` and `method` are set), "turn" (the turn
 * failed; the message is the model's or kodex's error) or "protocol"
 * (kodex speaks a protocol version this SDK does not).
 */
export class KodexError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "KodexError";
    this.kind = details.kind;
    this.code = details.code;
    this.data = details.data;
    this.method = details.method;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderr = details.stderr ?? "";
  }
}

/** abortError is what a run whose AbortSignal fired rejects with. */
export function abortError(signal) {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error("This operation was aborted", reason === undefined ? undefined : { cause: reason });
  err.name = "AbortError";
  err.code = "ABORT_ERR";
  return err;
}
