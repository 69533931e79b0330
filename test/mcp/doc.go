// Package mcp pins the real MCP servers kodex's MCP client is tested against
// (npm @modelcontextprotocol/server-everything and server-filesystem, in
// package-lock.json); scripts/test-deps.sh installs them here. The tests
// that use them live with the code: internal/mcp and internal/cli's scripts.
package mcp
