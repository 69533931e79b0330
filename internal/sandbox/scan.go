package sandbox

import (
	"io/fs"
	"os"
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
	// linkedFiles are the regular files with hard links that were not all
	// found inside the root: writing them would change a file elsewhere.
	linkedFiles []string
	// linked are what is mounted read-only to protect them: whole
	// directories where every regular file beneath is such a file, else the
	// files; coarsened to at most maxLinkedMounts entries, a coarse
	// directory's other contents listed in holes (mounted writable again).
	linked, holes []string
	// truncated is set when the walk stopped at maxScanEntries.
	truncated bool
	at        time.Time
	// refreshing is set while a background walk replaces this one.
	refreshing bool
}

// maxLinkedMounts bounds the read-only mounts for hard-linked files (a pnpm
// node_modules has thousands of package directories).
const maxLinkedMounts = 64

// scanMemo keeps each root's scan for scanTTL: a cache of facts about the
// file system, owned by the process that builds specs.
type scanMemo struct {
	mu sync.Mutex
	m  map[string]rootScan
}

var scans scanMemo

// get returns root's scan. The first call walks the root; a scan older
// than scanTTL is still returned while a fresh one is made in the
// background, so a large workspace costs its walk once, not every minute.
func (s *scanMemo) get(root string, now time.Time) rootScan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]rootScan{}
	}
	r, ok := s.m[root]
	switch {
	case !ok:
		r = scanRoot(root)
		r.at = now
		s.m[root] = r
	case now.Sub(r.at) >= scanTTL && !r.refreshing:
		r.refreshing = true
		s.m[root] = r
		go func() {
			fresh := scanRoot(root)
			fresh.at = time.Now()
			s.mu.Lock()
			s.m[root] = fresh
			s.mu.Unlock()
		}()
	}
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
	for _, li := range links {
		if uint64(len(li.paths)) < li.nlink || r.truncated {
			r.linkedFiles = append(r.linkedFiles, li.paths...)
		}
	}
	sort.Strings(r.linkedFiles)
	r.linked = groupLinked(r.linkedFiles, files, root)
	if len(r.linked) > maxLinkedMounts {
		r.linked, r.holes = coarsen(r.linked, r.linkedFiles, files, root)
	}
	return r
}

// coarsen replaces groups of read-only entries by their common parent
// directories (never the root) until at most maxLinkedMounts remain, the
// parents with most entries first. Inside a coarse directory, what is not a
// linked file — other regular files, directories without any — is returned
// as holes, to be mounted writable again; only new entries directly in the
// coarse directories (and in their partly linked subdirectories) cannot be
// made.
func coarsen(groups, linkedFiles []string, files map[string]int, root string) (ro, holes []string) {
	linked := map[string]bool{}
	count := map[string]int{}
	for _, p := range linkedFiles {
		linked[p] = true
		for dir := filepath.Dir(p); under(dir, root) && dir != root; dir = filepath.Dir(dir) {
			count[dir]++
		}
	}
	for len(groups) > maxLinkedMounts {
		per := map[string]int{}
		for _, g := range groups {
			if parent := filepath.Dir(g); parent != root && under(parent, root) {
				per[parent]++
			}
		}
		best, n := "", 1
		for parent, c := range per {
			if c > n || c == n && best != "" && parent < best {
				best, n = parent, c
			}
		}
		if best == "" {
			break // nothing left to merge
		}
		var next []string
		for _, g := range groups {
			if !under(g, best) {
				next = append(next, g)
			}
		}
		groups = append(next, best)
		sort.Strings(groups)
	}
	var walk func(dir string)
	walk = func(dir string) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			p := filepath.Join(dir, e.Name())
			switch {
			case e.IsDir() && count[p] == 0:
				holes = append(holes, p)
			case e.IsDir() && count[p] < files[p]:
				walk(p)
			case e.Type().IsRegular() && !linked[p]:
				holes = append(holes, p)
			}
		}
	}
	for _, g := range groups {
		if fi, err := os.Lstat(g); err == nil && fi.IsDir() && count[g] < files[g] {
			walk(g)
		}
	}
	return groups, holes
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
