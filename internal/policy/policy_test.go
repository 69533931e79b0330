package policy_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/policy"
	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	full := policy.Config{
		WritableRoots:  []string{"/cache", "/repo"},
		NetworkAccess:  true,
		AllowGitWrites: true,
		DenyRead:       []string{"/secrets"},
	}
	tests := []struct {
		name string
		in   policy.Input
		want protocol.SandboxPolicy
	}{
		// workspace-write: the cwd is always listed, first.
		{
			name: "workspace-write, no roots anywhere: cwd alone",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "/repo"},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/repo"}},
		},
		{
			name: "workspace-write, empty config lists: cwd alone",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "/repo", ExtraRoots: []string{}, Config: policy.Config{WritableRoots: []string{}}},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/repo"}},
		},
		{
			name: "workspace-write, add-dirs absolute and relative",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "/repo/sub/", ExtraRoots: []string{"/data", "../lib", "gen/"}},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/repo/sub", "/data", "/repo/lib", "/repo/sub/gen"}},
		},
		{
			name: "workspace-write, config roots after add-dirs, duplicates dropped, settings carried",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "/repo", ExtraRoots: []string{"/data", "/data/", "."}, Config: full},
			want: protocol.SandboxPolicy{
				Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/repo", "/data", "/cache"},
				NetworkAccess: true, AllowGitWrites: true, DenyRead: []string{"/secrets"},
			},
		},
		{
			name: "workspace-write, config roots only",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "/repo", Config: policy.Config{WritableRoots: []string{"/cache"}}},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/repo", "/cache"}},
		},
		{
			name: "workspace-write, no cwd: relative roots are dropped, never taken as roots",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, ExtraRoots: []string{"rel", "/abs", ""}},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/abs"}},
		},
		{
			name: "workspace-write, relative cwd is not a root",
			in:   policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "repo", ExtraRoots: []string{"x"}},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite},
		},
		// read-only: no roots, no network, but the deny list holds.
		{
			name: "read-only ignores every root",
			in:   policy.Input{Mode: protocol.SandboxReadOnly, Cwd: "/repo", ExtraRoots: []string{"/data"}, Config: full},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly, DenyRead: []string{"/secrets"}},
		},
		{
			name: "read-only, nothing configured",
			in:   policy.Input{Mode: protocol.SandboxReadOnly, Cwd: "/repo"},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
		},
		// danger-full-access: nothing to enforce.
		{
			name: "danger-full-access ignores everything",
			in:   policy.Input{Mode: protocol.SandboxDangerFullAccess, Cwd: "/repo", ExtraRoots: []string{"/data"}, Config: full},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess},
		},
		// unknown modes fail closed.
		{
			name: "empty mode is read-only",
			in:   policy.Input{Cwd: "/repo", ExtraRoots: []string{"/data"}, Config: full},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly, DenyRead: []string{"/secrets"}},
		},
		{
			name: "misspelt mode is read-only",
			in:   policy.Input{Mode: "workspace_write", Cwd: "/repo"},
			want: protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := policy.Resolve(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveEveryCombination checks the invariants over every mode × cwd ×
// add-dirs × config: workspace-write always lists an absolute cwd first and
// only absolute roots; other modes list none.
func TestResolveEveryCombination(t *testing.T) {
	t.Parallel()
	modes := append([]protocol.SandboxMode{"", "bogus"}, protocol.SandboxModes...)
	cwds := []string{"/repo", "/repo/", ""}
	extras := [][]string{nil, {}, {"/data"}, {"rel", "/repo"}}
	configs := []policy.Config{{}, {WritableRoots: []string{}}, {WritableRoots: []string{"/cache"}, NetworkAccess: true, DenyRead: []string{"/s"}}}
	for _, mode := range modes {
		for _, cwd := range cwds {
			for _, extra := range extras {
				for _, cfg := range configs {
					got := policy.Resolve(policy.Input{Mode: mode, Cwd: cwd, ExtraRoots: extra, Config: cfg})
					where := func() string { return string(mode) + " " + cwd }
					if !policy.ValidMode(got.Mode) {
						t.Errorf("%s: mode %q is not a valid mode", where(), got.Mode)
					}
					if got.Mode != protocol.SandboxWorkspaceWrite {
						if len(got.WritableRoots) > 0 || got.NetworkAccess {
							t.Errorf("%s: %s policy has roots %v or network %v", where(), got.Mode, got.WritableRoots, got.NetworkAccess)
						}
						continue
					}
					if cwd != "" && (len(got.WritableRoots) == 0 || got.WritableRoots[0] != "/repo") {
						t.Errorf("%s: writable roots %v do not start with the cwd", where(), got.WritableRoots)
					}
					for _, r := range got.WritableRoots {
						if r == "" || r[0] != '/' {
							t.Errorf("%s: writable root %q is not absolute", where(), r)
						}
					}
				}
			}
		}
	}
}

func TestResolveDoesNotAlias(t *testing.T) {
	t.Parallel()
	cfg := policy.Config{DenyRead: []string{"/s"}}
	got := policy.Resolve(policy.Input{Mode: protocol.SandboxWorkspaceWrite, Cwd: "/repo", Config: cfg})
	got.DenyRead[0] = "/changed"
	if cfg.DenyRead[0] != "/s" {
		t.Errorf("the policy shares its DenyRead with the config")
	}
}

func TestInitial(t *testing.T) {
	t.Parallel()
	const (
		ro    = protocol.SandboxReadOnly
		ww    = protocol.SandboxWorkspaceWrite
		full  = protocol.SandboxDangerFullAccess
		never = protocol.ApprovalNever
		req   = protocol.ApprovalOnRequest
		untr  = protocol.ApprovalUntrusted
		fail  = protocol.ApprovalOnFailure
	)
	// The config's defaults are workspace-write and on-request.
	defaults := policy.Start{Mode: ww, Approval: req}
	with := func(f func(*policy.Start)) policy.Start { s := defaults; f(&s); return s }
	tests := []struct {
		name      string
		start     policy.Start
		mode      protocol.SandboxMode
		approval  protocol.ApprovalPolicy
		asksTrust bool
	}{
		{"interactive, undecided: config defaults, asks", defaults, ww, req, true},
		{"interactive, trusted: config defaults", with(func(s *policy.Start) { s.Trust = policy.Trusted }), ww, req, false},
		{"interactive, untrusted: suggest", with(func(s *policy.Start) { s.Trust = policy.Untrusted }), ro, untr, false},
		{"interactive, untrusted, -s set: mode kept", with(func(s *policy.Start) { s.Trust, s.Mode, s.ModeSet = policy.Untrusted, ww, true }), ww, untr, false},
		{"interactive, untrusted, -a set: approval kept", with(func(s *policy.Start) { s.Trust, s.Approval, s.ApprovalSet = policy.Untrusted, never, true }), ro, never, false},
		{"interactive, undecided, -s set: no trust question", with(func(s *policy.Start) { s.Mode, s.ModeSet = ro, true }), ro, req, false},
		{"interactive, undecided, -a set: no trust question", with(func(s *policy.Start) { s.Approval, s.ApprovalSet = fail, true }), ww, fail, false},
		{"interactive, full-auto", with(func(s *policy.Start) { s.ModeSet, s.ApprovalSet, s.Approval = true, true, never }), ww, never, false},
		{"exec, nothing set: read-only, never", with(func(s *policy.Start) { s.Headless = true }), ro, never, false},
		{"exec, untrusted: read-only, never", with(func(s *policy.Start) { s.Headless, s.Trust = true, policy.Untrusted }), ro, never, false},
		{"exec, trusted: read-only, never", with(func(s *policy.Start) { s.Headless, s.Trust = true, policy.Trusted }), ro, never, false},
		{"exec --full-auto", with(func(s *policy.Start) { s.Headless, s.ModeSet, s.ApprovalSet, s.Approval = true, true, true, never }), ww, never, false},
		{"exec, yolo", with(func(s *policy.Start) {
			s.Headless, s.Mode, s.ModeSet, s.Approval, s.ApprovalSet = true, full, true, never, true
		}), full, never, false},
		{"exec, config sets the mode only", with(func(s *policy.Start) { s.Headless, s.ModeSet = true, true }), ww, never, false},
		{"exec, config sets the approval only", with(func(s *policy.Start) { s.Headless, s.Approval, s.ApprovalSet = true, untr, true }), ro, untr, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mode, approval := policy.Initial(tt.start)
			if mode != tt.mode || approval != tt.approval {
				t.Errorf("Initial = %s, %s; want %s, %s", mode, approval, tt.mode, tt.approval)
			}
			if got := policy.AsksTrust(tt.start); got != tt.asksTrust {
				t.Errorf("AsksTrust = %v, want %v", got, tt.asksTrust)
			}
		})
	}
}
