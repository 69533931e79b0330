package rollout

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kodex-cli/kodex/internal/gitx"
)

// GitTimeout bounds CollectGit.
const GitTimeout = 2 * time.Second

// CollectGit returns the branch, commit and origin URL of the repository
// containing dir, running git through gitx (hardened against the
// repository) with a short timeout. It is best-effort: nil when dir is not
// in a repository, gitx refuses the repository or git is unavailable,
// partial fields when some queries fail. Credentials in the origin URL are
// removed.
func CollectGit(ctx context.Context, dir string) *GitInfo {
	ctx, cancel := context.WithTimeout(ctx, GitTimeout)
	defer cancel()
	repo, err := gitx.Open(ctx, dir)
	if err != nil {
		return nil
	}
	queries := [][]string{
		{"rev-parse", "HEAD"},
		{"rev-parse", "--abbrev-ref", "HEAD"},
		{"remote", "get-url", "origin"},
	}
	out := make([]string, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() {
			if b, err := repo.Run(ctx, q...); err == nil {
				out[i] = strings.TrimSpace(string(b))
			}
		})
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
