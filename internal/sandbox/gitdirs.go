package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What a sandboxed command may and may not change in a git directory.
//
// Git runs programs named by files in its git dir (config, hooks, info,
// commondir and gitdir pointers that move it to another config, a HEAD
// whose corruption makes git discover the work tree itself as a bare
// repository). A sandboxed command may record work — objects, refs, logs,
// the index and the transient files git writes next to them — and nothing
// else: the control files are bind-mounted read-only (namespaces) and every
// git dir is verified after each command, which undoes anything else (a new
// commondir, a HEAD that is not a ref or an object id) and reports it.

// gitControlNames are the entries of a git dir that decide what git runs;
// those that exist are read-only during the command and all are guarded.
var gitControlNames = []string{"config", "config.worktree", "hooks", "info", "commondir", "gitdir"}

// gitWorkEntry reports whether name is a top-level entry of a git dir a
// command may create: what git writes to record work. Anything else that
// appears is removed.
func gitWorkEntry(name string) bool {
	switch name {
	case "objects", "refs", "logs", "index", "HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD",
		"MERGE_MSG", "MERGE_MODE", "MERGE_RR", "AUTO_MERGE", "CHERRY_PICK_HEAD", "REVERT_HEAD",
		"REBASE_HEAD", "COMMIT_EDITMSG", "TAG_EDITMSG", "SQUASH_MSG", "EDIT_DESCRIPTION",
		"NOTES_EDITMSG", "NOTES_MERGE_PARTIAL", "NOTES_MERGE_REF", "NOTES_MERGE_WORKTREE", "BISECT_LOG",
		"BISECT_START", "BISECT_EXPECTED_REV", "BISECT_ANCESTORS_OK", "BISECT_NAMES", "BISECT_TERMS",
		"BISECT_RUN", "BISECT_HEAD", "packed-refs", "description", "shallow", "rebase-merge",
		"rebase-apply", "sequencer", "rr-cache", "worktrees", "modules", "lfs", "gc.pid", "gc.log",
		"gitk.cache":
		return true
	}
	return false
}

// gitWorkName reports whether a new top-level git-dir entry is work git records.
func gitWorkName(name string) bool {
	return gitWorkEntry(name) || strings.HasSuffix(name, ".lock") ||
		strings.HasPrefix(name, "index.") || strings.HasPrefix(name, "sharedindex.") ||
		strings.HasPrefix(name, "next-index-")
}

// validHead reports whether b is a HEAD git accepts as such: a symbolic ref
// below refs/ (no "..", no spaces or controls) or a SHA-1 or SHA-256
// object id, with an optional final newline.
func validHead(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte("\n"))
	if ref, ok := bytes.CutPrefix(b, []byte("ref: refs/")); ok {
		if len(ref) == 0 || bytes.Contains(ref, []byte("..")) {
			return false
		}
		for _, c := range ref {
			if c <= ' ' || c == 0x7f {
				return false
			}
		}
		return true
	}
	if len(b) != 40 && len(b) != 64 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// gitLayout is what protectedIn found for one work tree.
type gitLayout struct {
	ro, pin, guard []string
	// gitDirs are verified after the command (top-level entries, HEAD).
	gitDirs []string
	// outside are git dirs outside the writable root (a worktree's, its
	// common dir): git needs to write there to record work.
	outside []string
}

// readGitDirs returns the git dirs of the work tree whose .git entry is
// dotgit: its own, its common dir and its submodules', canonical.
func readGitDirs(dotgit string) (dirs []string, pointerFile bool) {
	fi, err := os.Lstat(dotgit)
	if err != nil {
		return nil, false
	}
	switch {
	case fi.IsDir():
		dirs = append(dirs, canon(dotgit))
	case fi.Mode().IsRegular():
		pointerFile = true
		if gd, err := readGitdirPointer(dotgit); err == nil {
			dirs = append(dirs, gd)
		}
	}
	for i := 0; i < len(dirs); i++ { // grows with commondir, modules and worktrees
		gd := dirs[i]
		if b, err := os.ReadFile(filepath.Join(gd, "commondir")); err == nil {
			cd := strings.TrimSpace(string(b))
			if !filepath.IsAbs(cd) {
				cd = filepath.Join(gd, cd)
			}
			dirs = appendNew(dirs, canon(cd))
		}
		for _, sub := range []string{"modules", "worktrees"} {
			ents, err := os.ReadDir(filepath.Join(gd, sub))
			if err != nil {
				continue
			}
			for _, m := range ents {
				if m.IsDir() {
					dirs = appendNew(dirs, filepath.Join(gd, sub, m.Name()))
				}
			}
		}
	}
	return dirs, pointerFile
}

