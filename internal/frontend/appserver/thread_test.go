package appserver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// TestOutputTextKeepsRunes: a UTF-8 sequence cut between two output chunks
// reaches the client whole, in the later delta.
func TestOutputTextKeepsRunes(t *testing.T) {
	t.Parallel()
	ts := &threadState{partial: map[string][]byte{}}
	in := []byte("héllo wörld ✓")
	var out strings.Builder
	for i := range in { // one byte at a time: every cut there is
		d := ts.text("c", in[i:i+1], false)
		if strings.ContainsRune(d, '\uFFFD') {
			t.Fatalf("chunk %d: a cut rune was sent: %q", i, d)
		}
		out.WriteString(d)
	}
	out.WriteString(ts.text("c", nil, true))
	if out.String() != string(in) {
		t.Errorf("got %q, want %q", out.String(), in)
	}
}

func TestReviewDecision(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want protocol.ReviewDecision
	}{
		{`"accept"`, protocol.DecisionApproved},
		{`"acceptForSession"`, protocol.DecisionApprovedForSession},
		{`"decline"`, protocol.DecisionDenied},
		{`"cancel"`, protocol.DecisionAbort},
		{`{"acceptWithExecpolicyAmendment":{"execpolicy_amendment":["ls"]}}`, protocol.DecisionApproved}, // none proposed
		{`{"acceptWithExecpolicyAmendment":{"execpolicy_amendment":["git","pull"]}}`, protocol.DecisionApprovedPrefixRule},
		{`{"acceptWithExecpolicyAmendment":{"execpolicy_amendment":["git"]}}`, protocol.DecisionApproved}, // not the one proposed
		{`{"applyNetworkPolicyAmendment":{"network_policy_amendment":{}}}`, protocol.DecisionApproved},
		{`"something new"`, protocol.DecisionDenied},
		{`null`, protocol.DecisionDenied},
	} {
		proposal := []string{"git", "pull"}
		if strings.Contains(tt.in, `["ls"]`) {
			proposal = nil
		}
		if got := reviewDecision(json.RawMessage(tt.in), proposal); got != tt.want {
			t.Errorf("reviewDecision(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestShellJoin(t *testing.T) {
	t.Parallel()
	got := shellJoin([]string{"bash", "-lc", "echo 'hi' > f", ""})
	want := `bash -lc 'echo '\''hi'\'' > f' ''`
	if got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}

func TestMethodsHaveHandlers(t *testing.T) {
	t.Parallel()
	for _, m := range Methods() {
		if handlerFor(m) == nil {
			t.Errorf("%s is listed but has no handler", m)
		}
	}
}
