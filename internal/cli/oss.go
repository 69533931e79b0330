package cli

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/kodex-cli/kodex/internal/config"
)

// ossProbeTimeout bounds the check that a local model server listens.
const ossProbeTimeout = 2 * time.Second

// ossReady checks, for --oss, that the local provider's server accepts
// connections before a session starts, and says how to start one when it
// does not: otherwise the first prompt would retry a refused connection
// four times and end in a network error.
func ossReady(ctx context.Context, cfg *config.Config) error {
	u, err := url.Parse(cfg.Provider.BaseURL)
	if err != nil || u.Host == "" {
		return nil // a malformed base_url is reported by the client, with the key to fix
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	ctx, cancel := context.WithTimeout(ctx, ossProbeTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err == nil {
		return conn.Close()
	}
	start := "start your local model server"
	switch cfg.Provider.ID {
	case "ollama":
		start = fmt.Sprintf("start Ollama (`ollama serve`) and get the model (`ollama pull %s`)", cfg.Model)
	case "lmstudio":
		start = fmt.Sprintf("start LM Studio's server (`lms server start`) and load the model (`lms load %s`)", cfg.Model)
	}
	return fmt.Errorf("--oss: no local model server answers at %s (%s): %w\n%s; or choose the other local provider with -c oss_provider=%s",
		host, cfg.Provider.ID, err, start, otherOSS(cfg.Provider.ID))
}

func otherOSS(id string) string {
	if id == "lmstudio" {
		return "ollama"
	}
	return "lmstudio"
}
