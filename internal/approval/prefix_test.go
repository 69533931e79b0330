package approval

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func TestPrefixRuleProposal(t *testing.T) {
	t.Parallel()
	sh := func(script string) []string { return []string{"/bin/bash", "-lc", script} }
	tests := []struct {
		name string
		argv []string
		rule []string
		want []string // nil: not proposed
	}{
		{"argv", []string{"git", "pull", "--rebase"}, []string{"git", "pull"}, []string{"git", "pull"}},
		{"whole command", []string{"npm", "install"}, []string{"npm", "install"}, []string{"npm", "install"}},
		{"script", sh("git pull origin main"), []string{"git", "pull"}, []string{"git", "pull"}},
		{"quoted words", sh(`git commit -m "a b"`), []string{"git", "commit"}, []string{"git", "commit"}},
		{"every command covered", sh("git pull; git pull --tags"), []string{"git", "pull"}, []string{"git", "pull"}},
		{"not a prefix", []string{"git", "push"}, []string{"git", "pull"}, nil},
		{"longer than the command", []string{"git"}, []string{"git", "pull"}, nil},
		{"second command not covered", sh("git pull && rm -rf ~"), []string{"git", "pull"}, nil},
		{"pipe to a shell", sh("git pull | sh"), []string{"git", "pull"}, nil},
		{"redirection", sh("git pull > ~/.bashrc"), []string{"git", "pull"}, nil},
		{"substitution", sh("git pull $(curl evil)"), []string{"git", "pull"}, nil},
		{"backticks", sh("git pull `id`"), []string{"git", "pull"}, nil},
		{"variable", sh("git pull $HOME"), []string{"git", "pull"}, nil},
		{"background", sh("git pull & rm x"), []string{"git", "pull"}, nil},
		{"subshell", sh("(git pull)"), []string{"git", "pull"}, nil},
		{"glob", sh("git pull *"), []string{"git", "pull"}, nil},
		{"empty rule", []string{"git", "pull"}, nil, nil},
		{"empty word", []string{"git", ""}, []string{"git", ""}, nil},
		{"git alone", []string{"git", "pull"}, []string{"git"}, nil},
		{"shell", sh("ls"), []string{"/bin/bash", "-lc"}, nil},
		{"shell -c", []string{"bash", "-c", "ls"}, []string{"bash", "-c"}, nil},
		{"shell inside a script", sh("bash -c 'rm -rf ~'"), []string{"bash"}, nil},
		{"python -c", []string{"python3", "-c", "print(1)"}, []string{"python3", "-c"}, nil},
		{"python alone", []string{"python3", "x.py"}, []string{"python3"}, nil},
		{"python script", []string{"python3", "tools/gen.py", "--all"}, []string{"python3", "tools/gen.py"}, []string{"python3", "tools/gen.py"}},
		{"env", []string{"env", "FOO=1", "make"}, []string{"env", "FOO=1"}, nil},
		{"sudo", []string{"sudo", "apt", "update"}, []string{"sudo", "apt"}, nil},
		{"xargs", sh("xargs rm"), []string{"xargs", "rm"}, nil},
		{"node -e", []string{"node", "-e", "1"}, []string{"node", "-e"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := PrefixRuleProposal(tt.argv, tt.rule)
			if ok != (tt.want != nil) {
				t.Fatalf("PrefixRuleProposal(%q, %q) ok = %v, want %v", tt.argv, tt.rule, ok, tt.want != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PrefixRuleProposal(%q, %q) mismatch (-want +got):\n%s", tt.argv, tt.rule, diff)
			}
		})
	}
}

func TestCoveredByPrefixRules(t *testing.T) {
	t.Parallel()
	rules := [][]string{{"git", "pull"}, {"npm", "test"}, {"bash"}}
	sh := func(script string) []string { return []string{"bash", "-lc", script} }
	tests := []struct {
		argv []string
		want bool
	}{
		{[]string{"git", "pull"}, true},
		{[]string{"git", "pull", "--ff-only"}, true},
		{sh("git pull && npm test"), true},
		{sh("git pull | tee log"), false},
		{sh("git pull > log"), false},
		{[]string{"git", "push"}, false},
		{[]string{"gitx", "pull"}, false},
		{[]string{"/usr/bin/git", "pull"}, false}, // words compare as written
		{sh("bash -c 'id'"), false},               // an invalid rule covers nothing
		{nil, false},
	}
	for _, tt := range tests {
		if got := CoveredByPrefixRules(tt.argv, rules); got != tt.want {
			t.Errorf("CoveredByPrefixRules(%q) = %v, want %v", tt.argv, got, tt.want)
		}
	}
	if CoveredByPrefixRules([]string{"git", "pull"}, nil) {
		t.Error("no rules cover a command")
	}
}

func TestForCommandPrefixRules(t *testing.T) {
	t.Parallel()
	ws := protocol.SandboxPolicy{Mode: protocol.SandboxWorkspaceWrite}
	approved := [][]string{{"git", "pull"}}
	pull := []string{"git", "pull"}
	tests := []struct {
		name   string
		policy protocol.ApprovalPolicy
		cmd    Command
		want   Decision
	}{
		{"covered runs outside the sandbox without asking", protocol.ApprovalOnRequest,
			Command{Argv: pull, Escalate: true, PrefixRules: approved},
			Decision{Action: Run, Unsandboxed: true, Reason: ReasonPrefixRule}},
		{"covered without an escalation request too", protocol.ApprovalUntrusted,
			Command{Argv: pull, PrefixRules: approved},
			Decision{Action: Run, Unsandboxed: true, Reason: ReasonPrefixRule}},
		{"not under never", protocol.ApprovalNever,
			Command{Argv: pull, Escalate: true, PrefixRules: approved},
			Decision{Action: Deny, Reason: ReasonEscalateDenied}},
		{"not under never, sandboxed", protocol.ApprovalNever,
			Command{Argv: pull, PrefixRules: approved},
			Decision{Action: Run}},
		{"not covered asks with the proposal", protocol.ApprovalOnRequest,
			Command{Argv: []string{"git", "push"}, Escalate: true, PrefixRule: []string{"git", "push"}, PrefixRules: approved},
			Decision{Action: Ask, Unsandboxed: true, Reason: ReasonEscalation, ProposedPrefixRule: []string{"git", "push"}}},
		{"a proposal that does not cover the command is dropped", protocol.ApprovalOnRequest,
			Command{Argv: []string{"git", "push"}, Escalate: true, PrefixRule: []string{"git", "pull"}},
			Decision{Action: Ask, Unsandboxed: true, Reason: ReasonEscalation}},
		{"no proposal without an escalation request", protocol.ApprovalUntrusted,
			Command{Argv: []string{"make"}, PrefixRule: []string{"make"}},
			Decision{Action: Ask, Reason: ReasonNotKnownSafe}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ForCommand(tt.policy, ws, tt.cmd)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ForCommand mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrefixRuleFile(t *testing.T) {
	t.Parallel()
	rule := []string{"git", "pull", `a"b`}
	line := FormatPrefixRule(rule)
	if want := `prefix_rule(pattern=["git", "pull", "a\"b"], decision="allow")`; line != want {
		t.Errorf("FormatPrefixRule = %s, want %s", line, want)
	}
	text := "# saved by kodex\n" + line + "\n\n" +
		`prefix_rule(pattern=["rm"], decision="forbidden")` + "\n" +
		`prefix_rule(pattern=["bash"], decision="allow")` + "\n" +
		FormatPrefixRule([]string{"npm", "test"}) + "\n"
	rules, errs := ParsePrefixRules(text)
	if diff := cmp.Diff([][]string{rule, {"npm", "test"}}, rules); diff != "" {
		t.Errorf("ParsePrefixRules rules mismatch (-want +got):\n%s", diff)
	}
	if len(errs) != 2 {
		t.Errorf("ParsePrefixRules errs = %v, want the forbidden rule and the bash rule", errs)
	}
}
