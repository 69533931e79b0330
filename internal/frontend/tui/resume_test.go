package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Tab in the /resume picker switches between this directory's sessions and
// all directories'.
func TestResumePickerTabTogglesAll(t *testing.T) {
	t.Parallel()
	updated := time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)
	var calls []bool
	var resumed string
	h := newHarness(t, Options{
		ListSessions: func(all bool) ([]SessionSummary, error) {
			calls = append(calls, all)
			out := []SessionSummary{{ID: "here-1", Cwd: "/home/me/project", Updated: updated, Preview: "fix the flaky test", Turns: 3}}
			if all {
				out = append(out, SessionSummary{ID: "there-1", Cwd: "/home/me/other", Updated: updated, Preview: "write docs"})
			}
			return out, nil
		},
		ResumeSession: func(id string) (Session, error) { resumed = id; return newFakeSession(), nil },
	})
	h.typeText("/resume")
	h.run(h.key("enter"))
	f := h.frame()
	if !strings.Contains(f, "Resume a session in this directory") || !strings.Contains(f, "tab all directories") ||
		!strings.Contains(f, "fix the flaky test") || !strings.Contains(f, "3 turns") || strings.Contains(f, "write docs") {
		t.Fatalf("picker of this directory:\n%s", f)
	}

	h.run(h.key("tab"))
	f = h.frame()
	if !strings.Contains(f, "Resume a session (all directories)") || !strings.Contains(f, "tab this directory") ||
		!strings.Contains(f, "write docs") || !strings.Contains(f, "/home/me/other") {
		t.Fatalf("picker of all directories:\n%s", f)
	}

	h.run(h.key("tab"))
	if f := h.frame(); !strings.Contains(f, "Resume a session in this directory") || strings.Contains(f, "write docs") {
		t.Fatalf("second Tab did not go back to this directory:\n%s", f)
	}

	h.run(h.key("tab"))
	h.key("down")
	h.run(h.key("enter"))
	if resumed != "there-1" {
		t.Errorf("resumed %q, want there-1", resumed)
	}
	if diff := cmp.Diff([]bool{false, true, false, true}, calls); diff != "" {
		t.Errorf("ListSessions(all) calls (-want +got):\n%s", diff)
	}
}

// A list that arrives after the picker was closed does not reopen it.
func TestResumePickerClosedWhileListing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{
		ListSessions:  func(bool) ([]SessionSummary, error) { return nil, nil },
		ResumeSession: func(string) (Session, error) { return newFakeSession(), nil },
	})
	h.typeText("/resume --all")
	h.run(h.key("enter"))
	if f := h.frame(); !strings.Contains(f, "(all directories)") || !strings.Contains(f, "nothing to choose") {
		t.Fatalf("picker of all directories:\n%s", f)
	}
	cmd := h.key("tab")
	h.key("esc")
	h.run(cmd)
	if h.m.overlay != nil {
		t.Errorf("picker reopened after Esc:\n%s", h.frame())
	}
}

// The picker shows a session's name and that a fork is one (a fork opens
// with its source's first message, so the rows looked alike).
func TestResumePickerShowsNamesAndForks(t *testing.T) {
	t.Parallel()
	updated := time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)
	h := newHarness(t, Options{
		ListSessions: func(bool) ([]SessionSummary, error) {
			return []SessionSummary{
				{ID: "01a24528-7478-7000-8000-000000000002", Updated: updated, Preview: "hello first", Turns: 2, ForkedFrom: "01a24521-4921-7000-8000-000000000001"},
				{ID: "01a24521-4921-7000-8000-000000000001", Updated: updated, Preview: "hello first", Turns: 1, Name: "the original"},
			}, nil
		},
		ResumeSession: func(string) (Session, error) { return newFakeSession(), nil },
	})
	h.typeText("/resume")
	h.run(h.key("enter"))
	f := h.frame()
	for _, want := range []string{"(fork of 01a24521-4921) hello first", "[the original] hello first"} {
		if !strings.Contains(f, want) {
			t.Errorf("picker lacks %q:\n%s", want, f)
		}
	}
}
