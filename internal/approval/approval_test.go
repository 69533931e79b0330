package approval

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

var (
	readOnly  = protocol.SandboxPolicy{Mode: protocol.SandboxReadOnly}
	workspace = protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/work/proj", "/tmp/extra"}}
	fullAcc   = protocol.SandboxPolicy{Mode: protocol.SandboxDangerFullAccess}
)

func TestForCommand(t *testing.T) {
	t.Parallel()
	safe := []string{"ls", "-la"}
	unsafe := []string{"cargo", "build"}
	run := Decision{Action: Run}
	runFree := Decision{Action: Run, Unsandboxed: true}
	askSafe := Decision{Action: Ask, Reason: ReasonNotKnownSafe}
	askSafeFree := Decision{Action: Ask, Unsandboxed: true, Reason: ReasonNotKnownSafe}
	askEsc := Decision{Action: Ask, Unsandboxed: true, Reason: ReasonEscalation}
	denyEsc := Decision{Action: Deny, Reason: ReasonEscalateDenied}

	type row struct {
		policy   protocol.ApprovalPolicy
		sb       protocol.SandboxPolicy
		argv     []string
		escalate bool
		want     Decision
	}
	var tests []row
	for _, sb := range []protocol.SandboxPolicy{readOnly, workspace} {
		tests = append(tests,
			row{protocol.ApprovalUntrusted, sb, safe, false, run},
			row{protocol.ApprovalUntrusted, sb, unsafe, false, askSafe},
			row{protocol.ApprovalUntrusted, sb, safe, true, askEsc},
			row{protocol.ApprovalUntrusted, sb, unsafe, true, askEsc},
			row{protocol.ApprovalOnFailure, sb, safe, false, run},
			row{protocol.ApprovalOnFailure, sb, unsafe, false, run},
			row{protocol.ApprovalOnFailure, sb, unsafe, true, askEsc},
			row{protocol.ApprovalOnRequest, sb, safe, false, run},
			row{protocol.ApprovalOnRequest, sb, unsafe, false, run},
			row{protocol.ApprovalOnRequest, sb, safe, true, askEsc},
			row{protocol.ApprovalOnRequest, sb, unsafe, true, askEsc},
			row{"", sb, unsafe, false, run},   // default is on-request
			row{"", sb, unsafe, true, askEsc}, // default is on-request
			row{"bogus", sb, unsafe, true, askEsc},
			row{protocol.ApprovalNever, sb, safe, false, run},
			row{protocol.ApprovalNever, sb, unsafe, false, run},
			row{protocol.ApprovalNever, sb, unsafe, true, denyEsc},
		)
	}
	tests = append(tests,
		row{protocol.ApprovalUntrusted, fullAcc, safe, false, runFree},
		row{protocol.ApprovalUntrusted, fullAcc, unsafe, false, askSafeFree},
		row{protocol.ApprovalUntrusted, fullAcc, unsafe, true, askSafeFree},
		row{protocol.ApprovalOnFailure, fullAcc, unsafe, false, runFree},
		row{protocol.ApprovalOnFailure, fullAcc, unsafe, true, runFree},
		row{protocol.ApprovalOnRequest, fullAcc, unsafe, false, runFree},
		row{protocol.ApprovalOnRequest, fullAcc, unsafe, true, runFree},
		row{protocol.ApprovalNever, fullAcc, unsafe, false, runFree},
		row{protocol.ApprovalNever, fullAcc, unsafe, true, runFree},
		row{protocol.ApprovalOnRequest, workspace, nil, false, Decision{Action: Deny, Reason: ReasonEmptyCommand}},
		row{protocol.ApprovalNever, workspace, []string{""}, false, Decision{Action: Deny, Reason: ReasonEmptyCommand}},
	)
	for _, tt := range tests {
		name := string(tt.policy) + "/" + string(tt.sb.Mode) + "/" + CanonicalKey(tt.argv)
		if tt.escalate {
			name += "/escalate"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := ForCommand(tt.policy, tt.sb, Command{Argv: tt.argv, Cwd: "/work/proj", Escalate: tt.escalate})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ForCommand mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAfterFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy protocol.ApprovalPolicy
		denied bool
		want   Action
		reason bool
	}{
		{protocol.ApprovalOnFailure, true, Ask, true},
		{protocol.ApprovalOnFailure, false, Deny, false},
		{protocol.ApprovalOnRequest, true, Deny, true},
		{protocol.ApprovalOnRequest, false, Deny, false},
		{protocol.ApprovalUntrusted, true, Deny, true},
		{protocol.ApprovalNever, true, Deny, true},
		{protocol.ApprovalNever, false, Deny, false},
		{"", true, Deny, true},
	}
	for _, tt := range tests {
		got := AfterFailure(tt.policy, tt.denied)
		if got.Action != tt.want || (got.Reason != "") != tt.reason {
			t.Errorf("AfterFailure(%q, %v) = %+v, want action %v, reason %v", tt.policy, tt.denied, got, tt.want, tt.reason)
		}
		if got.Action == Ask && (!got.Unsandboxed || got.Reason != ReasonRerun) {
			t.Errorf("AfterFailure(%q, %v) = %+v, want an unsandboxed rerun", tt.policy, tt.denied, got)
		}
	}
}

func TestForPatch(t *testing.T) {
	t.Parallel()
	inside := []string{"/work/proj/main.go", "/work/proj/sub/a.go"}
	extra := []string{"/tmp/extra/x"}
	outside := []string{"/work/proj/main.go", "/etc/passwd"}
	dotdot := []string{"/work/proj/../other/x"}
	prefix := []string{"/work/project2/x"} // shares a string prefix with the root
	gitDir := []string{"/work/proj/.git/config"}
	gitExact := []string{"/work/proj/.git"}
	kodexDir := []string{"/tmp/extra/.kodex/config.toml"}
	nestedGit := []string{"/work/proj/vendor/.git/x"} // only directly under a root is protected
	relative := []string{"sub/b.go"}

	tests := []struct {
		name   string
		policy protocol.ApprovalPolicy
		sb     protocol.SandboxPolicy
		paths  []string
		want   Action
	}{
		{"on-request inside", protocol.ApprovalOnRequest, workspace, inside, Run},
		{"on-request extra root", protocol.ApprovalOnRequest, workspace, extra, Run},
		{"on-request relative", protocol.ApprovalOnRequest, workspace, relative, Run},
		{"on-request nested .git", protocol.ApprovalOnRequest, workspace, nestedGit, Run},
		{"on-request outside", protocol.ApprovalOnRequest, workspace, outside, Ask},
		{"on-request dotdot", protocol.ApprovalOnRequest, workspace, dotdot, Ask},
		{"on-request prefix", protocol.ApprovalOnRequest, workspace, prefix, Ask},
		{"on-request .git", protocol.ApprovalOnRequest, workspace, gitDir, Ask},
		{"on-request .git itself", protocol.ApprovalOnRequest, workspace, gitExact, Ask},
		{"on-request .kodex", protocol.ApprovalOnRequest, workspace, kodexDir, Ask},
		{"on-request read-only", protocol.ApprovalOnRequest, readOnly, inside, Ask},
		{"on-failure inside", protocol.ApprovalOnFailure, workspace, inside, Run},
		{"on-failure outside", protocol.ApprovalOnFailure, workspace, outside, Ask},
		{"never inside", protocol.ApprovalNever, workspace, inside, Run},
		{"never outside", protocol.ApprovalNever, workspace, outside, Deny},
		{"never .git", protocol.ApprovalNever, workspace, gitDir, Deny},
		{"never read-only", protocol.ApprovalNever, readOnly, inside, Deny},
		{"untrusted inside", protocol.ApprovalUntrusted, workspace, inside, Ask},
		{"untrusted read-only", protocol.ApprovalUntrusted, readOnly, inside, Ask},
		{"untrusted full access", protocol.ApprovalUntrusted, fullAcc, outside, Ask},
		{"on-request full access", protocol.ApprovalOnRequest, fullAcc, outside, Run},
		{"never full access", protocol.ApprovalNever, fullAcc, gitDir, Run},
		{"no roots uses cwd", protocol.ApprovalOnRequest, protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, inside, Run},
		{"no roots outside cwd", protocol.ApprovalOnRequest, protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}, extra, Ask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ForPatch(tt.policy, tt.sb, "/work/proj", tt.paths)
			if got.Action != tt.want {
				t.Errorf("ForPatch = %+v, want %v", got, tt.want)
			}
			if got.Action != Run && got.Reason == "" {
				t.Errorf("ForPatch = %+v: a %v needs a reason", got, got.Action)
			}
		})
	}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy protocol.ApprovalPolicy
		mode   protocol.SandboxMode
	}{
		{PresetSuggest, protocol.ApprovalUntrusted, protocol.SandboxReadOnly},
		{PresetAutoEdit, protocol.ApprovalOnRequest, protocol.SandboxWorkspaceWrite},
		{PresetFullAuto, protocol.ApprovalNever, protocol.SandboxWorkspaceWrite},
	}
	for _, tt := range tests {
		p, m, err := Preset(tt.name)
		if err != nil || p != tt.policy || m != tt.mode {
			t.Errorf("Preset(%q) = %q, %q, %v; want %q, %q", tt.name, p, m, err, tt.policy, tt.mode)
		}
		if got := PresetName(tt.policy, tt.mode); got != tt.name {
			t.Errorf("PresetName(%q, %q) = %q, want %q", tt.policy, tt.mode, got, tt.name)
		}
	}
	if _, _, err := Preset("yolo"); err == nil {
		t.Error("Preset(yolo) succeeded")
	}
	if got := PresetName(protocol.ApprovalNever, protocol.SandboxDangerFullAccess); got != PresetCustom {
		t.Errorf("PresetName(never, danger) = %q, want custom", got)
	}
	if diff := cmp.Diff([]string{"suggest", "auto-edit", "full-auto"}, PresetNames()); diff != "" {
		t.Errorf("PresetNames mismatch (-want +got):\n%s", diff)
	}
}

