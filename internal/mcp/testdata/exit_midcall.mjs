// A minimal stdio MCP server that starts, lists one tool and exits when that
// tool is called, to test a server dying mid-call.
import { createInterface } from "node:readline";

const send = (msg) => process.stdout.write(JSON.stringify(msg) + "\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  const req = JSON.parse(line);
  switch (req.method) {
    case "initialize":
      send({ jsonrpc: "2.0", id: req.id, result: { protocolVersion: req.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "exit-midcall", version: "1" } } });
      break;
    case "tools/list":
      send({ jsonrpc: "2.0", id: req.id, result: { tools: [{ name: "die", description: "exits", inputSchema: { type: "object" } }] } });
      break;
    case "tools/call":
      console.error("exit-midcall: dying during tools/call");
      process.exit(7);
    default:
      if (req.id !== undefined) send({ jsonrpc: "2.0", id: req.id, error: { code: -32601, message: "method not found" } });
  }
});
