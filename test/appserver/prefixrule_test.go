package appserver_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// TestPrefixRuleApproval: an escalation that comes with a prefix rule is
// asked with Codex's proposedExecpolicyAmendment; accepted with
// acceptWithExecpolicyAmendment, the rule is saved where kodex keeps them
// ($KODEX_HOME/rules/default.rules) and the next command it covers runs
// outside the sandbox without asking, while one it does not cover asks.
func TestPrefixRuleApproval(t *testing.T) {
	t.Parallel()
	srv := modeltest.New(t,
		modeltest.Calls(modeltest.FunctionCall("shell_command", `{"command":"touch ../outside-1","sandbox_permissions":"require_escalated","justification":"make a file","prefix_rule":["touch"]}`)),
		modeltest.Calls(modeltest.FunctionCall("shell_command", `{"command":"touch ../outside-2","sandbox_permissions":"require_escalated","prefix_rule":["touch"]}`)),
		modeltest.Calls(modeltest.FunctionCall("shell_command", `{"command":"touch ../outside-3 > ../outside-4","sandbox_permissions":"require_escalated","prefix_rule":["touch"]}`)),
		modeltest.Text("done"),
	)
	e := newEnv(t, srv.URL())
	s := e.start(t)
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work, "approvalPolicy": "on-request", "sandbox": "workspace-write"})
	startTurn(t, s, thread, "make files")

	ask := s.next("item/commandExecution/requestApproval")
	first := params[struct {
		ProposedExecpolicyAmendment []string `json:"proposedExecpolicyAmendment"`
	}](t, ask)
	if !slices.Equal(first.ProposedExecpolicyAmendment, []string{"touch"}) {
		t.Fatalf("approval request %s, want proposedExecpolicyAmendment [touch]", ask.raw)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":{"acceptWithExecpolicyAmendment":{"execpolicy_amendment":["touch"]}}}}`)

	// The second command is covered: the next question is the third's,
	// which has a redirection and offers no rule.
	ask = s.next("item/commandExecution/requestApproval")
	third := params[struct {
		Command                     string   `json:"command"`
		ProposedExecpolicyAmendment []string `json:"proposedExecpolicyAmendment"`
	}](t, ask)
	if third.ProposedExecpolicyAmendment != nil || !strings.Contains(third.Command, "outside-3 >") {
		t.Errorf("third approval request %s, want the redirecting command without a proposal", ask.raw)
	}
	s.send(`{"id":` + string(ask.ID) + `,"result":{"decision":"decline"}}`)
	s.until("turn/completed")

	dir := filepath.Dir(e.work)
	for name, want := range map[string]bool{"outside-1": true, "outside-2": true, "outside-3": false, "outside-4": false} {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", name, err == nil, want)
		}
	}
	b, err := os.ReadFile(filepath.Join(e.home, "rules", "default.rules"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "prefix_rule(pattern=[\"touch\"], decision=\"allow\")\n"; got != want {
		t.Errorf("rules file = %q, want %q", got, want)
	}
}
