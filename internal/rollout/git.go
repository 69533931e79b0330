package rollout

import (
	"context"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// GitTimeout bounds CollectGit.
const GitTimeout = 2 * time.Second

// CollectGit returns the branch, commit and origin URL of the repository
// containing dir, running git with a short timeout. It is best-effort: nil
// when dir is not in a repository or git is unavailable, partial fields when
// some queries fail. Credentials in the origin URL are removed.
func CollectGit(ctx context.Context, dir string) *GitInfo {
	ctx, cancel := context.WithTimeout(ctx, GitTimeout)
	defer cancel()
	queries := [][]string{
		{"rev-parse", "HEAD"},
		{"rev-parse", "--abbrev-ref", "HEAD"},
		{"remote", "get-url", "origin"},
	}
	out := make([]string, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() { out[i] = git(ctx, dir, q...) })
	}
	wg.Wait()
	if out[0] == "" && out[1] == "" {
		return nil
	}
	info := &GitInfo{Commit: out[0], Branch: out[1], RepositoryURL: redactURL(out[2])}
	if info.Branch == "HEAD" { // detached
		info.Branch = ""
	}
	return info
}

func git(ctx context.Context, dir string, args ...string) string {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	b, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// redactURL drops user info (tokens) from a URL; scp-like remotes
// (git@host:path) are kept.
func redactURL(s string) string {
	if s == "" || !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	u.User = nil
	return u.String()
}
