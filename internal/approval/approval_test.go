package approval

import (
	"strings"
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
		askUnsafe := askSafe
		if sb.Mode == protocol.SandboxReadOnly {
			// Approved in a read-only session, it may write in the workspace.
			askUnsafe.ApprovedMode = protocol.SandboxWorkspaceWrite
		}
		tests = append(tests,
			row{protocol.ApprovalUntrusted, sb, safe, false, run},
			row{protocol.ApprovalUntrusted, sb, unsafe, false, askUnsafe},
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

// TestForCommandRepoTier: under untrusted, commands that obey the
// repository's configuration run without asking only inside the sandbox;
// commands that are safe whatever the repository contains run in every mode.
func TestForCommandRepoTier(t *testing.T) {
	t.Parallel()
	bare := protocol.SandboxPolicy{Mode: ""} // unset: not known to be confined
	askGit := Decision{Action: Ask, Unsandboxed: true, Reason: ReasonGitOutsideSandbox}
	askGo := Decision{Action: Ask, Unsandboxed: true, Reason: ReasonGoOutsideSandbox}
	askUnsafe := Decision{Action: Ask, Unsandboxed: true, Reason: ReasonNotKnownSafe}
	askUnsafeBoxed := Decision{Action: Ask, Reason: ReasonNotKnownSafe}
	run := Decision{Action: Run}
	runFree := Decision{Action: Run, Unsandboxed: true}
	tests := []struct {
		argv      []string
		full      Decision // untrusted + danger-full-access
		boxed     Decision // untrusted + read-only and + workspace-write
		unsetMode Decision // untrusted + an unset sandbox mode
	}{
		{[]string{"git", "show"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"git", "-C", "bare", "log", "-p"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"git", "diff"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"git", "blame", "x"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"git", "grep", "x"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"git", "status"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"bash", "-lc", "ls && git log -p"}, askGit, run, Decision{Action: Ask, Reason: ReasonGitOutsideSandbox}},
		{[]string{"go", "list", "./..."}, askGo, run, Decision{Action: Ask, Reason: ReasonGoOutsideSandbox}},
		{[]string{"go", "version"}, askGo, run, Decision{Action: Ask, Reason: ReasonGoOutsideSandbox}},
		// Never safe: asks even in the sandbox.
		{[]string{"go", "list", "-mod=mod", "./..."}, askUnsafe, askUnsafeBoxed, askUnsafeBoxed},
		{[]string{"git", "diff", "--ext-diff"}, askUnsafe, askUnsafeBoxed, askUnsafeBoxed},
		{[]string{"git", "-c", "core.pager=sh", "log"}, askUnsafe, askUnsafeBoxed, askUnsafeBoxed},
		// Safe whatever the repository contains.
		{[]string{"ls"}, runFree, run, run},
		{[]string{"cat", "README.md"}, runFree, run, run},
		{[]string{"bash", "-lc", "cat x | grep y"}, runFree, run, run},
	}
	for _, tt := range tests {
		t.Run(CanonicalKey(tt.argv), func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				sb   protocol.SandboxPolicy
				want Decision
			}{{fullAcc, tt.full}, {readOnly, tt.boxed}, {workspace, tt.boxed}, {bare, tt.unsetMode}} {
				got := ForCommand(protocol.ApprovalUntrusted, c.sb, Command{Argv: tt.argv, Cwd: "/work/proj"})
				if c.sb.Mode == protocol.SandboxReadOnly && c.want.Action == Ask && !c.want.Unsandboxed {
					c.want.ApprovedMode = protocol.SandboxWorkspaceWrite
				}
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("ForCommand(untrusted, %q) mismatch (-want +got):\n%s", c.sb.Mode, diff)
				}
			}
			// Other policies do not look at the list.
			if got := ForCommand(protocol.ApprovalOnRequest, fullAcc, Command{Argv: tt.argv}); !cmp.Equal(got, runFree) {
				t.Errorf("ForCommand(on-request, danger-full-access) = %+v, want %+v", got, runFree)
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
	nestedGit := []string{"/work/proj/vendor/.git/x"}
	relative := []string{"sub/b.go"}
	noRoots := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}

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
		{"on-request nested .git", protocol.ApprovalOnRequest, workspace, nestedGit, Ask},
		{"on-request outside", protocol.ApprovalOnRequest, workspace, outside, Ask},
		{"on-request dotdot", protocol.ApprovalOnRequest, workspace, dotdot, Ask},
		{"on-request prefix", protocol.ApprovalOnRequest, workspace, prefix, Ask},
		{"on-request .git", protocol.ApprovalOnRequest, workspace, gitDir, Ask},
		{"on-request .git itself", protocol.ApprovalOnRequest, workspace, gitExact, Ask},
		{"on-request .kodex", protocol.ApprovalOnRequest, workspace, kodexDir, Ask},
		{"on-request read-only", protocol.ApprovalOnRequest, readOnly, inside, Ask},
		{"on-failure inside", protocol.ApprovalOnFailure, workspace, inside, Run},
		{"on-failure outside", protocol.ApprovalOnFailure, workspace, outside, Ask},
		{"on-failure nested .kodex", protocol.ApprovalOnFailure, workspace, []string{"/work/proj/src/.kodex/config.toml"}, Ask},
		{"never inside", protocol.ApprovalNever, workspace, inside, Run},
		{"never outside", protocol.ApprovalNever, workspace, outside, Deny},
		{"never .git", protocol.ApprovalNever, workspace, gitDir, Deny},
		{"never nested .git", protocol.ApprovalNever, workspace, nestedGit, Deny},
		{"never read-only", protocol.ApprovalNever, readOnly, inside, Deny},
		{"untrusted inside", protocol.ApprovalUntrusted, workspace, inside, Ask},
		{"untrusted read-only", protocol.ApprovalUntrusted, readOnly, inside, Ask},
		{"untrusted full access", protocol.ApprovalUntrusted, fullAcc, outside, Ask},
		{"on-request full access", protocol.ApprovalOnRequest, fullAcc, outside, Run},
		{"never full access", protocol.ApprovalNever, fullAcc, gitDir, Run},
		// No writable roots: nothing is writable, cwd included.
		{"no roots, cwd", protocol.ApprovalOnRequest, noRoots, inside, Ask},
		{"no roots, relative", protocol.ApprovalOnRequest, noRoots, relative, Ask},
		{"no roots, never", protocol.ApprovalNever, noRoots, inside, Deny},
		{"empty roots", protocol.ApprovalOnRequest, protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{}}, inside, Ask},
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

// TestForPatchProtected: a patch into a protected location asks (never:
// is denied) with a reason naming the path, whatever the depth and case;
// near misses run.
func TestForPatchProtected(t *testing.T) {
	t.Parallel()
	home := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/home/u", "/work/proj"}}
	homes := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/home", "/work/proj"}}
	tests := []struct {
		name      string
		sb        protocol.SandboxPolicy
		path      string
		protected bool
	}{
		{"nested .kodex", workspace, "/work/proj/src/.kodex/config.toml", true},
		{"nested .GIT hooks", workspace, "/work/proj/sub/.GIT/hooks/x", true},
		{".Kodex at the root", workspace, "/work/proj/.Kodex/x", true},
		{"deep .git", workspace, "/work/proj/a/b/c/.git/config", true},
		{".git pointer file", workspace, "/work/proj/sub/.git", true},
		{".git with trailing dot (Windows)", workspace, "/work/proj/.git./hooks/x", true},
		{".git with trailing space (Windows)", workspace, "/work/proj/.git /hooks/x", true},
		{".git NTFS stream", workspace, "/work/proj/.git::$INDEX_ALLOCATION/hooks/x", true},
		{"8.3 short name GIT~1", workspace, "/work/proj/GIT~1/hooks/x", true},
		{"8.3 short name kodex~2", workspace, "/work/proj/kodex~2/config.toml", true},
		{".git with an HFS+-ignorable joiner", workspace, "/work/proj/.g\u200cit/hooks/x", true},
		{"Kelvin sign folds to k", workspace, "/work/proj/.\u212aodex/config.toml", true},
		{"home .bashrc", home, "/home/u/.bashrc", true},
		{"home .BASH_PROFILE", home, "/home/u/.BASH_PROFILE", true},
		{"home .bash_login", home, "/home/u/.bash_login", true},
		{"home .profile", home, "/home/u/.profile", true},
		{"home .bash_logout", home, "/home/u/.bash_logout", true},
		{"home .zshrc", home, "/home/u/.zshrc", true},
		{"home .zshenv", home, "/home/u/.zshenv", true},
		{"home .zprofile", home, "/home/u/.zprofile", true},
		{"home .zlogin", home, "/home/u/.zlogin", true},
		{"home .zlogout", home, "/home/u/.zlogout", true},
		{"home .gitconfig", home, "/home/u/.gitconfig", true},
		{"home .ssh/authorized_keys", home, "/home/u/.ssh/authorized_keys", true},
		{"home .ssh itself", home, "/home/u/.ssh", true},
		{"home .config/fish", home, "/home/u/.config/fish/config.fish", true},
		{"home .config/fish/conf.d", home, "/home/u/.config/fish/conf.d/x.fish", true},
		{"home .config/git/config", home, "/home/u/.config/git/config", true},
		{"home .Config/Git", home, "/home/u/.Config/Git/attributes", true},
		{"home .kodex", home, "/home/u/.kodex/config.toml", true},
		{"root is an ancestor of the home", homes, "/home/u/.bashrc", true},
		{"root is an ancestor of the home, .ssh", homes, "/home/u/.ssh/config", true},
		// Near misses: ordinary project files.
		{".github workflow", workspace, "/work/proj/.github/workflows/ci.yml", false},
		{".gitignore", workspace, "/work/proj/.gitignore", false},
		{".gitattributes", workspace, "/work/proj/sub/.gitattributes", false},
		{"name containing .git", workspace, "/work/proj/my.git/x", false},
		{".kodexignore-like name", workspace, "/work/proj/.kodexrc", false},
		{".config elsewhere", home, "/home/u/.config/nvim/init.lua", false},
		{"fish outside .config", home, "/home/u/fish/config.fish", false},
		{".profile.d is not .profile", home, "/home/u/.profile.d/x", false},
		{"tilde without digits", workspace, "/work/proj/backup~/x", false},
		{"home ordinary file", home, "/home/u/notes.txt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ForPatch(protocol.ApprovalOnRequest, tt.sb, "/work/proj", []string{"/work/proj/ok.go", tt.path})
			if !tt.protected {
				if got.Action != Run {
					t.Errorf("ForPatch(%q) = %+v, want run", tt.path, got)
				}
				return
			}
			if got.Action != Ask || !strings.Contains(got.Reason, tt.path) || !strings.Contains(got.Reason, "protected") {
				t.Errorf("ForPatch(%q) = %+v, want ask with a reason naming the path as protected", tt.path, got)
			}
			never := ForPatch(protocol.ApprovalNever, tt.sb, "/work/proj", []string{tt.path})
			if never.Action != Deny || !strings.Contains(never.Reason, tt.path) {
				t.Errorf("ForPatch(never, %q) = %+v, want deny naming the path", tt.path, never)
			}
		})
	}
}

// TestForPatchProtectedUnderAnyRoot: a path is checked relative to every
// root containing it, so a narrower root does not hide the home's files.
func TestForPatchProtectedUnderAnyRoot(t *testing.T) {
	t.Parallel()
	sb := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite, WritableRoots: []string{"/home/u", "/home/u/.ssh"}}
	if got := ForPatch(protocol.ApprovalOnRequest, sb, "/home/u", []string{"/home/u/.ssh/authorized_keys"}); got.Action != Ask {
		t.Errorf("ForPatch = %+v, want ask", got)
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

func TestMCPCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy   protocol.ApprovalPolicy
		readOnly bool
		ask      bool
	}{
		{protocol.ApprovalUntrusted, true, true},
		{protocol.ApprovalUntrusted, false, true},
		{protocol.ApprovalOnRequest, true, false},
		{protocol.ApprovalOnRequest, false, true},
		{protocol.ApprovalOnFailure, true, false},
		{protocol.ApprovalOnFailure, false, true},
		{protocol.ApprovalNever, false, false},
		{protocol.ApprovalNever, true, false},
	}
	for _, tt := range tests {
		ask, reason := MCPCall(tt.policy, tt.readOnly)
		if ask != tt.ask || ask != (reason != "") {
			t.Errorf("MCPCall(%s, readOnly=%v) = %v, %q; want ask %v", tt.policy, tt.readOnly, ask, reason, tt.ask)
		}
	}
}
