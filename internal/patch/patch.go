// Package patch implements the apply_patch format that Codex's models are
// trained on: parsing a patch, verifying it against the files it touches, and
// applying it all-or-nothing through a small FS interface.
//
// The grammar:
//
//	*** Begin Patch
//	*** Add File: path        (followed by lines each starting with "+")
//	*** Delete File: path
//	*** Update File: path
//	*** Move to: newpath      (optional, right after Update File)
//	@@ optional context line  (a bare "@@" also; the first chunk may omit it)
//	 context line (leading space)
//	-removed line
//	+added line
//	*** End of File           (optional: the chunk is anchored at the end)
//	*** End Patch
//
// Parsing is lenient the way Codex's is: whitespace around markers is
// ignored and a heredoc wrapper (<<'EOF' … EOF) is stripped. Chunks are
// located with Codex's seek_sequence rules: exact, then ignoring trailing
// whitespace, then ignoring surrounding whitespace, then with typographic
// punctuation normalised to ASCII.
//
// This package owns no policy: it does not decide which paths may be
// written, resolve symlinks safely or ask anyone. Callers (the apply_patch
// tool) supply an FS that enforces those rules. It imports nothing internal.
package patch

import (
	"io/fs"
	"sort"
	"strings"
)

// Kind is what a hunk does to a file.
type Kind int

// Hunk kinds.
const (
	Add Kind = iota + 1
	Delete
	Update
)

func (k Kind) String() string {
	switch k {
	case Add:
		return "add"
	case Delete:
		return "delete"
	case Update:
		return "update"
	}
	return "unknown"
}

// Patch is a parsed patch.
type Patch struct {
	Hunks []Hunk
}

// Hunk is one file operation of a patch.
type Hunk struct {
	Kind Kind
	// Path is the file as written in the patch (relative to the workdir, or
	// absolute).
	Path string
	// MovePath is the new name of an updated file ("" if it is not moved).
	MovePath string
	// Contents is an added file's text (each line ends with "\n").
	Contents string
	// Chunks are an update's changes, in file order.
	Chunks []Chunk
}

// Chunk is one "@@" section of an update.
type Chunk struct {
	// Context is the text after "@@ ", a line to find before the chunk's
	// old lines ("" for none).
	Context string
	// Old are the lines to replace (context and removed lines), New their
	// replacement (context and added lines).
	Old, New []string
	// EOF anchors the chunk at the end of the file ("*** End of File").
	EOF bool
}

// FS is the file system a patch is applied to. Paths are those written in
// the patch; the implementation resolves them (relative to a workdir) and
// enforces whatever confinement its caller needs.
type FS interface {
	ReadFile(name string) ([]byte, error)
	// WriteFile replaces name's contents atomically (a reader sees the old
	// or the new file, never a mix) with the given permissions.
	WriteFile(name string, data []byte, perm fs.FileMode) error
	Remove(name string) error
	MkdirAll(name string, perm fs.FileMode) error
	Stat(name string) (fs.FileInfo, error)
}

// Change is what one hunk does, for display and events.
type Change struct {
	Kind     Kind
	Path     string // as written in the patch
	MovePath string // update with rename: the new path
	// OldText and NewText are the file's text before and after the hunk,
	// with "\n" line endings and no BOM ("" for a missing file).
	OldText, NewText string
	// Diff is a unified diff of OldText to NewText (hunks only, no file
	// header lines) with three lines of context.
	Diff string
}

// Summary returns Codex's success message: the added, modified and deleted
// paths, one a line, each group in patch order.
func Summary(changes []Change) string {
	var b strings.Builder
	b.WriteString("Success. Updated the following files:\n")
	groups := []struct {
		tag  string
		kind Kind
	}{{"A", Add}, {"M", Update}, {"D", Delete}}
	for _, g := range groups {
		for _, c := range changes {
			if c.Kind != g.kind {
				continue
			}
			p := c.Path
			if c.MovePath != "" {
				p = c.MovePath
			}
			b.WriteString(g.tag + " " + p + "\n")
		}
	}
	return b.String()
}

// Paths returns every path the patch touches (sources and move
// destinations), as written, deduplicated and sorted.
func (p *Patch) Paths() []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range p.Hunks {
		for _, s := range []string{h.Path, h.MovePath} {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}
