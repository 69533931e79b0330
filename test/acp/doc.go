// Package acp tests `kodex acp` end to end with the official Agent Client
// Protocol TypeScript SDK (@agentclientprotocol/sdk, pinned in
// package.json and installed by scripts/test-deps.sh) acting as the editor:
// client.mjs initializes, opens a session, runs a prompt whose command
// needs permission, an edit written through the client's file system, a
// prompt cancelled mid-turn, and loads the recorded session in a new
// process; every message kodex sends is validated against ACP's JSON
// Schema. The model is the scripted one of internal/model/modeltest.
package acp
