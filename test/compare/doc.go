// Package compare holds the side-by-side test of `kodex exec --json` against
// the real Codex CLI (npm @openai/codex, pinned in package-lock.json): both
// run the same scenarios against the same scripted model, in a network
// namespace of their own, and their event streams must match but for the
// differences docs/exec-json.md lists. It contains tests only; run
// scripts/test-deps.sh first to install the npm package.
package compare
