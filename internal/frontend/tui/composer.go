package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
)

const (
	// pasteCollapseChars and pasteCollapseLines: larger pastes become a
	// placeholder, expanded on submit.
	pasteCollapseChars = 1000
	pasteCollapseLines = 10
	// composerRows is the composer's maximum height.
	composerRows = 10
)

// composer is the prompt the user writes: its text, the collapsed pastes
// and attached images in it, and the prompt history Up/Down and Ctrl+R
// browse. Its update edits the text and returns what the root is to do
// with the rest (see route.go).
type composer struct {
	textarea
	prompts *promptHistory
	pastes  []paste
	images  []string
}

// paste is a collapsed paste: placeholder in the composer, text on submit.
type paste struct{ placeholder, text string }

// Results of the composer.
type (
	// submitAsked: Enter; the root sends what the composer holds.
	submitAsked struct{}
	// edited: the text changed; the root refreshes the popup.
	edited struct{}
	// openOverlay opens an overlay (the help, the history search).
	openOverlay struct{ o overlay }
	// editorAsked: Ctrl+G, edit the text in the user's editor.
	editorAsked struct{}
	// imagePasteAsked: Ctrl+V, attach the clipboard's image.
	imagePasteAsked struct{}
)

// update handles a key the composer has the focus for; width is the
// frame's. It edits the text or browses the history itself.
func (c *composer) update(key tea.KeyPressMsg, width int) tea.Msg {
	k := key.String()
	switch k {
	case "?":
		if c.empty() {
			return openOverlay{&helpOverlay{}}
		}
	case "enter":
		return submitAsked{}
	case "up", "down":
		c.browse(k, width)
		return nil
	case "tab":
		return nil
	case "ctrl+v":
		return imagePasteAsked{}
	case "ctrl+g":
		return editorAsked{}
	case "ctrl+r":
		return openOverlay{newHistorySearch(c.prompts)}
	}
	c.editKey(k, key.Text)
	return edited{}
}

// browse moves through the prompt history when the composer is empty or
// shows a recalled entry; else it moves the cursor a row.
func (c *composer) browse(k string, width int) {
	cur := c.value()
	if !c.prompts.browsing(cur) {
		dir := -1
		if k == "down" {
			dir = 1
		}
		c.vertical(dir, composerTextWidth(width))
		return
	}
	var text string
	var ok bool
	if k == "up" {
		text, ok = c.prompts.prev(cur)
	} else {
		text, ok = c.prompts.next()
	}
	if ok {
		c.setValue(text)
	}
}

// paste inserts pasted text (line ends already "\n"): a large paste
// becomes a placeholder and a pasted image path an image attachment.
func (c *composer) paste(text, cwd string) tea.Msg {
	if p, ok := imagePath(text, cwd); ok {
		c.attachImage(p)
		return nil
	}
	lines := pasteLines(text)
	if len(text) > pasteCollapseChars || lines > pasteCollapseLines {
		ph := fmt.Sprintf("[Pasted text #%d +%d lines]", len(c.pastes)+1, lines)
		c.pastes = append(c.pastes, paste{ph, text})
		c.atoms = append(c.atoms, ph)
		c.insert(ph)
		return nil
	}
	c.insert(text)
	return edited{}
}

// pasteLines counts the lines of a paste as an editor does: a final newline
// ends the last line, it does not start another.
func pasteLines(text string) int {
	if text == "" {
		return 0
	}
	return strings.Count(strings.TrimSuffix(text, "\n"), "\n") + 1
}

// imagePath reports whether a paste is the path of an image file.
func imagePath(text, cwd string) (string, bool) {
	p := strings.Trim(strings.TrimSpace(text), `'"`)
	switch strings.ToLower(filepath.Ext(p)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
	default:
		return "", false
	}
	p = strings.TrimPrefix(p, "file://")
	if !filepath.IsAbs(p) && cwd != "" {
		p = filepath.Join(cwd, p)
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return "", false
	}
	return p, true
}

// attachImage adds an image to the next message, shown as a chip that
// Backspace deletes whole.
func (c *composer) attachImage(path string) {
	c.images = append(c.images, path)
	chip := imageChip(path)
	c.atoms = append(c.atoms, chip)
	c.insert(chip)
}

func imageChip(path string) string { return fmt.Sprintf("[image %s]", filepath.Base(path)) }

// clear empties the composer (Ctrl+C).
func (c *composer) clear() {
	c.reset()
	c.pastes = nil
}

// take empties the composer into a message: it records the text in the
// prompt history and returns it with the pastes expanded and the images
// whose chips are still in it.
func (c *composer) take(now time.Time) (text string, images []string) {
	raw := c.value()
	c.prompts.add(raw, now)
	images = c.attachedImages(raw)
	text = c.expandPastes(raw)
	c.reset()
	c.pastes, c.images = nil, nil
	return text, images
}

func (c *composer) expandPastes(s string) string {
	for _, p := range c.pastes {
		s = strings.Replace(s, p.placeholder, p.text, 1)
	}
	for _, img := range c.images {
		s = strings.Replace(s, imageChip(img), "", 1)
	}
	return strings.TrimSpace(s)
}

// attachedImages returns the images whose chips are still in the text (a
// chip deleted with Backspace drops its image).
func (c *composer) attachedImages(text string) []string {
	var out []string
	for _, img := range c.images {
		chip := imageChip(img)
		if i := strings.Index(text, chip); i >= 0 {
			text = text[:i] + text[i+len(chip):]
			out = append(out, img)
		}
	}
	return out
}

// composerTextWidth is the text width inside the "› " prompt of a frame
// width wide.
func composerTextWidth(width int) int { return width - 3 }

// view renders the prompt rows for a frame width wide and the cursor's
// place in them; running changes the placeholder.
func (c *composer) view(width int, running bool) (rows []string, crow, ccol int) {
	if c.empty() {
		ph := "Ask kodex to do anything"
		if running {
			ph = "Type to queue a message"
		}
		return []string{md.Bold(md.Fg(md.Cyan, "›")) + " " + md.Faint(ph)}, 0, 0
	}
	text, crow, ccol := c.textarea.view(composerTextWidth(width), composerRows)
	for i, t := range text {
		if i == 0 && crow >= 0 {
			rows = append(rows, md.Bold(md.Fg(md.Cyan, "›"))+" "+t)
		} else {
			rows = append(rows, "  "+t)
		}
	}
	return rows, crow, ccol
}
