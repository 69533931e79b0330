#!/usr/bin/env bash
# Installs what the test suite needs beyond Go, idempotently: Debian packages
# (git; python3, unshare and useradd for the sandbox escape suite; file for
# the static-binary check; node and npm for the SDK interop test; curl, wget,
# python3-venv and the shell linter for the release and installer tests) and the npm
# packages of that test and of the side-by-side test with the real Codex CLI. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in git:git python3:python3 unshare:util-linux useradd:passwd file:file node:nodejs npm:npm curl:curl wget:wget shellcheck:shellcheck; do
  bin=${pair%%:*} pkg=${pair##*:}
  command -v "$bin" >/dev/null 2>&1 || need+=("$pkg")
done
# The wheel test and the Python SDK test (test/pysdk) install into a virtual environment (python3 -m venv).
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  need+=(python3-venv)
fi
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test-deps: missing ${need[*]} and not root: install them first" >&2
    exit 1
  fi
fi

if [[ -f test/sdk/package.json ]]; then
  if [[ ! -d test/sdk/node_modules/@openai/codex-sdk ]]; then
    (cd test/sdk && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
# TypeScript (pinned) that type-checks the TypeScript SDK's declarations and README in test/tssdk.
if [[ -f test/tssdk/package.json && ( ! -d test/tssdk/node_modules/typescript || ! -d test/tssdk/node_modules/@types/node ) ]]; then
  (cd test/tssdk && npm ci --no-audit --no-fund --loglevel=error)
fi
# The real Codex CLI (pinned) for the side-by-side exec --json test.
if [[ -f test/compare/package.json && ! -d test/compare/node_modules/@openai/codex ]]; then
  (cd test/compare && npm ci --no-audit --no-fund --loglevel=error)
fi
# Real MCP servers (pinned) for the MCP client tests (internal/mcp, internal/cli).
if [[ -f test/mcp/package.json && ! -d test/mcp/node_modules/@modelcontextprotocol/server-filesystem ]]; then
  (cd test/mcp && npm ci --no-audit --no-fund --loglevel=error)
fi
# The MCP clients (pinned) that drive kodex mcp-server in test/mcpserver.
if [[ -f test/mcpserver/package.json && ! -d test/mcpserver/node_modules/@modelcontextprotocol/inspector-cli ]]; then
  (cd test/mcpserver && npm ci --no-audit --no-fund --loglevel=error)
fi
# The official ACP TypeScript SDK (pinned) that drives kodex acp as an editor in test/acp.
if [[ -f test/acp/package.json && ( ! -d test/acp/node_modules/@agentclientprotocol/sdk || ! -d test/acp/node_modules/ajv ) ]]; then
  (cd test/acp && npm ci --no-audit --no-fund --loglevel=error)
fi
# The official MCP conformance suite (pinned) and the Node >= 22 it needs (the
# npm package "node", a platform binary from the npm registry) for test/mcpconformance.
if [[ -f test/mcpconformance/package.json && ( ! -d test/mcpconformance/node_modules/@modelcontextprotocol/conformance || ! -x test/mcpconformance/node_modules/node/bin/node ) ]]; then
  (cd test/mcpconformance && npm ci --no-audit --no-fund --loglevel=error)
fi
