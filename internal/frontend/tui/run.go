package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Run runs the UI until the user quits and the session has shut down. The
// returned Summary names the session and its token usage, for the caller to
// print with `kodex resume <id>`.
func Run(ctx context.Context, opts Options) (Summary, error) {
	if opts.Session == nil {
		return Summary{}, errors.New("tui: no session")
	}
	in, out := opts.In, opts.Out
	if in == nil {
		in = os.Stdin
	}
	if out == nil {
		out = os.Stdout
	}
	ctx, cancel := context.WithCancel(ctx)
	sink := newAsyncSink(ctx)
	m := newModel(ctx, opts, sink)
	sink.setSession(opts.Session)
	clock := &frameClock{}
	p := tea.NewProgram(clocked{m, clock}, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	clock.p = p
	defer clock.close()
	sink.onError = func(err error) {
		p.Send(resultMsg(func(m *model) tea.Cmd {
			m.notice(noticeError, "Could not send to the session: "+err.Error(), "")
			return nil
		}))
	}
	sink.start()
	defer func() { cancel(); sink.wait() }()
	final, err := p.Run()
	if fm, ok := final.(clocked); ok {
		m = fm.model
	}
	sum := Summary{Usage: m.status.total}
	if m.hasContent { // an empty session (nothing asked since /new) is not worth resuming
		sum.SessionID = m.status.sessionID
	}
	return sum, ignoreCanceled(err)
}

func ignoreCanceled(err error) error {
	if err == nil || errors.Is(err, tea.ErrProgramKilled) && errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("terminal ui: %w", err)
}

// opSink delivers Ops to the session in order without blocking Update.
type opSink interface {
	submit(op protocol.Op)
	setSession(s Session)
}

// asyncSink is an unbounded FIFO drained by one goroutine, so Ops reach the
// session in the order the user caused them and a slow Submit never stalls
// the UI.
type asyncSink struct {
	ctx     context.Context
	mu      sync.Mutex
	queue   []sinkItem
	wake    chan struct{}
	done    chan struct{}
	session Session
	onError func(error)
}

type sinkItem struct {
	s  Session
	op protocol.Op
}

func newAsyncSink(ctx context.Context) *asyncSink {
	return &asyncSink{ctx: ctx, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (s *asyncSink) setSession(sess Session) {
	s.mu.Lock()
	s.session = sess
	s.mu.Unlock()
}

func (s *asyncSink) submit(op protocol.Op) {
	s.mu.Lock()
	s.queue = append(s.queue, sinkItem{s.session, op})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending; the loop drains the whole queue
	}
}

func (s *asyncSink) loop() {
	defer close(s.done)
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.mu.Unlock()
				break
			}
			it := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			if err := it.s.Submit(s.ctx, it.op); err != nil && s.onError != nil && s.ctx.Err() == nil {
				s.onError(err)
			}
		}
	}
}

// start starts the delivering goroutine; set onError before.
func (s *asyncSink) start() { go s.loop() }

// wait waits for the goroutine to end after the context is canceled.
func (s *asyncSink) wait() { <-s.done }
