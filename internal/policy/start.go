package policy

import "github.com/kodex-cli/kodex/internal/protocol"

// Trust is what the user recorded about the project around the working
// directory (config's [projects."<root>"] trust_level).
type Trust int

// Trust levels.
const (
	TrustUndecided Trust = iota // nothing recorded
	Trusted
	Untrusted
)

// Start is what decides the sandbox mode and approval policy a session
// starts with.
type Start struct {
	// Mode and Approval are the effective configuration values, built-in
	// defaults included.
	Mode     protocol.SandboxMode
	Approval protocol.ApprovalPolicy
	// ModeSet and ApprovalSet report that a flag (-s, -a, --full-auto,
	// --dangerously-bypass-approvals-and-sandbox), a -c override, a profile
	// or a config file chose the value, rather than the built-in default.
	ModeSet, ApprovalSet bool
	// Headless is kodex exec: nobody can answer an approval request.
	Headless bool
	Trust    Trust
}

// Initial returns the sandbox mode and approval policy a session starts
// with. A value that was set explicitly always wins. Otherwise:
//   - headless (kodex exec): read-only, approval never, as Codex's exec does;
//     --full-auto sets workspace-write + never explicitly;
//   - an untrusted project: read-only, approval untrusted (the suggest
//     preset), which is what answering "no" to the trust question promised;
//   - else the configured defaults.
func Initial(s Start) (protocol.SandboxMode, protocol.ApprovalPolicy) {
	mode, approval := s.Mode, s.Approval
	switch {
	case s.Headless:
		mode, approval = protocol.SandboxReadOnly, protocol.ApprovalNever
	case s.Trust == Untrusted:
		mode, approval = protocol.SandboxReadOnly, protocol.ApprovalUntrusted
	}
	if s.ModeSet {
		mode = s.Mode
	}
	if s.ApprovalSet {
		approval = s.Approval
	}
	return mode, approval
}

// AsksTrust reports whether the interactive UI asks "do you trust this
// folder?" before the first turn. Its answer applies a preset (auto-edit or
// suggest), so it is not asked when the user already chose the sandbox
// mode or the approval policy: onboarding never overrides an explicit
// choice. It is not asked again once an answer is recorded, and never in a
// headless session.
func AsksTrust(s Start) bool {
	return !s.Headless && s.Trust == TrustUndecided && !s.ModeSet && !s.ApprovalSet
}
