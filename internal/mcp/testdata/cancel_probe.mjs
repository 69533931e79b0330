// A minimal stdio MCP server whose one tool never answers; it records the
// notifications/cancelled it receives in the file named by its argument.
import { createInterface } from "node:readline";
import { writeFileSync } from "node:fs";

const send = (msg) => process.stdout.write(JSON.stringify(msg) + "\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  const req = JSON.parse(line);
  switch (req.method) {
    case "initialize":
      send({ jsonrpc: "2.0", id: req.id, result: { protocolVersion: req.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "cancel-probe", version: "1" } } });
      break;
    case "tools/list":
      send({ jsonrpc: "2.0", id: req.id, result: { tools: [{ name: "wait", inputSchema: { type: "object" } }] } });
      break;
    case "tools/call":
      writeFileSync(process.argv[2] + ".call", String(req.id));
      break; // never answered
    case "notifications/cancelled":
      writeFileSync(process.argv[2], JSON.stringify(req.params));
      break;
    default:
      if (req.id !== undefined) send({ jsonrpc: "2.0", id: req.id, error: { code: -32601, message: "method not found" } });
  }
});