// protectGit adds the protection of the work tree whose .git entry is
// dotgit (inside writable root w) to l.
func (l *gitLayout) protectGit(w, dotgit string, allowGit bool) {
	add := func(p string) {
		l.guard = append(l.guard, p)
		if exists(p) {
			l.ro = append(l.ro, p)
		}
	}
	dirs, pointer := readGitDirs(dotgit)
	if pointer {
		add(dotgit) // the pointer file itself
	} else if len(dirs) > 0 {
		l.pin = append(l.pin, dotgit)
	}
	for _, gd := range dirs {
		if !allowGit {
			add(gd)
			continue
		}
		for _, n := range gitControlNames {
			add(filepath.Join(gd, n))
		}
		l.gitDirs = appendNew(l.gitDirs, gd)
		if !under(gd, w) {
			l.outside = appendNew(l.outside, gd)
		}
	}
}

// gitConfigRunsPrograms reports whether a git config file's text sets a key
// that makes git run a program or read another config file.
func gitConfigRunsPrograms(b []byte) (string, bool) {
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return line, true // not understood: treat as dangerous
			}
			head := line[1:end]
			name, sub, _ := strings.Cut(head, " ")
			section = strings.ToLower(name)
			if sub != "" {
				section += ".*"
			}
			if strings.HasPrefix(section, "include") {
				return "[" + head + "]", true
			}
			line = strings.TrimSpace(line[end+1:])
			if line == "" {
				continue
			}
		}
		key, _, _ := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if dangerousGitKey(section, key) {
			return section + "." + key, true
		}
	}
	return "", false
}

func dangerousGitKey(section, key string) bool {
	switch section {
	case "core":
		switch key {
		case "fsmonitor", "hookspath", "pager", "editor", "sshcommand", "askpass", "gitproxy", "worktree":
			return true
		}
	case "diff":
		return key == "external"
	case "diff.*":
		return key == "textconv" || key == "command"
	case "filter.*":
		return true
	case "merge.*":
		return key == "driver"
	case "credential", "credential.*":
		return key == "helper"
	case "gpg", "gpg.*":
		return key == "program"
	case "sequence":
		return key == "editor"
	case "remote.*":
		return key == "uploadpack" || key == "receivepack" || key == "proxy"
	case "uploadpack":
		return key == "packobjectshook"
	case "submodule.*":
		return key == "update"
	case "trailer.*":
		return key == "command" || key == "cmd"
	case "pager", "alias", "difftool.*", "mergetool.*", "protocol", "protocol.*":
		return true
	}
	return false
}

// checkNewRepo inspects a .git that a command created where there was none:
// a repository git init or git clone makes is left alone; one whose config,
// hooks or pointers would make git run a program is moved aside.
func checkNewRepo(dotgit string) (string, error) {
	why := ""
	fi, err := os.Lstat(dotgit)
	if err != nil {
		return "", nil
	}
	switch {
	case !fi.IsDir():
		why = "a .git that is not a directory"
	default:
		for _, n := range []string{"config", "config.worktree"} {
			if b, err := os.ReadFile(filepath.Join(dotgit, n)); err == nil {
				if k, bad := gitConfigRunsPrograms(b); bad {
					why = "its " + n + " sets " + k
					break
				}
			}
		}
		if why == "" {
			for _, n := range []string{"commondir", "gitdir"} {
				if exists(filepath.Join(dotgit, n)) {
					why = "it has a " + n + " pointer"
				}
			}
		}
		if why == "" {
			ents, _ := os.ReadDir(filepath.Join(dotgit, "hooks"))
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".sample") {
					why = "it has a hook " + e.Name()
					break
				}
			}
		}
	}
	if why == "" {
		return "", nil
	}
	dst := dotgit + ".kodex-quarantine"
	for i := 1; exists(dst); i++ {
		dst = dotgit + ".kodex-quarantine-" + strconv.Itoa(i)
	}
	if err := os.Rename(dotgit, dst); err != nil {
		return why, errors.Join(errors.New("moving the new repository aside"), err)
	}
	return why + "; moved to " + dst, nil
}
