// Package sdk holds the interop test that drives the kodex binary through the
// Codex TypeScript SDK (npm @openai/codex-sdk, pinned in package-lock.json)
// against a scripted fake model. It contains tests only; run
// scripts/test-deps.sh first to install the npm packages.
package sdk