func TestCanonicalKey(t *testing.T) {
	t.Parallel()
	same := [][2][]string{
		{{"bash", "-lc", "ls -la && pwd"}, {"bash", "-lc", "  ls   '-la'&&\"pwd\" "}},
		{{"bash", "-lc", "git status"}, {"bash", "-lc", "git status;"}},
		{{"cargo", "build"}, {"cargo", "build"}},
	}
	for _, p := range same {
		if a, b := CanonicalKey(p[0]), CanonicalKey(p[1]); a != b {
			t.Errorf("CanonicalKey(%q) = %s, CanonicalKey(%q) = %s; want equal", p[0], a, p[1], b)
		}
	}
	different := [][2][]string{
		{{"a b"}, {"a", "b"}},
		{{"ab", ""}, {"ab"}},
		{{"a", "b\x00c"}, {"a", "b", "c"}},
		{{"bash", "-lc", "echo '&&' rm x"}, {"bash", "-lc", "echo && rm x"}},
		{{"bash", "-lc", "echo a | wc"}, {"bash", "-lc", "echo a ; wc"}},
		{{"bash", "-lc", "ls"}, {"sh", "-c", "ls"}},
		{{"bash", "-lc", "ls"}, {"ls"}},
		{{"bash", "-lc", "rm -rf ~"}, {"bash", "-lc", "rm -rf '~'"}},
		{{"bash", "-lc", "echo $HOME"}, {"bash", "-lc", "echo '$HOME'"}},
	}
	for _, p := range different {
		if a, b := CanonicalKey(p[0]), CanonicalKey(p[1]); a == b {
			t.Errorf("CanonicalKey(%q) == CanonicalKey(%q) = %s; want different", p[0], p[1], a)
		}
	}
	if got, want := CanonicalKey([]string{"git", "status"}), `["git","status"]`; got != want {
		t.Errorf("CanonicalKey = %s, want %s", got, want)
	}
	if got, want := CanonicalKey([]string{"bash", "-lc", "ls | wc -l"}), `{"shell":["bash","-lc"],"script":[{"argv":["ls"]},{"op":"|","argv":["wc","-l"]}]}`; got != want {
		t.Errorf("CanonicalKey = %s, want %s", got, want)
	}
}
