package tui_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/frontend/tui/tuitest"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// Screen integrity: whatever the terminal's size, inline or in the
// alternate screen, a cell of any height reaches the scrollback whole and in
// order, popups and modals leave nothing behind, and the frame under them
// (composer, status line) is never broken.

var sizes = []struct{ w, h int }{{40, 12}, {80, 24}, {200, 60}}

func eachSize(t *testing.T, run func(t *testing.T, w, h int, alt bool)) {
	for _, sz := range sizes {
		for _, alt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d/alt=%v", sz.w, sz.h, alt), func(t *testing.T) {
				t.Parallel()
				run(t, sz.w, sz.h, alt)
			})
		}
	}
}

func modeArgs(alt bool, args ...string) []string {
	if alt {
		return append([]string{"--alt-screen"}, args...)
	}
	return args
}

// idleStatusRE is a whole status line: model · preset · sandbox, then the
// token counts once a turn ran.
// A narrow screen cuts it with an ellipsis.
var idleStatusRE = regexp.MustCompile(`^ gpt-[\w.-]+ · [\w-]+ · [\w-]+( · \d+% context used · [\d.]+k? tokens)?$|^ gpt-[\w.-]+ · .*…$`)

// intactFrame waits until the screen ends with the idle composer over a
// whole status line (the frame may be seen half drawn), then checks that no
// row is wider than the screen.
func intactFrame(t *testing.T, term *tuitest.Terminal, w int) {
	t.Helper()
	want := "› " + composerHint
	var screen string
	_, err := term.WaitFor(timeout, func(string) bool {
		screen = term.Screen()
		lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
		n := len(lines)
		return n >= 2 && idleStatusRE.MatchString(lines[n-1]) && strings.HasPrefix(lines[n-2], want)
	})
	if err != nil {
		t.Fatalf("no idle composer over a whole status line: %v", err)
	}
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if n := len([]rune(l)); n > w {
			t.Errorf("row %d is %d columns on a %d-column screen: %q", i, n, w, l)
		}
	}
}

var pasteRowRE = regexp.MustCompile(`paste row (\d+)\b`)

// pasteRows returns the numbers of the pasted rows in the order text shows them.
func pasteRows(text string) []int {
	var out []int
	for _, m := range pasteRowRE.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// (1) A message taller than the screen: every row reaches the scrollback,
// once and in order; no stale paste placeholder or blank run is left behind,
// and the composer and status line stay whole.
func TestTallCellIntegrity(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		rows := 2*h + 7
		e := newEnv(t, true, modeltest.Text("Read all of it."))
		term, _ := e.startSized(w, h, modeArgs(alt)...)
		waitScreen(t, term, composerHint)
		var paste strings.Builder
		for i := 1; i <= rows; i++ {
			fmt.Fprintf(&paste, "paste row %d\n", i)
		}
		must(t, term.Paste(paste.String()))
		wait(t, term, "[Pasted text #1")
		must(t, term.Press("enter"))
		wait(t, term, "Read all of it.")
		intactFrame(t, term, w)
		if alt {
			// The transcript scrolls inside the screen: its last rows show.
			if got := pasteRows(term.Screen()); len(got) == 0 && h > 12 {
				t.Errorf("the message's last rows are not on the screen:\n%s", term.Screen())
			}
			return
		}
		all := quit(t, term)
		got := pasteRows(all)
		if len(got) != rows {
			t.Fatalf("scrollback holds %d pasted rows, want %d:\n%s", len(got), rows, all)
		}
		for i, n := range got {
			if n != i+1 {
				t.Fatalf("pasted row %d is row %d of the scrollback's: lost or reordered:\n%s", n, i+1, all)
			}
		}
		if strings.Contains(all, "[Pasted text") {
			t.Errorf("a stale paste placeholder is left in the scrollback:\n%s", all)
		}
		if strings.Contains(all, "\n\n\n\n") {
			t.Errorf("a run of blank rows is left in the scrollback:\n%s", all)
		}
	})
}

