package proc

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// OmittedMarker returns the line put where output was cut.
func OmittedMarker(bytes, lines int64) string {
	return fmt.Sprintf("\n[... %d bytes (%d lines) omitted ...]\n", bytes, lines)
}

// Truncate shortens output to about maxBytes by keeping its head and its
// tail, each about half the budget, with an OmittedMarker between them. See
// TruncateLines.
func Truncate(output string, maxBytes int) string {
	return TruncateLines(output, maxBytes, 0)
}

// TruncateLines shortens output to at most maxBytes bytes and maxLines lines
// (a non-positive limit is no limit), plus the marker, by keeping the head
// and the tail. Cuts fall on line boundaries where a line break is within
// reach, and always on rune boundaries. Output within both limits is
// returned unchanged.
func TruncateLines(output string, maxBytes, maxLines int) string {
	if (maxBytes <= 0 || len(output) <= maxBytes) && (maxLines <= 0 || countLines(output) <= maxLines) {
		return output
	}
	if maxBytes <= 0 {
		maxBytes = len(output)
	}
	headBytes, tailBytes := maxBytes/2, maxBytes-maxBytes/2
	headLines, tailLines := len(output), len(output)
	if maxLines > 0 {
		headLines, tailLines = maxLines/2, maxLines-maxLines/2
	}

	// Head: at most headBytes, at most headLines lines, ending after a newline
	// when there is one.
	end := min(headBytes, len(output))
	if i := nthIndex(output[:end], '\n', headLines); i >= 0 {
		end = i + 1
	} else if i := strings.LastIndexByte(output[:end], '\n'); i >= 0 && end < len(output) {
		end = i + 1
	}
	end = runeStartBefore(output, end)

	// Tail: at most tailBytes, at most tailLines lines, starting after a
	// newline when there is one.
	start := max(len(output)-tailBytes, end)
	body := strings.TrimSuffix(output[start:], "\n")
	if i := nthLastIndex(body, '\n', tailLines); i >= 0 {
		start += i + 1
	} else if start > 0 && output[start-1] != '\n' {
		if i := strings.IndexByte(output[start:], '\n'); i >= 0 && start+i+1 < len(output) {
			start += i + 1
		}
	}
	start = runeStartAfter(output, start)
	if start <= end {
		return output
	}
	b, l := omittedCount(output[end:start])
	return output[:end] + OmittedMarker(b, l) + output[start:]
}

// omittedCount counts the bytes and lines of a cut-out segment, including
// what markers inside it stood for: output captured with a marker (a 1 GB
// command kept as head and tail) and cut again must not report only the
// kept part as omitted.
func omittedCount(seg string) (bytes, lines int64) {
	bytes, lines = int64(len(seg)), int64(strings.Count(seg, "\n"))
	for rest := seg; ; {
		i := strings.Index(rest, "[... ")
		if i < 0 {
			return bytes, lines
		}
		rest = rest[i:]
		var nb, nl int64
		if n, err := fmt.Sscanf(rest, "[... %d bytes (%d lines) omitted ...]", &nb, &nl); err == nil && n == 2 && nb >= 0 && nl >= 0 {
			m := strings.TrimSpace(OmittedMarker(nb, nl))
			bytes += nb - int64(len(m))
			lines += nl
		}
		rest = rest[len("[... "):]
	}
}

// countLines counts lines, a last line without a newline included.
func countLines(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// nthIndex returns the index of the n-th (1-based) c in s, or -1.
func nthIndex(s string, c byte, n int) int {
	if n <= 0 {
		return -1
	}
	off := 0
	for ; n > 0; n-- {
		i := strings.IndexByte(s[off:], c)
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off - 1
}

// nthLastIndex returns the index of the n-th (1-based) c from the end of s,
// or -1.
func nthLastIndex(s string, c byte, n int) int {
	if n <= 0 {
		return -1
	}
	end := len(s)
	for ; n > 0; n-- {
		i := strings.LastIndexByte(s[:end], c)
		if i < 0 {
			return -1
		}
		end = i
	}
	return end
}

// runeStartBefore moves a cut at i back to the start of the rune it splits.
func runeStartBefore(s string, i int) int {
	for j := i; j > 0 && j > i-utf8.UTFMax && j < len(s); j-- {
		if utf8.RuneStart(s[j]) {
			return j
		}
	}
	return i
}

// runeStartAfter moves a cut at i forward past the rest of a rune it splits.
func runeStartAfter(s string, i int) int {
	for j := i; j < len(s) && j < i+utf8.UTFMax; j++ {
		if utf8.RuneStart(s[j]) {
			return j
		}
	}
	return i
}

// validUTF8 replaces each run of invalid bytes with U+FFFD.
func validUTF8(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// sandboxDenialTexts are error texts that a blocked filesystem or network
// operation prints (lower case).
var sandboxDenialTexts = []string{
	"permission denied",
	"operation not permitted",
	"read-only file system",
	"invalid cross-device link",
	"eacces", "eperm", "erofs", "exdev",
}

// SandboxHelperPrefix starts the lines the sandbox helper writes to the
// command's stderr (sandbox.StderrPrefix).
const SandboxHelperPrefix = "kodex-sandbox:"

// exitSIGSYS is how the sandbox helper and shells report a child killed by
// SIGSYS (seccomp): 128 + 31.
const exitSIGSYS = 128 + 31

// LikelySandboxDenied guesses whether a command that ran sandboxed failed
// because the sandbox blocked it: it was killed by SIGSYS (seccomp), the
// sandbox helper reported an error, or it failed with an error text typical
// of a denied operation (EACCES, EPERM, EROFS, EXDEV). Only call it for
// commands that ran sandboxed; elsewhere the same texts mean ordinary
// failures.
func LikelySandboxDenied(exitCode int, signal, output string) bool {
	if signal == "SIGSYS" || exitCode == exitSIGSYS {
		return true
	}
	if exitCode == 0 {
		return false
	}
	if strings.HasPrefix(output, SandboxHelperPrefix) || strings.Contains(output, "\n"+SandboxHelperPrefix) {
		return true
	}
	lower := strings.ToLower(output)
	for _, t := range sandboxDenialTexts {
		if strings.Contains(lower, t) {
			return true
		}
	}
	return false
}
