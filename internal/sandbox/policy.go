package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

func fmtErr(format string, a ...any) error { return fmt.Errorf("sandbox: "+format, a...) }

// spec is what the helper enforces: the policy resolved to concrete,
// canonical paths by the parent. It travels as JSON in the helper's argv
// (it holds no secrets, only paths).
type spec struct {
	Mode       protocol.SandboxMode `json:"mode"`
	Network    bool                 `json:"network,omitempty"`
	Namespaces bool                 `json:"namespaces,omitempty"`
	ABI        int                  `json:"abi"`
	Mechanism  string               `json:"mechanism"`
	// Writable are the writable roots (empty in read-only mode), including
	// git dirs outside them that git writes to record work (a worktree's).
	Writable []string `json:"writable,omitempty"`
	// ReadOnly are existing paths inside writable roots that are bind-mounted
	// read-only (namespaces): git control files, .kodex, shell start-up
	// files, hard-linked files.
	ReadOnly []string `json:"read_only,omitempty"`
	// Pin are existing .git entries bind-mounted onto themselves so they
	// cannot be renamed or removed.
	Pin []string `json:"pin,omitempty"`
	// Guard are paths snapshotted before and restored after the command.
	Guard []string `json:"guard,omitempty"`
	// GitDirs are git dirs verified after the command: only what records
	// work may appear at their top level, and HEAD must stay a ref or an id.
	GitDirs []string `json:"git_dirs,omitempty"`
	// NewRepos are <root>/.git paths absent before the command; a
	// repository created there that would run programs is moved aside.
	NewRepos []string `json:"new_repos,omitempty"`
	// Protect are existing paths inside writable roots that stay read-only
	// and cannot be replaced (shell start-up files, git's global config).
	Protect []string `json:"protect,omitempty"`
	// Linked are hard-linked files (or directories of them) whose other
	// links are outside the roots: their contents must not change. With
	// namespaces they are read-only mounts, LinkedHoles (what else lives in
	// a coarse directory of them) writable mounts on top; without, the
	// integrity check restores LinkedFiles in place.
	Linked      []string `json:"linked,omitempty"`
	LinkedHoles []string `json:"linked_holes,omitempty"`
	LinkedFiles []string `json:"linked_files,omitempty"`
	// DenyRead are existing secret paths.
	DenyRead []string `json:"deny_read,omitempty"`
	// TmpDir is the private temp dir: the session's, or "" until the
	// supervisor makes one for this command (and removes it afterwards).
	TmpDir string `json:"tmp_dir,omitempty"`
	// TTY: fds 0–2 are a terminal that becomes the command's controlling
	// terminal.
	TTY         bool   `json:"tty,omitempty"`
	MaxFileSize int64  `json:"max_file_size"`
	MaxProcs    int    `json:"max_procs,omitempty"`
	Cwd         string `json:"cwd"`
	// Warnings are said to the user with the command's result.
	Warnings []string `json:"-"`
}

// secretNames are the built-in deny-read paths relative to the home dir.
var secretNames = []string{".ssh", ".gnupg", ".aws", ".netrc", ".docker/config.json",
	".config/gcloud", ".kube/config", ".git-credentials", ".config/gh/hosts.yml",
	".azure", ".config/gh", ".npmrc", ".pypirc", ".password-store"}

// kodexStateNames are kodex's own state below $KODEX_HOME: denied
// (individually when a writable root or the cwd is inside $KODEX_HOME,
// else with the whole directory).
var kodexStateNames = []string{"auth.json", ".credentials.json", ".env", "config.toml",
	"sessions", "archived_sessions", "history.jsonl", "log", "rules", "mcp-auth"}

