package appserver

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// streamThread is a thread whose turn streams n answer deltas as fast as
// the server takes them, counting those it handed over; Shutdown ends it.
type streamThread struct {
	n      int
	events chan protocol.Event
	sent   atomic.Int64
	stop   chan struct{}
	once   sync.Once
}

func (s *streamThread) run() {
	defer close(s.events)
	send := func(msg protocol.EventMsg) bool {
		select {
		case s.events <- protocol.Event{ID: "1", Msg: msg}:
			return true
		case <-s.stop:
			return false
		}
	}
	if !send(protocol.TurnStarted{TurnID: "1"}) {
		return
	}
	for i := range s.n {
		if !send(protocol.AgentMessageDelta{ItemID: "answer", Delta: strconv.Itoa(i)}) {
			return
		}
		s.sent.Store(int64(i + 1))
	}
	<-s.stop
}

func (s *streamThread) Submit(_ context.Context, op protocol.Op) (string, error) {
	if _, ok := op.(protocol.Shutdown); ok {
		s.once.Do(func() { close(s.stop) })
	}
	return "op", nil
}
func (s *streamThread) Events() <-chan protocol.Event { return s.events }
func (s *streamThread) Info() ThreadInfo              { return ThreadInfo{ID: "thread-1", Cwd: "/w"} }
func (s *streamThread) Close()                        {}

type streamBackend struct {
	noBackend
	th *streamThread
}

func (b streamBackend) Open(context.Context, OpenRequest) (Thread, error) {
	go b.th.run()
	return b.th, nil
}

// TestSlowClientSlowsItsThread: a client that reads slowly holds its
// thread back — the thread is never more than one event ahead of what
// the client has read, whatever the client's pace — and gets every event,
// in order.
func TestSlowClientSlowsItsThread(t *testing.T) {
	t.Parallel()
	th := &streamThread{n: 300, events: make(chan protocol.Event), stop: make(chan struct{})}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), inR, outW, Options{Backend: streamBackend{th: th}})
		_ = outW.Close()
	}()
	go func() {
		_, _ = io.WriteString(inW, `{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}`+"\n"+
			`{"id":2,"method":"thread/start","params":{}}`+"\n")
	}()
	// Each message is one write the server makes, and an io.Pipe read
	// returns at most one write: the client takes one message at a time,
	// and the server's write returns only once it has.
	buf := make([]byte, 1<<20)
	var deltas []string
	for len(deltas) < th.n {
		n, err := outR.Read(buf)
		if err != nil {
			t.Fatalf("after %d deltas: %v", len(deltas), err)
		}
		var m struct {
			Method string `json:"method"`
			Params struct {
				Delta string `json:"delta"`
			} `json:"params"`
		}
		if err := json.Unmarshal(buf[:n], &m); err != nil {
			t.Fatalf("not one JSON message per read: %q: %v", buf[:n], err)
		}
		if m.Method != "item/agentMessage/delta" {
			continue
		}
		deltas = append(deltas, m.Params.Delta)
		if sent := th.sent.Load(); sent > int64(len(deltas))+1 {
			t.Fatalf("the thread handed over %d deltas while the client had read %d: it did not wait for the client", sent, len(deltas))
		}
	}
	for i, d := range deltas {
		if d != strconv.Itoa(i) {
			t.Fatalf("delta %d is %q: events lost or reordered", i, d)
		}
	}
	_ = inW.Close() // the client goes
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}
