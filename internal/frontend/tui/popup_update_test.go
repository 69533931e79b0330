package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// fakePopupSource lists fixed commands and files, by prefix.
type fakePopupSource struct{ commands, files []string }

func (s fakePopupSource) matchCommands(q string) []popupItem { return prefixed(s.commands, q, "/") }
func (s fakePopupSource) matchFiles(q string) []popupItem    { return prefixed(s.files, q, "") }

func prefixed(names []string, q, mark string) []popupItem {
	var out []popupItem
	for _, n := range names {
		if strings.HasPrefix(n, q) {
			out = append(out, popupItem{label: mark + n, desc: "about " + n})
		}
	}
	return out
}

var popupSrc = fakePopupSource{commands: []string{"model", "mcp", "mention", "new"}, files: []string{"go.mod", "main.go", "my notes.md"}}

// The popup's refresh and update, alone: the composer's text in, the items
// and the popup's result out.
func TestPopupUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		text        string
		keys        []string
		wantItems   []string
		want        tea.Msg
		wantHandled bool
	}{
		{"slash lists commands", "/m", nil, []string{"/model", "/mcp", "/mention"}, nil, false},
		{"down moves", "/m", []string{"down"}, []string{"/model", "/mcp", "/mention"}, nil, true},
		{"tab completes", "/m", []string{"down", "tab"}, []string{"/model", "/mcp", "/mention"}, popupChosen{kind: popupSlash, label: "/mcp"}, true},
		{"enter sends a command", "/m", []string{"up", "enter"}, []string{"/model", "/mcp", "/mention"}, popupChosen{kind: popupSlash, label: "/mention", send: true}, true},
		{"enter completes a file", "see @ma", []string{"enter"}, []string{"main.go"}, popupChosen{kind: popupFile, label: "main.go"}, true},
		{"letters go to the composer", "/m", []string{"o"}, []string{"/model", "/mcp", "/mention"}, nil, false},
		{"no match leaves keys to the composer", "/zz", []string{"enter"}, []string{""}, nil, false},
		{"a space ends the slash popup", "/m x", []string{"enter"}, nil, nil, false},
		{"no popup for plain text", "hello", []string{"tab"}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c textarea
			c.setValue(tt.text)
			p := popupState{src: popupSrc}
			p.refresh(&c)
			var labels []string
			for _, it := range p.items {
				labels = append(labels, it.label)
			}
			if diff := cmp.Diff(tt.wantItems, labels); diff != "" {
				t.Errorf("items mismatch (-want +got):\n%s", diff)
			}
			var got tea.Msg
			var handled bool
			for _, k := range tt.keys {
				got, handled = p.update(keyMsg(k))
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(popupChosen{})); diff != "" {
				t.Errorf("result mismatch (-want +got):\n%s", diff)
			}
			if handled != tt.wantHandled {
				t.Errorf("handled = %v, want %v", handled, tt.wantHandled)
			}
		})
	}
}

// Esc closes the popup for the text it was open for; an edit reopens it.
func TestPopupDismiss(t *testing.T) {
	t.Parallel()
	var c textarea
	c.setValue("/m")
	p := popupState{src: popupSrc}
	p.refresh(&c)
	p.dismiss(c.value())
	p.refresh(&c)
	if p.active() {
		t.Error("the popup reopens for the text it was closed for")
	}
	c.insert("c")
	p.refresh(&c)
	if !p.active() || p.items[0].label != "/mcp" {
		t.Errorf("an edit does not reopen the popup: %+v", p.items)
	}
}

// Completing an item into the composer.
func TestTextareaComplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, item string
		file       bool
		want       string
	}{
		{"/mo", "/model", false, "/model "},
		{"look at @ma", "main.go", true, "look at main.go "},
		{"look at @my", "my notes.md", true, `look at "my notes.md" `},
	}
	for _, tt := range tests {
		var c textarea
		c.setValue(tt.text)
		c.complete(tt.item, tt.file)
		if got := c.value(); got != tt.want {
			t.Errorf("complete(%q, %q) = %q, want %q", tt.text, tt.item, got, tt.want)
		}
	}
}

// The @ popup as it is drawn.
func TestFilePopupGolden(t *testing.T) {
	t.Parallel()
	var c textarea
	c.setValue("see @")
	p := popupState{src: popupSrc}
	p.refresh(&c)
	p.update(keyMsg("down"))
	golden(t, "popup_file", ansi.Strip(p.view(60, 8)))
}