// (5) A slash command's popup and the composer it was typed in never reach
// the scrollback.
func TestSlashPopupLeavesNothing(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		e := newEnv(t, true)
		term, _ := e.startSized(w, h, modeArgs(alt)...)
		waitScreen(t, term, composerHint)
		must(t, term.Type("/"))
		waitScreen(t, term, "/approvals")
		must(t, term.Type("status"))
		must(t, term.Press("enter"))
		wait(t, term, "Session:")
		intactFrame(t, term, w)
		if alt {
			return
		}
		all := quit(t, term)
		for _, stale := range []string{composerHint, "choose what kodex may do", "› /"} {
			if strings.Contains(all, stale) {
				t.Errorf("%q is left in the scrollback:\n%s", stale, all)
			}
		}
	})
}

// (2) The approval modal fits every screen, keeps its keys visible, and
// leaves nothing behind once answered.
func TestModalFitsAndLeavesNothing(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		script := "touch made.txt && echo one && echo two && echo three && echo four && echo five"
		e := newEnv(t, true,
			modeltest.Calls(modeltest.FunctionCall("shell", shellArgs("sh", "-c", script))),
			modeltest.Response{Text: "Ran it: ", EchoToolOutput: true},
		)
		term, _ := e.startSized(w, h, modeArgs(alt, "-a", "untrusted")...)
		prompt(t, term, "run the script")
		screen := waitScreen(t, term, "Allow this command?")
		if _, err := term.WaitFor(timeout, func(string) bool {
			screen = term.Screen()
			return strings.Contains(screen, "esc") && strings.Contains(screen, "╰")
		}); err != nil {
			t.Fatalf("the modal's keys or its lower border are not on the screen:\n%s", screen)
		}
		for _, want := range []string{"y yes", "n no", "touch made.txt"} {
			if !strings.Contains(screen, want) {
				t.Errorf("modal lacks %q:\n%s", want, screen)
			}
		}
		if got := strings.Count(screen, "Allow this command?"); got != 1 {
			t.Errorf("the modal's title shows %d times:\n%s", got, screen)
		}
		must(t, term.Type("y"))
		wait(t, term, "Ran it:")
		intactFrame(t, term, w)
		if alt {
			if s := term.Screen(); strings.Contains(s, "Allow this command?") {
				t.Errorf("the answered modal is still drawn:\n%s", s)
			}
			return
		}
		all := quit(t, term)
		for _, stale := range []string{"Allow this command?", "y yes", "esc abort"} {
			if strings.Contains(all, stale) {
				t.Errorf("the modal's %q is left in the scrollback:\n%s", stale, all)
			}
		}
	})
}

// (3) Text a terminal may measure differently from kodex (emoji with skin
// tones, joined emoji, combining marks) never breaks the frame, whether the
// terminal counts grapheme clusters or code points: the composer and the
// status line under it stay whole, and no character of the answer is lost
// from the scrollback.
func TestWideGraphemesKeepTheFrame(t *testing.T) {
	for _, codePoints := range []bool{false, true} {
		t.Run(fmt.Sprintf("codepoints=%v", codePoints), func(t *testing.T) {
			t.Parallel()
			wideGraphemes(t, tuitest.Options{CodePoints: codePoints})
		})
	}
}

func wideGraphemes(t *testing.T, opts tuitest.Options) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		line := "Thumbs 👍🏽 up, cafe\u0301 and na\u0308ive, family 👨‍👩‍👧 " + strings.Repeat("x", w-30) + " 👍🏽👍🏽 e\u0301e\u0301 done"
		answer := line + "\n\n" + line + " again"
		e := newEnv(t, true, modeltest.Response{Text: answer, DelayMS: 2})
		term, _ := e.startWith(w, h, opts, modeArgs(alt)...)
		prompt(t, term, "say it")
		wait(t, term, "Thumbs")
		turnEnded(t, term)
		intactFrame(t, term, w)
		if alt {
			return
		}
		all := quit(t, term)
		// No row lost: the blank rows between the cells and the
		// paragraphs are all there.
		for _, want := range []string{"› say it\n\n• Thumbs", "done\n\n  Thumbs"} {
			if !strings.Contains(all, want) {
				t.Errorf("the scrollback lost a row: no %q in\n%s", want, all)
			}
		}
		flat := strings.NewReplacer("\n", "", " ", "").Replace(all)
		if want := strings.ReplaceAll(line+"again", " ", ""); !strings.Contains(flat, want) {
			t.Errorf("the answer lost characters in the scrollback:\n%s", all)
		}
	})
}

