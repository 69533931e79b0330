package appserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/websocket"

	"github.com/kodex-cli/kodex/internal/jsonrpc"
)

// ServeWebSocket serves the protocol over WebSocket on ln (bound to
// loopback by the caller), as Codex's app server does with --listen ws://:
// one JSON-RPC message per text message, several clients at once, each
// with its own threads. An upgrade request must carry the capability token
// as "Authorization: Bearer TOKEN" (tokenSHA256 is the SHA-256 of the
// token); one with an Origin header (a web page) is refused. It serves
// until ctx is cancelled.
func ServeWebSocket(ctx context.Context, ln net.Listener, tokenSHA256 [32]byte, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ws := websocket.Server{
		// The checks are done before the upgrade, in the handler below.
		Handshake: func(*websocket.Config, *http.Request) error { return nil },
		Handler: func(c *websocket.Conn) {
			c.PayloadType = websocket.TextFrame
			c.MaxPayloadBytes = jsonrpc.MaxLine
			stop := context.AfterFunc(ctx, func() { _ = c.Close() })
			defer stop()
			if err := Serve(ctx, &wsReader{c: c}, &wsWriter{c: c}, opts); err != nil && ctx.Err() == nil {
				opts.logger().Debug("app-server: websocket connection", "err", err)
			}
		},
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Origin") != "" {
				http.Error(w, "requests from web pages are refused", http.StatusForbidden)
				return
			}
			if !bearerMatches(r.Header.Get("Authorization"), tokenSHA256) {
				w.Header().Set("WWW-Authenticate", "Bearer")
				http.Error(w, "a capability token is required: Authorization: Bearer TOKEN", http.StatusUnauthorized)
				return
			}
			ws.ServeHTTP(w, r)
		}),
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// bearerMatches compares the bearer token of an Authorization header with
// the expected token's digest, in constant time.
func bearerMatches(header string, want [32]byte) bool {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// wsReader turns WebSocket messages into the JSON lines Serve reads. A
// message's line breaks can only be JSON whitespace (a string holds them
// escaped), so they become spaces.
type wsReader struct {
	c   *websocket.Conn
	buf []byte
}

func (r *wsReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		var msg []byte
		if err := websocket.Message.Receive(r.c, &msg); err != nil {
			return 0, err
		}
		msg = bytes.ReplaceAll(bytes.ReplaceAll(msg, []byte("\r"), []byte(" ")), []byte("\n"), []byte(" "))
		r.buf = append(msg, '\n')
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// wsWriter sends each message Serve writes (one line per Write, see
// jsonrpc.Writer) as one text message.
type wsWriter struct{ c *websocket.Conn }

func (w *wsWriter) Write(p []byte) (int, error) {
	if err := websocket.Message.Send(w.c, string(bytes.TrimSuffix(p, []byte("\n")))); err != nil {
		return 0, err
	}
	return len(p), nil
}
