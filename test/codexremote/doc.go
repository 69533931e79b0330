// Package codexremote holds the end-to-end test that runs Codex's own TUI
// (npm @openai/codex, pinned in test/compare's package-lock.json) as a
// client of `kodex app-server` over WebSocket: `codex --remote` completes a
// turn with a command approval on kodex. It contains tests only; run
// scripts/test-deps.sh first to install the npm package.
package codexremote
