package sandbox

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxScanEntries bounds the walk of one writable root.
const maxScanEntries = 200_000

// scanTTL is how long a root's scan is reused before it is walked again.
const scanTTL = time.Minute

// rootScan is what a walk of a writable root found.
type rootScan struct {
	// nested are the .git entries (dirs or pointer files) below the root,
	// not the root's own.
	nested []string
	// linked are regular files with hard links that were not all found
	// inside the root: writing them would change a file elsewhere. Whole
	// directories are listed instead of their files when every regular
	// file beneath them is such a file.
	linked []string
	// truncated is set when the walk stopped at maxScanEntries.
	truncated bool
	at        time.Time
}

// scanMemo keeps each root's scan for scanTTL: a cache of facts about the
// file system, owned by the process that builds specs.
type scanMemo struct {
	mu sync.Mutex
	m  map[string]rootScan
}

var scans scanMemo

func (s *scanMemo) get(root string, now time.Time) rootScan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.m[root]; ok && now.Sub(r.at) < scanTTL {
		return r
	}
	r := scanRoot(root)
	r.at = now
	if s.m == nil {
		s.m = map[string]rootScan{}
	}
	s.m[root] = r
	return r
}

// scanRoot walks root (without following symlinks) for nested repositories
// and hard-linked files.
func scanRoot(root string) rootScan {
	var r rootScan
	type inode struct{ dev, ino uint64 }
	type linkInfo struct {
		paths []string
		nlink uint64
	}
	links := map[inode]*linkInfo{}
	files := map[string]int{} // dir → regular files beneath it
	n := 0
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if n++; n > maxScanEntries {
			r.truncated = true
			return filepath.SkipAll
		}
		if d.Name() == ".git" && p != filepath.Join(root, ".git") && p != root {
			r.nested = append(r.nested, p)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		for dir := filepath.Dir(p); under(dir, root); dir = filepath.Dir(dir) {
			files[dir]++
			if dir == root || dir == "/" {
				break
			}
		}
		dev, ino, nlink, ok := fileLinks(p)
		if !ok || nlink < 2 {
			return nil
		}
		k := inode{dev, ino}
		li := links[k]
		if li == nil {
			li = &linkInfo{nlink: nlink}
			links[k] = li
		}
		li.paths = append(li.paths, p)
		return nil
	})
	var out []string
	for _, li := range links {
		if uint64(len(li.paths)) < li.nlink || r.truncated {
			out = append(out, li.paths...)
		}
	}
	r.linked = groupLinked(out, files, root)
	return r
}

// groupLinked replaces the files of a directory whose every regular file
// is linked by the directory (the top-most such one).
func groupLinked(linked []string, files map[string]int, root string) []string {
	if len(linked) == 0 {
		return nil
	}
	count := map[string]int{}
	for _, p := range linked {
		for dir := filepath.Dir(p); under(dir, root); dir = filepath.Dir(dir) {
			count[dir]++
			if dir == root || dir == "/" {
				break
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range linked {
		best := p
		for dir := filepath.Dir(p); under(dir, root) && dir != root; dir = filepath.Dir(dir) {
			if count[dir] == files[dir] {
				best = dir
			}
		}
		if !seen[best] {
			seen[best] = true
			out = append(out, best)
		}
	}
	sort.Strings(out)
	// Drop entries beneath another entry.
	var res []string
	for _, p := range out {
		if len(res) > 0 && (p == res[len(res)-1] || strings.HasPrefix(p, res[len(res)-1]+"/")) {
			continue
		}
		res = append(res, p)
	}
	return res
}