// startupNames are files below the home dir that decide what later runs
// outside the sandbox (shells, git): read-only even inside a writable root.
var startupNames = []string{".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
	".zshrc", ".zshenv", ".zprofile", ".zlogin", ".zlogout", ".config/fish", ".gitconfig",
	".config/git", ".inputrc", ".kshrc", ".mkshrc", ".cshrc", ".tcshrc", ".pam_environment",
	".config/environment.d", ".config/autostart", ".config/systemd", ".local/bin"}

// canon returns p absolute, cleaned and with symlinks resolved when it
// exists (or its longest existing parent resolved when it does not).
func canon(p string) string {
	if !filepath.IsAbs(p) {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
	}
	p = filepath.Clean(p)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	dir, base := filepath.Split(p)
	if dir == p || dir == "" {
		return p
	}
	return filepath.Join(canon(filepath.Clean(dir)), base)
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// buildSpec resolves req into a spec. It does not touch the kernel.
func buildSpec(req Request) (spec, error) {
	s := spec{
		Mode:        req.Policy.Mode,
		Network:     req.Policy.Mode == protocol.SandboxWorkspaceWrite && req.Policy.NetworkAccess,
		MaxFileSize: req.MaxFileSize,
		MaxProcs:    req.MaxProcs,
		Cwd:         req.Cwd,
		TTY:         req.TTY,
	}
	if s.MaxProcs == 0 {
		s.MaxProcs = DefaultMaxProcs
	}
	if s.MaxFileSize <= 0 {
		s.MaxFileSize = DefaultMaxFileSize
	}
	if s.Cwd == "" {
		wd, err := os.Getwd()
		if err != nil {
			return s, fmt.Errorf("sandbox: getting working directory: %w", err)
		}
		s.Cwd = wd
	}
	s.Cwd = canon(s.Cwd)
	home := req.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home != "" {
		home = canon(home)
	}
	if s.Mode == protocol.SandboxWorkspaceWrite {
		if err := s.addRoots(req, home); err != nil {
			return s, err
		}
	}
	s.DenyRead = denyRead(req, home, s.Cwd, s.Writable)
	// A secret is hidden, not guarded (the supervisor cannot read it once
	// it is covered).
	s.Guard = s.notSecret(s.Guard)
	s.ReadOnly = s.notSecret(s.ReadOnly)
	s.Protect = s.notSecret(s.Protect)
	return s, nil
}

// notSecret drops the paths beneath a deny-read secret.
func (s *spec) notSecret(paths []string) []string {
	out := paths[:0]
next:
	for _, p := range paths {
		for _, d := range s.DenyRead {
			if under(p, d) {
				continue next
			}
		}
		out = append(out, p)
	}
	return out
}

// addRoots sets the writable roots of a workspace-write spec and what is
// protected inside them.
func (s *spec) addRoots(req Request, home string) error {
	seen := map[string]bool{}
	for _, r := range req.Policy.WritableRoots {
		c := canon(r)
		if c == "/" {
			return fmtErr("refusing / as a writable root (use danger-full-access explicitly)")
		}
		if !seen[c] && exists(c) {
			seen[c] = true
			s.Writable = append(s.Writable, c)
		}
	}
	if req.TmpDir != "" {
		s.TmpDir = canon(req.TmpDir)
	}
	var l gitLayout
	now := time.Now()
	for _, w := range s.Writable {
		if home != "" && w == home {
			s.Warnings = append(s.Warnings, fmt.Sprintf("the writable root %s is your home directory; secrets, shell start-up files and git's config stay protected, but everything else there is writable", w))
		}
		l.guard = append(l.guard, filepath.Join(w, ".kodex"), filepath.Join(w, ".gitmodules"))
		if exists(filepath.Join(w, ".kodex")) {
			l.ro = append(l.ro, filepath.Join(w, ".kodex"))
		}
		dotgit := filepath.Join(w, ".git")
		if exists(dotgit) {
			l.protectGit(w, dotgit, req.Policy.AllowGitWrites)
		} else {
			s.NewRepos = append(s.NewRepos, dotgit) // git init is legitimate work
		}
		sc := scans.get(w, now)
		for _, nested := range sc.nested {
			l.protectGit(w, nested, req.Policy.AllowGitWrites)
			kd := filepath.Join(filepath.Dir(nested), ".kodex")
			l.guard = append(l.guard, kd)
			if exists(kd) {
				l.ro = append(l.ro, kd)
			}
		}
		s.Linked = append(s.Linked, sc.linked...)
		s.LinkedHoles = append(s.LinkedHoles, sc.holes...)
		s.LinkedFiles = append(s.LinkedFiles, sc.linkedFiles...)
		if sc.truncated {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s has more than %d entries: nested repositories and hard-linked files beyond them are not protected", w, maxScanEntries))
		}
	}
	for _, gd := range l.outside {
		if req.Policy.AllowGitWrites && !seen[gd] {
			seen[gd] = true
			s.Writable = append(s.Writable, gd)
		}
	}
	if home != "" {
		for _, n := range startupNames {
			p := filepath.Join(home, n)
			if !s.writable(p) {
				continue
			}
			l.guard = append(l.guard, p)
			if exists(p) {
				s.Protect = append(s.Protect, p)
			}
		}
	}
	s.ReadOnly, s.Pin, s.Guard, s.GitDirs = l.ro, l.pin, l.guard, l.gitDirs
	return nil
}

// writable reports whether p is beneath a writable root.
func (s *spec) writable(p string) bool {
	for _, w := range s.Writable {
		if under(p, w) {
			return true
		}
	}
	return false
}

// denyRead lists the existing secrets: the built-in ones below home,
// kodex's own state, and the policy's deny_read.
func denyRead(req Request, home, cwd string, writable []string) []string {
	kh := kodexHomeOf(req)
	var deny []string
	if home != "" {
		for _, n := range secretNames {
			deny = append(deny, filepath.Join(home, n))
		}
	}
	if kh != "" {
		kh = canon(kh)
		whole := !under(cwd, kh)
		for _, w := range writable {
			if under(w, kh) {
				whole = false
			}
		}
		if whole {
			deny = append(deny, kh)
		} else {
			for _, n := range kodexStateNames {
				deny = append(deny, filepath.Join(kh, n))
			}
		}
	}
	deny = append(deny, req.Policy.DenyRead...)
	seen := map[string]bool{}
	var out []string
	for _, d := range deny {
		if c := canon(d); exists(c) && !seen[c] && c != "/" {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// kodexHomeOf is $KODEX_HOME for req: Request.KodexHome, else the
// environment's, else ~/.kodex ("" when there is no home either).
func kodexHomeOf(req Request) string {
	if req.KodexHome != "" {
		return req.KodexHome
	}
	if kh := os.Getenv("KODEX_HOME"); kh != "" {
		return kh
	}
	home := req.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".kodex")
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// readGitdirPointer parses a ".git" file ("gitdir: <path>").
func readGitdirPointer(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "gitdir:"); ok {
			gd := strings.TrimSpace(rest)
			if !filepath.IsAbs(gd) {
				gd = filepath.Join(filepath.Dir(p), gd)
			}
			return canon(gd), nil
		}
	}
	return "", errors.New("not a gitdir pointer")
}

// under reports whether p is root or beneath it (both canonical).
func under(p, root string) bool {
	if root == "/" {
		return true
	}
	return p == root || strings.HasPrefix(p, root+"/")
}

// childEnv returns env with the sandbox markers added and any previous
// values of them removed.
func childEnv(env []string, s spec) []string {
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == EnvMechanism || k == EnvNetworkDisabled || (k == "TMPDIR" && s.TmpDir != "") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, EnvMechanism+"="+s.Mechanism)
	if !s.Network {
		out = append(out, EnvNetworkDisabled+"=1")
	}
	if s.TmpDir != "" {
		out = append(out, "TMPDIR="+s.TmpDir)
	}
	return out
}
