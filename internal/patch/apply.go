package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// newFilePerm is the mode of files a patch adds.
const newFilePerm fs.FileMode = 0o644

// Plan is a verified patch: every file's new contents, computed in memory.
// Nothing has been written yet; Commit writes it.
type Plan struct {
	// Changes has one entry per hunk, in patch order.
	Changes []Change
	files   []*fileState // every touched file, in order of first touch
}

// fileState is one touched file: as found on disk and as the patch leaves it.
type fileState struct {
	name       string
	origExists bool
	orig       []byte
	origMode   fs.FileMode
	exists     bool
	data       []byte
	mode       fs.FileMode
}

func (f *fileState) changed() bool {
	return f.exists != f.origExists || !bytes.Equal(f.data, f.orig) || f.exists && f.mode != f.origMode
}

// Apply verifies p against fsys and, if every hunk applies, writes the
// result. On error nothing is left changed.
func Apply(fsys FS, p *Patch) (*Plan, error) {
	pl, err := Compute(fsys, p)
	if err != nil {
		return nil, err
	}
	if err := pl.Commit(fsys); err != nil {
		return nil, err
	}
	return pl, nil
}

// Compute reads the files p touches and computes their new contents without
// writing anything. Hunks apply in order, so a later hunk sees the result
// of an earlier one on the same file. The error names the file and, for an
// update that does not apply, the lines that were not found.
func Compute(fsys FS, p *Patch) (*Plan, error) {
	c := &computer{fsys: fsys, byName: map[string]*fileState{}}
	for _, h := range p.Hunks {
		var err error
		switch h.Kind {
		case Add:
			err = c.add(h)
		case Delete:
			err = c.delete(h)
		case Update:
			err = c.update(h)
		default:
			err = fmt.Errorf("unknown hunk kind %d for %s", h.Kind, h.Path)
		}
		if err != nil {
			return nil, err
		}
	}
	return &Plan{Changes: c.changes, files: c.order}, nil
}

type computer struct {
	fsys    FS
	byName  map[string]*fileState
	order   []*fileState
	changes []Change
}

// load returns the state of name, reading it on first use.
func (c *computer) load(name string) (*fileState, error) {
	key := filepath.Clean(name)
	if f, ok := c.byName[key]; ok {
		return f, nil
	}
	f := &fileState{name: name}
	info, err := c.fsys.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case info.IsDir():
		return nil, fmt.Errorf("%s is a directory", name)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", name)
	default:
		data, err := c.fsys.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f.origExists, f.orig, f.origMode = true, data, info.Mode().Perm()
		f.exists, f.data, f.mode = true, data, f.origMode
	}
	c.byName[key] = f
	c.order = append(c.order, f)
	return f, nil
}

func (c *computer) add(h Hunk) error {
	f, err := c.load(h.Path)
	if err != nil {
		return fmt.Errorf("cannot add %s: %w", h.Path, err)
	}
	if f.exists {
		// As in Codex, Add File over an existing file replaces it; it is
		// reported as an update so the diff shows what was replaced.
		old := decodeText(f.data).text()
		f.data = []byte(h.Contents)
		c.changes = append(c.changes, Change{Kind: Update, Path: h.Path, OldText: old, NewText: h.Contents,
			Diff: UnifiedDiff(old, h.Contents, 3)})
		return nil
	}
	f.exists, f.data, f.mode = true, []byte(h.Contents), newFilePerm
	c.changes = append(c.changes, Change{Kind: Add, Path: h.Path, NewText: h.Contents,
		Diff: UnifiedDiff("", h.Contents, 3)})
	return nil
}

func (c *computer) delete(h Hunk) error {
	f, err := c.load(h.Path)
	if err != nil {
		return fmt.Errorf("cannot delete %s: %w", h.Path, err)
	}
	if !f.exists {
		return fmt.Errorf("cannot delete %s: the file does not exist", h.Path)
	}
	old := decodeText(f.data).text()
	f.exists, f.data = false, nil
	c.changes = append(c.changes, Change{Kind: Delete, Path: h.Path, OldText: old,
		Diff: UnifiedDiff(old, "", 3)})
	return nil
}

