package appserver_test

import (
	"bufio"
	"crypto/sha1" //nolint:gosec // RFC 6455's accept key is SHA-1
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// wsClient is a minimal WebSocket client (RFC 6455) for the test: it
// sends no Origin header, as programs (not web pages) do, unlike
// golang.org/x/net/websocket's client. Write sends one masked text message
// per call; the messages received are copied to a pipe, one per line.
type wsClient struct {
	c  net.Conn
	br *bufio.Reader
	mu sync.Mutex
}

// dialWS upgrades a connection to url with header; a refused upgrade
// returns the HTTP status.
func dialWS(url string, header http.Header) (*wsClient, error) {
	hostport := strings.TrimPrefix(url, "ws://")
	c, err := net.Dial("tcp", hostport)
	if err != nil {
		return nil, err
	}
	key := base64.StdEncoding.EncodeToString([]byte("kodex-test-key-1"))
	req, _ := http.NewRequest(http.MethodGet, "http://"+hostport+"/", nil)
	req.Header = header.Clone()
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", key)
	req.Header.Set("Sec-WebSocket-Version", "13")
	if err := req.Write(c); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("upgrade refused: %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		c.Close()
		return nil, errors.New("bad Sec-WebSocket-Accept")
	}
	return &wsClient{c: c, br: br}, nil
}

func (w *wsClient) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	frame := []byte{0x81} // FIN, text
	switch n := len(p); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n < 1<<16:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	mask := [4]byte{1, 2, 3, 4}
	frame = append(frame, mask[:]...)
	for i, b := range p {
		frame = append(frame, b^mask[i%4])
	}
	if _, err := w.c.Write(frame); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *wsClient) Close() error { return w.c.Close() }

// messages copies the text messages received to a pipe, one per line.
func (w *wsClient) messages() io.Reader {
	r, pw := io.Pipe()
	go func() {
		var msg []byte
		for {
			var h [2]byte
			if _, err := io.ReadFull(w.br, h[:]); err != nil {
				pw.CloseWithError(err)
				return
			}
			n := uint64(h[1] & 0x7f)
			switch n {
			case 126:
				var b [2]byte
				_, _ = io.ReadFull(w.br, b[:])
				n = uint64(binary.BigEndian.Uint16(b[:]))
			case 127:
				var b [8]byte
				_, _ = io.ReadFull(w.br, b[:])
				n = binary.BigEndian.Uint64(b[:])
			}
			payload := make([]byte, n)
			if _, err := io.ReadFull(w.br, payload); err != nil {
				pw.CloseWithError(err)
				return
			}
			switch h[0] & 0x0f {
			case 0x8: // close
				pw.Close()
				return
			case 0x1, 0x0:
				msg = append(msg, payload...)
				if h[0]&0x80 != 0 {
					if _, err := pw.Write(append(msg, '\n')); err != nil {
						return
					}
					msg = nil
				}
			}
		}
	}()
	return r
}

// TestWebSocket: --listen ws://127.0.0.1:PORT serves clients that present
// the capability token, refuses those that do not and web pages, and runs
// a turn over it.
func TestWebSocket(t *testing.T) {
	t.Parallel()
	srv := modeltest.NewServer(modeltest.Options{T: t, Script: []modeltest.Response{modeltest.Text("over the socket")}, Loop: true})
	e := newEnv(t, srv.URL())
	if err := os.WriteFile(filepath.Join(e.home, "config.toml"), []byte("openai_base_url = \""+srv.URL()+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const token = "a-long-random-capability-token-0123"
	tokenFile := filepath.Join(filepath.Dir(e.home), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url := e.listen(t, "--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token", "--ws-token-file", tokenFile)
	dial := func(header http.Header) (*wsClient, error) { return dialWS(url, header) }
	if c, err := dial(http.Header{}); err == nil {
		c.Close()
		t.Error("a client without the token was let in")
	}
	if c, err := dial(http.Header{"Authorization": {"Bearer not-the-token"}}); err == nil {
		c.Close()
		t.Error("a client with a wrong token was let in")
	}
	if c, err := dial(http.Header{"Authorization": {"Bearer " + token}, "Origin": {"https://evil.example"}}); err == nil {
		c.Close()
		t.Error("a web page was let in")
	}
	c, err := dial(http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatalf("the client with the token: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	s := newClient(t, c, c.messages())
	s.initialize()
	thread := startThread(t, s, map[string]any{"cwd": e.work})
	msgs := runTurn(t, s, thread, "hi")
	var answered bool
	for _, m := range msgs {
		if m.Method == "item/completed" && params[itemNote](t, m).Item["text"] == "over the socket" {
			answered = true
		}
	}
	if !answered {
		t.Errorf("no answer over the WebSocket in %v", methods(t, msgs, ""))
	}
}
