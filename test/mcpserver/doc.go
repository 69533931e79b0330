// Package mcpserver holds the interop tests that drive `kodex mcp-server`
// with real MCP clients others wrote: the official TypeScript SDK client
// (npm @modelcontextprotocol/sdk) and the MCP Inspector's CLI (npm
// @modelcontextprotocol/inspector-cli), both pinned in package-lock.json,
// against a scripted fake model. It contains tests only; run
// scripts/test-deps.sh first to install the npm packages.
package mcpserver
