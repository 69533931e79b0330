package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	// Writable are the writable roots (empty in read-only mode).
	Writable []string `json:"writable,omitempty"`
	// ReadOnly are existing paths inside writable roots that are bind-mounted
	// read-only (namespaces) and guarded by the integrity check.
	ReadOnly []string `json:"read_only,omitempty"`
	// Pin are existing .git entries bind-mounted onto themselves so they
	// cannot be renamed or removed.
	Pin []string `json:"pin,omitempty"`
	// Guard are paths snapshotted before and restored after the command.
	Guard []string `json:"guard,omitempty"`
	// DenyRead are existing secret paths.
	DenyRead []string `json:"deny_read,omitempty"`
	// TmpDir is the private temp dir ("" until the supervisor makes it).
	TmpDir      string `json:"tmp_dir,omitempty"`
	MaxFileSize int64  `json:"max_file_size"`
	MaxProcs    int    `json:"max_procs,omitempty"`
	Cwd         string `json:"cwd"`
}

// secretNames are the built-in deny-read paths relative to the home dir.
var secretNames = []string{".ssh", ".gnupg", ".aws", ".netrc", ".docker/config.json",
	".config/gcloud", ".kube/config", ".git-credentials", ".config/gh/hosts.yml"}

// kodexSecretNames are the deny-read paths relative to $KODEX_HOME.
var kodexSecretNames = []string{"auth.json", ".credentials.json", ".env"}

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
	if s.Mode == protocol.SandboxWorkspaceWrite {
		seen := map[string]bool{}
		for _, r := range req.Policy.WritableRoots {
			c := canon(r)
			if c == "/" {
				return s, fmtErr("refusing / as a writable root (use danger-full-access explicitly)")
			}
			if !seen[c] && exists(c) {
				seen[c] = true
				s.Writable = append(s.Writable, c)
			}
		}
		for _, w := range s.Writable {
			ro, pin, guard := protectedIn(w, req.Policy.AllowGitWrites)
			s.ReadOnly = append(s.ReadOnly, ro...)
			s.Pin = append(s.Pin, pin...)
			s.Guard = append(s.Guard, guard...)
		}
	}
	home := req.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	kh := req.KodexHome
	if kh == "" {
		kh = os.Getenv("KODEX_HOME")
	}
	if kh == "" && home != "" {
		kh = filepath.Join(home, ".kodex")
	}
	var deny []string
	if home != "" {
		for _, n := range secretNames {
			deny = append(deny, filepath.Join(home, n))
		}
	}
	if kh != "" {
		for _, n := range kodexSecretNames {
			deny = append(deny, filepath.Join(kh, n))
		}
	}
	deny = append(deny, req.Policy.DenyRead...)
	seen := map[string]bool{}
	for _, d := range deny {
		if c := canon(d); exists(c) && !seen[c] && c != "/" {
			seen[c] = true
			s.DenyRead = append(s.DenyRead, c)
		}
	}
	return s, nil
}

// protectedIn returns the protected paths of writable root w: read-only
// (existing hooks, config, info, the .git pointer file, .kodex, and the
// whole git dir when git writes are not allowed), pinned (.git itself) and
// guarded (all of those plus .gitmodules, existing or not).
func protectedIn(w string, allowGit bool) (ro, pin, guard []string) {
	add := func(p string) {
		guard = append(guard, p)
		if exists(p) {
			ro = append(ro, p)
		}
	}
	add(filepath.Join(w, ".kodex"))
	guard = append(guard, filepath.Join(w, ".gitmodules"))
	dotgit := filepath.Join(w, ".git")
	fi, err := os.Lstat(dotgit)
	if err != nil {
		return ro, pin, guard // no repo: `git init` is legitimate work
	}
	var gitdirs []string
	switch {
	case fi.IsDir():
		pin = append(pin, dotgit)
		gitdirs = append(gitdirs, dotgit)
	case fi.Mode().IsRegular():
		add(dotgit) // the pointer file
		if gd, err := readGitdirPointer(dotgit); err == nil {
			gitdirs = append(gitdirs, gd)
		}
	}
	for i := 0; i < len(gitdirs); i++ { // grows with commondir and modules
		gd := gitdirs[i]
		if b, err := os.ReadFile(filepath.Join(gd, "commondir")); err == nil {
			cd := strings.TrimSpace(string(b))
			if !filepath.IsAbs(cd) {
				cd = filepath.Join(gd, cd)
			}
			gitdirs = appendNew(gitdirs, canon(cd))
		}
		if mods, err := os.ReadDir(filepath.Join(gd, "modules")); err == nil {
			for _, m := range mods {
				if m.IsDir() {
					gitdirs = appendNew(gitdirs, filepath.Join(gd, "modules", m.Name()))
				}
			}
		}
	}
	for _, gd := range gitdirs {
		if !allowGit {
			add(gd)
			continue
		}
		for _, n := range []string{"hooks", "config", "info", "config.worktree"} {
			add(filepath.Join(gd, n))
		}
	}
	return ro, pin, guard
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
