package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	brewURL     = regexp.MustCompile(`url "[^"]*/([^"/]+)"`)
	brewSHA     = regexp.MustCompile(`sha256 "[0-9a-f]*"`)
	brewVersion = "0.0.0" // the placeholder version in packaging/homebrew/kodex.rb
)

// homebrew renders packaging/homebrew/kodex.rb for this release into
// homebrew/kodex.rb: the placeholder version becomes the release's, and each
// sha256 line gets the checksum of the archive named by the url line above
// it.
func (r *release) homebrew() error {
	b, err := os.ReadFile(filepath.Join(r.src, "packaging", "homebrew", "kodex.rb"))
	if err != nil {
		return err
	}
	lines := strings.Split(strings.ReplaceAll(string(b), brewVersion, r.version), "\n")
	archive := ""
	for i, line := range lines {
		if m := brewURL.FindStringSubmatch(line); m != nil {
			archive = m[1]
		}
		if brewSHA.MatchString(line) && archive != "" {
			sum, err := fileSHA256(filepath.Join(r.out, archive))
			if errors.Is(err, fs.ErrNotExist) {
				continue // a release of some targets only
			} else if err != nil {
				return err
			}
			lines[i] = brewSHA.ReplaceAllString(line, `sha256 "`+sum+`"`)
			archive = ""
		}
	}
	dir := filepath.Join(r.out, "homebrew")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "kodex.rb"), []byte(strings.Join(lines, "\n")), 0o644)
}
