package patch

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, old, new, want string }{
		{"equal", "a\n", "a\n", ""},
		{"add", "", "x\ny\n", "@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{"delete", "x\n", "", "@@ -1 +0,0 @@\n-x\n"},
		{"middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"no newline", "a\nb", "a\nb\n", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"two hunks", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n", "A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nK\n",
			"@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n@@ -8,4 +8,4 @@\n h\n i\n j\n-k\n+K\n"},
		{"merged hunks", "a\nb\nc\nd\ne\nf\ng\n", "A\nb\nc\nd\ne\nf\nG\n",
			"@@ -1,7 +1,7 @@\n-a\n+A\n b\n c\n d\n e\n f\n-g\n+G\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := UnifiedDiff(tt.old, tt.new, 3); got != tt.want {
				t.Errorf("UnifiedDiff =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestUnifiedDiffRoundTrip applies random diffs back to the old text.
func TestUnifiedDiffRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a\n", "b\n", "c\n", "d\n", "e\n", "\n"}
	gen := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		if s != "" && r.IntN(4) == 0 {
			s = strings.TrimSuffix(s, "\n") + "z"
		}
		return s
	}
	for i := range 2000 {
		old, nw := gen(), gen()
		d := UnifiedDiff(old, nw, r.IntN(4))
		got, err := applyUnified(old, d)
		if err != nil || got != nw {
			t.Fatalf("case %d: old %q new %q\ndiff:\n%s\ngot %q, err %v", i, old, nw, d, got, err)
		}
		if old != nw && minimalEdits(old, nw) != countEdits(d) {
			t.Fatalf("case %d: diff of %q to %q is not minimal:\n%s", i, old, nw, d)
		}
	}
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

type diffRecord struct {
	kind byte // '@', ' ', '-', '+'
	text string
}

// parseUnified splits a diff into records, folding "\ No newline" markers
// into the line before.
func parseUnified(diff string) []diffRecord {
	var recs []diffRecord
	for _, l := range strings.SplitAfter(diff, "\n") {
		switch {
		case l == "":
		case l == "\\ No newline at end of file\n":
			recs[len(recs)-1].text = strings.TrimSuffix(recs[len(recs)-1].text, "\n")
		case strings.HasPrefix(l, "@@"):
			recs = append(recs, diffRecord{'@', strings.TrimSuffix(l, "\n")})
		default:
			recs = append(recs, diffRecord{l[0], l[1:]})
		}
	}
	return recs
}

// applyUnified applies a diff produced by UnifiedDiff, checking its headers
// and context.
func applyUnified(old, diff string) (string, error) {
	src := splitLinesKeep(old)
	recs := parseUnified(diff)
	var out []string
	pos := 0
	for i := 0; i < len(recs); {
		m := hunkHeader.FindStringSubmatch(recs[i].text)
		if recs[i].kind != '@' || m == nil {
			return "", fmt.Errorf("bad header %q", recs[i].text)
		}
		start, _ := strconv.Atoi(m[1])
		oldN, newN := 1, 1
		if m[2] != "" {
			oldN, _ = strconv.Atoi(m[2])
		}
		if m[4] != "" {
			newN, _ = strconv.Atoi(m[4])
		}
		if oldN > 0 {
			start--
		}
		if start < pos || start > len(src) {
			return "", fmt.Errorf("hunk start %d out of order", start)
		}
		out = append(out, src[pos:start]...)
		pos = start
		gotOld, gotNew := 0, 0
		for i++; i < len(recs) && recs[i].kind != '@'; i++ {
			r := recs[i]
			if r.kind != '+' {
				if pos >= len(src) || src[pos] != r.text {
					return "", fmt.Errorf("line %d does not match %q", pos, r.text)
				}
				pos++
				gotOld++
			}
			if r.kind != '-' {
				out = append(out, r.text)
				gotNew++
			}
		}
		if gotOld != oldN || gotNew != newN {
			return "", fmt.Errorf("hunk counts %d,%d; header says %d,%d", gotOld, gotNew, oldN, newN)
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), nil
}

func countEdits(diff string) int {
	n := 0
	for _, r := range parseUnified(diff) {
		if r.kind == '+' || r.kind == '-' {
			n++
		}
	}
	return n
}

// minimalEdits is the edit distance (insertions and deletions) by LCS.
func minimalEdits(a, b string) int {
	x, y := splitLinesKeep(a), splitLinesKeep(b)
	dp := make([][]int, len(x)+1)
	for i := range dp {
		dp[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return len(x) + len(y) - 2*dp[0][0]
}
