package tui

import (
	"errors"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// /fork swaps to the session ForkSession opens, replaying its history, and
// says so; an error is said and the session stays.
func TestForkCommand(t *testing.T) {
	t.Parallel()
	forked := newFakeSession()
	h := newHarness(t, Options{ForkSession: func() (Session, error) { return forked, nil }})
	old := h.m.session
	h.typeText("/fork")
	h.run(h.key("enter"))
	if h.m.session != Session(forked) || h.m.session == old {
		t.Fatalf("the session was not swapped to the fork")
	}
	if sb := h.scrollback(); !strings.Contains(sb, "Forked: this is a new session with a copy of the conversation") {
		t.Errorf("no fork notice:\n%s", sb)
	}
	if ops := h.sink.reset(); len(ops) != 1 || ops[0] != (protocol.Shutdown{}) {
		t.Errorf("ops = %v, want the old session shut down", ops)
	}

	h2 := newHarness(t, Options{ForkSession: func() (Session, error) {
		return nil, errors.New("this session is not recorded, so there is nothing to fork")
	}})
	before := h2.m.session
	h2.typeText("/fork")
	h2.run(h2.key("enter"))
	if h2.m.session != before {
		t.Errorf("a failed fork swapped the session")
	}
	if sb := h2.scrollback(); !strings.Contains(sb, "nothing to fork") {
		t.Errorf("the error is not shown:\n%s", sb)
	}
}
