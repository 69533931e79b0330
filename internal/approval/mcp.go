package approval

import "github.com/kodex-cli/kodex/internal/protocol"

// MCPCall decides whether a call to an MCP server's tool asks first. MCP
// tools run outside the sandbox, in the server's process, so:
//
//   - untrusted: every call asks;
//   - on-request and on-failure: a tool the server annotates readOnlyHint
//     runs, every other asks;
//   - never: every call runs.
//
// The reason says why the user is asked.
func MCPCall(policy protocol.ApprovalPolicy, readOnly bool) (ask bool, reason string) {
	switch policy {
	case protocol.ApprovalNever:
		return false, ""
	case protocol.ApprovalUntrusted:
		return true, "every MCP tool call asks under the untrusted approval policy"
	case protocol.ApprovalOnRequest, protocol.ApprovalOnFailure:
		if readOnly {
			return false, ""
		}
		return true, "the tool is not annotated read-only (readOnlyHint)"
	}
	return true, "unknown approval policy " + string(policy)
}
