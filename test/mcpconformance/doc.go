// Package mcpconformance runs the official MCP conformance suite's client
// scenarios (npm @modelcontextprotocol/conformance, with the Node ≥ 22 it
// needs installed as the npm package "node", both pinned in
// package-lock.json) against kodex's MCP client. The suite starts a test
// server per scenario and runs a client command with its URL; here that
// command is this package's test binary in its harness role, which
// configures the server in a fresh $KODEX_HOME, logs in to it when the
// scenario is about authorization (kodex mcp login, the harness playing
// the browser) and runs kodex exec against a scripted model that calls
// every tool the server offers. When kodex says a server wants more
// scopes (step-up), the harness runs the login it names and the session
// again, as a person would; a client the scenario registered beforehand
// goes into [mcp_servers.test.oauth]. It contains tests only; run
// scripts/test-deps.sh first to install the npm packages.
package mcpconformance
