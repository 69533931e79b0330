package patch

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []Hunk
	}{
		{
			name: "all operations",
			text: "*** Begin Patch\n*** Add File: path/add.py\n+abc\n+def\n*** Delete File: path/delete.py\n" +
				"*** Update File: path/update.py\n*** Move to: path/update2.py\n@@ def f():\n-    pass\n+    return 123\n*** End Patch",
			want: []Hunk{
				{Kind: Add, Path: "path/add.py", Contents: "abc\ndef\n"},
				{Kind: Delete, Path: "path/delete.py"},
				{Kind: Update, Path: "path/update.py", MovePath: "path/update2.py", Chunks: []Chunk{
					{Context: "def f():", Old: []string{"    pass"}, New: []string{"    return 123"}},
				}},
			},
		},
		{
			name: "update then add",
			text: "*** Begin Patch\n*** Update File: file.py\n@@\n+line\n*** Add File: other.py\n+content\n*** End Patch",
			want: []Hunk{
				{Kind: Update, Path: "file.py", Chunks: []Chunk{{New: []string{"line"}}}},
				{Kind: Add, Path: "other.py", Contents: "content\n"},
			},
		},
		{
			name: "first chunk without @@",
			text: "*** Begin Patch\n*** Update File: f.py\n import foo\n+bar\n*** End Patch",
			want: []Hunk{{Kind: Update, Path: "f.py", Chunks: []Chunk{
				{Old: []string{"import foo"}, New: []string{"import foo", "bar"}},
			}}},
		},
		{
			name: "chunks, blank lines and end of file",
			text: "*** Begin Patch\n*** Update File: f\n@@ a\n-x\n+y\n\n@@\n z\n-w\n*** End of File\n*** End Patch",
			want: []Hunk{{Kind: Update, Path: "f", Chunks: []Chunk{
				{Context: "a", Old: []string{"x", ""}, New: []string{"y", ""}},
				{Old: []string{"z", "w"}, New: []string{"z"}, EOF: true},
			}}},
		},
		{
			name: "heredoc with double quotes and CRLF",
			text: "<<\"END\"\r\n*** Begin Patch\r\n*** Delete File: x\r\n*** End Patch\r\nEND\r\n",
			want: []Hunk{{Kind: Delete, Path: "x"}},
		},
		{
			name: "padded markers",
			text: "  *** Begin Patch \n *** Add File:  a b.txt  \n+x\n  *** End Patch  ",
			want: []Hunk{{Kind: Add, Path: "a b.txt", Contents: "x\n"}},
		},
		{
			name: "empty add",
			text: "*** Begin Patch\n*** Add File: empty\n*** End Patch",
			want: []Hunk{{Kind: Add, Path: "empty"}},
		},
		{
			name: "comment lines starting with star are context",
			text: "*** Begin Patch\n*** Update File: c.c\n@@\n /*\n- * old\n+ * new\n  */\n*** End Patch",
			want: []Hunk{{Kind: Update, Path: "c.c", Chunks: []Chunk{
				{Old: []string{"/*", " * old", " */"}, New: []string{"/*", " * new", " */"}},
			}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.Hunks); diff != "" {
				t.Errorf("hunks mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, text, want string }{
		{"no begin", "bad", "invalid patch: the first line of the patch must be '*** Begin Patch'"},
		{"no end", "*** Begin Patch\nbad", "invalid patch: the last line of the patch must be '*** End Patch'"},
		{"empty", "", "invalid patch: the first line"},
		{"no hunks", "*** Begin Patch\n*** End Patch", "the patch has no hunks"},
		{"bad header", "*** Begin Patch\n*** Frobnicate File: x\n*** End Patch",
			"invalid hunk at line 2: '*** Frobnicate File: x' is not a valid hunk header"},
		{"empty update", "*** Begin Patch\n*** Update File: test.py\n*** End Patch",
			"invalid hunk at line 2: update file hunk for path 'test.py' is empty"},
		{"bad line", "*** Begin Patch\n*** Update File: a\n@@\nbad\n*** End Patch",
			"invalid hunk at line 4: unexpected line found in update hunk: 'bad'"},
		{"second chunk needs @@", "*** Begin Patch\n*** Update File: a\n-x\n\nbad\n*** End Patch",
			"expected update hunk to start with a @@ context marker, got: 'bad'"},
		{"header only", "*** Begin Patch\n*** Update File: a\n@@ foo\n*** End Patch", "update hunk does not contain any lines"},
		{"eof only", "*** Begin Patch\n*** Update File: a\n@@\n*** End of File\n*** End Patch", "update hunk does not contain any lines"},
		{"missing path", "*** Begin Patch\n*** Add File: \n+x\n*** End Patch", "missing path"},
		{"heredoc mismatch", "<<'EOF'\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEND", "first line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	p, err := Parse("*** Begin Patch\n*** Update File: b\n*** Move to: c\n@@\n-x\n*** Delete File: a\n*** Delete File: b\n*** End Patch")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, p.Paths()); diff != "" {
		t.Error(diff)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("*** Begin Patch\n*** Add File: a\n+x\n*** End Patch")
	f.Add("*** Begin Patch\n*** Update File: a\n*** Move to: b\n@@ ctx\n a\n-b\n+c\n*** End of File\n*** End Patch")
	f.Add("<<'EOF'\n*** Begin Patch\n*** Delete File: a\n*** End Patch\nEOF")
	f.Add("*** Begin Patch\n*** Update File: a\n\n@@\n\n*** End Patch")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			return
		}
		if len(p.Hunks) == 0 {
			t.Fatal("parsed a patch with no hunks")
		}
		for _, h := range p.Hunks {
			if h.Path == "" {
				t.Fatalf("hunk with empty path: %+v", h)
			}
			if h.Kind == Update && len(h.Chunks) == 0 {
				t.Fatalf("update without chunks: %+v", h)
			}
			// Applying to an in-memory file must not panic.
			lines := strings.Split(text, "\n")
			if h.Kind == Update {
				_, _, _ = applyChunks(h.Path, lines, h.Chunks)
			}
		}
	})
}
