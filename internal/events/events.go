// Package events fans out one session's protocol.Events to any number of
// subscribers, in order and without loss.
//
// Semantics:
//
//   - Ordering. [Bus.Publish] assigns each event the next sequence number
//     (1, 2, 3, …) and delivers it to every subscriber before the next event
//     is published. Every subscriber therefore sees the same events in the
//     same order, and Publish may be called from several goroutines.
//   - No loss, back-pressure. Each subscriber has a bounded channel. When it
//     is full, Publish blocks until the subscriber reads (or cancels): a slow
//     subscriber slows the publisher, and through it the session. Nothing is
//     ever dropped, coalesced or skipped; consumers that want fewer updates
//     (e.g. a renderer) coalesce deltas on their side.
//   - Gap-free prefixes. A subscriber receives every event published after
//     [Bus.Subscribe] returned, without gaps, until its channel is closed. The
//     channel is closed by [Bus.Close] (after everything published has been
//     put in its buffer, so reading on drains it), by the subscriber's own
//     cancel function, or when the publisher gives up waiting for it (the
//     ctx passed to Publish ended while this subscriber's buffer was full).
//     In the last case the subscriber is detached rather than skipped, so it
//     sees a prefix of the stream, never a stream with a hole in it. A
//     consumer that needs to know whether it saw the end checks that the last
//     event was a protocol.ShutdownComplete.
//   - Cancel. A cancelled subscriber never blocks the publisher again; its
//     channel is closed and drained, so a range loop over it ends.
//
// Subscribe before the session publishes its first event
// (protocol.SessionConfigured) to see the whole stream; there is no replay.
//
// This package does not persist events (see internal/rollout) and does not
// interpret them.
package events

import (
	"context"
	"sync"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// DefaultBuffer is the channel capacity used when Subscribe is given a size
// below 1.
const DefaultBuffer = 64

// Bus is the ordered, lossless event stream of one session. The zero value
// is not usable; call New.
type Bus struct {
	pubMu  sync.Mutex // held for the whole of one delivery: serializes Publish and Close
	seq    uint64     // guarded by pubMu
	closed bool       // guarded by pubMu

	subsMu     sync.Mutex
	subs       []*subscriber // guarded by subsMu
	closedSubs bool          // guarded by subsMu: Subscribe after Close returns a closed channel
}

type subscriber struct {
	ch   chan protocol.Event
	done chan struct{} // closed by cancel or detach; unblocks a waiting publisher
	stop sync.Once     // closes done

	mu     sync.Mutex // guards sends on ch and closing it
	closed bool       // guarded by mu
}

// New returns an empty bus.
func New() *Bus { return &Bus{} }

// Subscribe registers a subscriber with a channel of capacity bufSize
// (DefaultBuffer if bufSize < 1). It receives every event published after
// Subscribe returns. cancel detaches it, closes the channel and discards
// what is still buffered; it may be called more than once and from any
// goroutine, and it never waits for the publisher.
//
// Subscribing to a closed bus returns an already closed channel.
func (b *Bus) Subscribe(bufSize int) (<-chan protocol.Event, func()) {
	if bufSize < 1 {
		bufSize = DefaultBuffer
	}
	s := &subscriber{ch: make(chan protocol.Event, bufSize), done: make(chan struct{})}
	b.subsMu.Lock()
	if b.closedSubs {
		b.subsMu.Unlock()
		s.close()
		return s.ch, func() {}
	}
	b.subs = append(b.subs, s)
	b.subsMu.Unlock()
	return s.ch, func() { b.cancel(s) }
}

// Publish assigns msg the next sequence number, delivers it to every
// subscriber and returns the event. It blocks while a subscriber's buffer is
// full (back-pressure). If ctx ends while it waits, the subscribers that have
// not taken the event yet are detached (their channels closed), and Publish
// returns normally: the event counts as published.
//
// Publish after Close delivers nothing and returns an event with Seq 0.
func (b *Bus) Publish(ctx context.Context, msg protocol.EventMsg, id string) protocol.Event {
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	if b.closed {
		return protocol.Event{ID: id, Msg: msg}
	}
	b.seq++
	ev := protocol.Event{Seq: b.seq, ID: id, Msg: msg}
	for _, s := range b.snapshot() {
		s.deliver(ctx, ev)
	}
	return ev
}

// LastSeq returns the sequence number of the last published event (0 if
// none).
func (b *Bus) LastSeq() uint64 {
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	return b.seq
}

// Close waits for a running Publish to finish, then closes every
// subscriber's channel. Events already delivered stay readable from the
// channels' buffers. Close is idempotent.
func (b *Bus) Close() {
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	b.closed = true
	b.subsMu.Lock()
	subs := b.subs
	b.subs = nil
	b.closedSubs = true
	b.subsMu.Unlock()
	for _, s := range subs {
		s.close()
	}
}

// snapshot returns the live subscribers, pruning closed ones.
func (b *Bus) snapshot() []*subscriber {
	b.subsMu.Lock()
	defer b.subsMu.Unlock()
	live := b.subs[:0]
	for _, s := range b.subs {
		if !s.isClosed() {
			live = append(live, s)
		}
	}
	clear(b.subs[len(live):])
	b.subs = live
	return append([]*subscriber(nil), live...)
}

func (b *Bus) cancel(s *subscriber) {
	s.stop.Do(func() { close(s.done) }) // releases a publisher blocked on s
	s.close()
	for range s.ch { // discard what is buffered so a range loop ends
	}
	b.subsMu.Lock()
	for i, x := range b.subs {
		if x == s {
			b.subs = append(b.subs[:i], b.subs[i+1:]...)
			break
		}
	}
	b.subsMu.Unlock()
}

// deliver sends ev to s, waiting for room unless s is cancelled or ctx ends;
// in the latter case s is detached.
func (s *subscriber) deliver(ctx context.Context, ev protocol.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- ev:
		return
	default:
	}
	select {
	case s.ch <- ev:
	case <-s.done:
	case <-ctx.Done():
		s.stop.Do(func() { close(s.done) })
		s.closed = true
		close(s.ch)
	}
}

func (s *subscriber) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

func (s *subscriber) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
