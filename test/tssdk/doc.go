// Package tssdk holds the end-to-end tests of the TypeScript SDK in
// sdk/typescript (@kodex-cli/sdk): it installs the SDK from a tarball,
// offline, and runs the README's examples, scenarios.mjs, elicit.mjs (MCP
// servers' forms, with test/mcp's server-everything) and a type check (tsc,
// pinned in package-lock.json) against a freshly built kodex and the
// scripted model. It contains tests only; run scripts/test-deps.sh first.
package tssdk