func (c *computer) update(h Hunk) error {
	src, err := c.load(h.Path)
	if err != nil {
		return fmt.Errorf("cannot update %s: %w", h.Path, err)
	}
	if !src.exists {
		return fmt.Errorf("cannot update %s: the file does not exist", h.Path)
	}
	t := decodeText(src.data)
	old := t.text()
	lines, from, err := applyChunks(h.Path, t.lines, h.Chunks)
	if err != nil {
		return err
	}
	t.replace(lines, from)
	dst := src
	move := h.MovePath
	if move != "" && filepath.Clean(move) == filepath.Clean(h.Path) {
		move = ""
	}
	if move != "" {
		if dst, err = c.load(move); err != nil {
			return fmt.Errorf("cannot move %s to %s: %w", h.Path, move, err)
		}
		src.exists, src.data = false, nil
		dst.mode = src.mode
	}
	dst.exists, dst.data = true, t.encode()
	if dst.mode == 0 {
		dst.mode = newFilePerm
	}
	nw := t.text()
	c.changes = append(c.changes, Change{Kind: Update, Path: h.Path, MovePath: move,
		OldText: old, NewText: nw, Diff: UnifiedDiff(old, nw, 3)})
	return nil
}

// textFile is a file split into lines, remembering how to write it back:
// each line keeps its own terminator, as Codex's apply_patch does, so a
// file with mixed line endings stays as it was outside the changed lines.
type textFile struct {
	bom   bool
	lines []string // without terminators
	eols  []string // each line's terminator: "\n", "\r\n", "\r" or "" (the last line may have none)
	// eol is the terminator of lines the patch adds: the file's first
	// terminator, or "\n" for a file without any.
	eol string
}

const utf8BOM = "\ufeff"

// decodeText splits data into lines at "\r\n", "\n" and a lone "\r".
// Lines are matched without their terminators.
func decodeText(data []byte) textFile {
	s := string(data)
	var t textFile
	s, t.bom = strings.CutPrefix(s, utf8BOM)
	start := 0
	for i := 0; i < len(s); i++ {
		var eol string
		switch {
		case s[i] == '\n':
			eol = "\n"
		case s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n':
			eol = "\r\n"
		case s[i] == '\r':
			eol = "\r"
		default:
			continue
		}
		if t.eol == "" {
			t.eol = eol
		}
		t.lines = append(t.lines, s[start:i])
		t.eols = append(t.eols, eol)
		i += len(eol) - 1
		start = i + 1
	}
	if start < len(s) {
		t.lines = append(t.lines, s[start:])
		t.eols = append(t.eols, "")
	}
	if t.eol == "" {
		t.eol = "\n"
	}
	return t
}

// replace sets the file's lines to lines; from[i] is the index of the old
// line lines[i] keeps (whose terminator it keeps), or -1 for an added line,
// which gets the file's terminator. Every line of the result is terminated,
// as Codex's are.
func (t *textFile) replace(lines []string, from []int) {
	eols := make([]string, len(lines))
	for i, f := range from {
		if f >= 0 && t.eols[f] != "" {
			eols[i] = t.eols[f]
		} else {
			eols[i] = t.eol
		}
	}
	t.lines, t.eols = lines, eols
}

// text returns the lines joined with "\n", each terminated.
func (t textFile) text() string {
	if len(t.lines) == 0 {
		return ""
	}
	return strings.Join(t.lines, "\n") + "\n"
}

// encode returns the file as written back.
func (t textFile) encode() []byte {
	var b strings.Builder
	if t.bom {
		b.WriteString(utf8BOM)
	}
	for i, l := range t.lines {
		b.WriteString(l)
		b.WriteString(t.eols[i])
	}
	return []byte(b.String())
}