// turnEnded waits, once the turn has shown something, until the composer
// says it is idle again (while a turn runs it offers to queue a message).
func turnEnded(t *testing.T, term *tuitest.Terminal) {
	t.Helper()
	if _, err := term.WaitFor(timeout, func(string) bool { return strings.Contains(term.Screen(), composerHint) }); err != nil {
		t.Fatalf("the turn did not end: %v", err)
	}
}

// An empty session is not advertised on exit: not when nothing was asked,
// not after /new; a session with a turn is.
func TestExitAdvertisesOnlyASessionWithATurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, modeltest.Text("Hello there."), modeltest.Text("Hello there."))
	term, _ := e.start()
	prompt(t, term, "say hello")
	wait(t, term, "Hello there.")
	turnEnded(t, term)
	must(t, term.Type("/new"))
	waitScreen(t, term, "start a new session")
	must(t, term.Press("enter"))
	wait(t, term, "Started a new session.")
	if all := quit(t, term); strings.Contains(all, "To continue this session") {
		t.Errorf("an empty session is advertised after /new:\n%s", all)
	}

	term, _ = e.start()
	prompt(t, term, "say hello")
	wait(t, term, "Hello there.")
	turnEnded(t, term)
	if all := quit(t, term); !strings.Contains(all, "To continue this session, run kodex resume") {
		t.Errorf("a session with a turn is not advertised:\n%s", all)
	}
}

// Ctrl+G opens the message in $VISUAL/$EDITOR (arguments allowed); what the
// editor saves is the message, and the screen comes back whole.
func TestEditorEditsTheMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, modeltest.Text("Got it."))
	editor := filepath.Join(e.home, "editor.sh")
	must(t, os.WriteFile(editor, []byte("#!/bin/sh\n# $1 is --flag, $2 the file\n[ \"$1\" = --flag ] || exit 3\nprintf ' and a line from the editor\\n' >> \"$2\"\n"), 0o755))
	e.extraEnv = []string{"VISUAL=" + editor + " --flag"}
	term, _ := e.start()
	waitScreen(t, term, composerHint)
	must(t, term.Type("draft"))
	waitScreen(t, term, "› draft")
	must(t, term.Press("ctrl+g"))
	waitScreen(t, term, "› draft and a line from the editor")
	must(t, term.Press("enter"))
	wait(t, term, "Got it.")
	turnEnded(t, term)
	intactFrame(t, term, width)
	reqs := e.srv.Requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Raw), "draft and a line from the editor") {
		t.Errorf("the model did not get the edited message")
	}
}

// (6) The reasoning summary shows where the model produced it: before the
// answer that streams after it, once.
func TestReasoningBeforeTheAnswer(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		answer := "First paragraph of the answer.\n\nSecond paragraph of the answer.\n\nThird and last."
		e := newEnv(t, true, modeltest.Response{Reasoning: "**Weighing** the options", Text: answer, DelayMS: 2})
		term, _ := e.startSized(w, h, modeArgs(alt)...)
		prompt(t, term, "think")
		wait(t, term, "Third and last.")
		turnEnded(t, term)
		intactFrame(t, term, w)
		text := term.Screen()
		if !alt {
			text = quit(t, term)
		}
		r, a := strings.Index(text, "Weighing the options"), strings.Index(text, "First paragraph")
		if r < 0 || a < 0 {
			if alt && h < 24 { // a short alt screen may have scrolled the reasoning away
				return
			}
			t.Fatalf("reasoning at %d, answer at %d:\n%s", r, a, text)
		}
		if r > a || strings.Count(text, "Weighing the options") != 1 {
			t.Errorf("the reasoning is not once, before the answer:\n%s", text)
		}
	})
}

// (2b) A picker and the help fit the frame at every size: their title,
// borders and keys are on the screen (a short screen shows fewer items, or
// scrolls), labels that differ only at the end stay apart, and once closed
// nothing of them is left in the scrollback (issue 12).
func TestOverlayFitsAndLeavesNothing(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		e := newEnv(t, true)
		term, _ := e.startSized(w, h, modeArgs(alt)...)
		waitScreen(t, term, composerHint)
		onScreen := func(what string, want ...string) string {
			t.Helper()
			var screen string
			if _, err := term.WaitFor(timeout, func(string) bool {
				screen = term.Screen()
				for _, s := range want {
					if !strings.Contains(screen, s) {
						return false
					}
				}
				return true
			}); err != nil {
				t.Fatalf("%s: not all of %q on the screen:\n%s", what, want, screen)
			}
			return screen
		}
		gone := func(what, text string) {
			t.Helper()
			if _, err := term.WaitFor(timeout, func(string) bool { return !strings.Contains(term.Screen(), text) }); err != nil {
				t.Fatalf("%s is still drawn:\n%s", what, term.Screen())
			}
		}

		must(t, term.Type("/model"))
		waitScreen(t, term, "choose the model")
		must(t, term.Press("enter"))
		onScreen("/model", "╭", "Choose a model", "enter choose", "esc cancel", "╰")
		must(t, term.Press("down")) // the configured model (gpt-5.1-codex) is first
		onScreen("/model, one down", "Choose a model", "› gpt-5.1-codex-mini", "esc cancel", "╰")
		must(t, term.Press("esc"))
		gone("the closed picker", "Choose a model")
		intactFrame(t, term, w)

		must(t, term.Type("?"))
		onScreen("help", "Keys", "enter", "send (queued", "close")
		for range 30 {
			must(t, term.Press("down"))
		}
		onScreen("help, scrolled down", "Keys", "approval: yes", "close")
		must(t, term.Press("esc"))
		gone("the closed help", "approval: yes")
		intactFrame(t, term, w)
		if alt {
			return
		}
		all := quit(t, term)
		for _, stale := range []string{"Choose a model", "esc cancel", "gpt-5.1-codex-mini", "shift+enter", "approval: yes"} {
			if strings.Contains(all, stale) {
				t.Errorf("the overlay's %q is left in the scrollback:\n%s", stale, all)
			}
		}
	})
}

// (2c) The Ctrl+R history search fits the frame at every size: its query
// line, its match and its keys are on the screen, and once closed nothing
// of it is left in the scrollback (issue 12).
func TestHistorySearchFitsAndLeavesNothing(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int, alt bool) {
		e := newEnv(t, true)
		var hist strings.Builder
		for _, p := range []string{"fix the flaky test", "deploy the staging server"} {
			fmt.Fprintf(&hist, "{\"text\":%q,\"ts\":1}\n", p)
		}
		if err := os.WriteFile(filepath.Join(e.kodexHome, "history.jsonl"), []byte(hist.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		term, _ := e.startSized(w, h, modeArgs(alt)...)
		waitScreen(t, term, composerHint)
		onScreen := func(what string, want ...string) {
			t.Helper()
			var screen string
			if _, err := term.WaitFor(timeout, func(string) bool {
				screen = term.Screen()
				for _, s := range want {
					if !strings.Contains(screen, s) {
						return false
					}
				}
				return true
			}); err != nil {
				t.Fatalf("%s: not all of %q on the screen:\n%s", what, want, screen)
			}
		}

		must(t, term.Press("ctrl+r"))
		onScreen("ctrl+r", "history search:", "deploy the staging server", "esc cancel")
		must(t, term.Type("flaky"))
		onScreen("ctrl+r flaky", "history search: flaky", "fix the flaky test", "enter use", "esc cancel")
		must(t, term.Press("esc"))
		if _, err := term.WaitFor(timeout, func(string) bool { return !strings.Contains(term.Screen(), "history search") }); err != nil {
			t.Fatalf("the closed history search is still drawn:\n%s", term.Screen())
		}
		intactFrame(t, term, w)
		if alt {
			return
		}
		all := quit(t, term)
		for _, stale := range []string{"history search", "fix the flaky test", "esc cancel", "enter use"} {
			if strings.Contains(all, stale) {
				t.Errorf("the history search's %q is left in the scrollback:\n%s", stale, all)
			}
		}
	})
}
