package events

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
	"github.com/kodex-cli/kodex/internal/protocol"
)

func msg(i int) protocol.EventMsg {
	return protocol.AgentMessageDelta{ItemID: "m", Delta: string(rune('a' + i%26))}
}

// collect reads ch until it is closed.
func collect(ch <-chan protocol.Event) <-chan []protocol.Event {
	out := make(chan []protocol.Event, 1)
	go func() {
		var got []protocol.Event
		for ev := range ch {
			got = append(got, ev)
		}
		out <- got
	}()
	return out
}

func TestOrderingAndNoLoss(t *testing.T) {
	t.Parallel()
	b := New()
	const subs, n = 4, 2000
	var results []<-chan []protocol.Event
	for i := range subs {
		ch, _ := b.Subscribe(i + 1) // small, different buffers force back-pressure
		results = append(results, collect(ch))
	}
	var want []protocol.Event
	for i := range n {
		ev := b.Publish(context.Background(), msg(i), "s1")
		want = append(want, ev)
	}
	b.Close()
	for i, r := range results {
		got := <-r
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("subscriber %d: events mismatch (-want +got):\n%s", i, diff)
		}
	}
	for i, ev := range want {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
}

func TestConcurrentPublishersSameOrderEverywhere(t *testing.T) {
	t.Parallel()
	b := New()
	a, _ := b.Subscribe(3)
	c, _ := b.Subscribe(1)
	ra, rc := collect(a), collect(c)
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for i := range 250 {
				b.Publish(context.Background(), msg(i), string(rune('A'+p)))
			}
		})
	}
	wg.Wait()
	b.Close()
	ga, gc := <-ra, <-rc
	if len(ga) != 1000 {
		t.Fatalf("got %d events, want 1000", len(ga))
	}
	if diff := cmp.Diff(ga, gc); diff != "" {
		t.Fatalf("subscribers disagree (-a +c):\n%s", diff)
	}
	for i, ev := range ga {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
}

func TestBackPressureBlocksPublisher(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := New()
		ch, _ := b.Subscribe(2)
		b.Publish(context.Background(), msg(0), "")
		b.Publish(context.Background(), msg(1), "")

		published := make(chan protocol.Event, 1)
		go func() { published <- b.Publish(context.Background(), msg(2), "") }()
		synctest.Wait() // the publisher is durably blocked on the full channel
		select {
		case <-published:
			t.Fatal("publish into a full subscriber returned without blocking")
		default:
		}
		if ev := <-ch; ev.Seq != 1 {
			t.Fatalf("first event seq = %d, want 1", ev.Seq)
		}
		if ev := <-published; ev.Seq != 3 {
			t.Fatalf("blocked event seq = %d, want 3", ev.Seq)
		}
		for want := uint64(2); want <= 3; want++ {
			if ev := <-ch; ev.Seq != want {
				t.Fatalf("seq = %d, want %d", ev.Seq, want)
			}
		}
	})
}

func TestCancelUnblocksPublisher(t *testing.T) {
	t.Parallel()
	b := New()
	slow, cancel := b.Subscribe(1)
	fast, _ := b.Subscribe(100)
	rf := collect(fast)
	b.Publish(context.Background(), msg(0), "")

	done := make(chan struct{})
	go func() {
		for i := 1; i < 10; i++ {
			b.Publish(context.Background(), msg(i), "")
		}
		close(done)
	}()
	cancel() // the slow subscriber never reads; cancelling must free the publisher
	<-done
	cancel() // idempotent
	if _, ok := <-slow; ok {
		t.Fatal("cancelled channel still delivers events")
	}
	b.Publish(context.Background(), msg(10), "")
	b.Close()
	if got := len(<-rf); got != 11 {
		t.Fatalf("other subscriber got %d events, want 11", got)
	}
}

func TestCancelEndsRangeLoop(t *testing.T) {
	t.Parallel()
	b := New()
	ch, cancel := b.Subscribe(10)
	for i := range 5 {
		b.Publish(context.Background(), msg(i), "")
	}
	n := 0
	for range ch {
		n++
		cancel()
	}
	if n != 1 {
		t.Fatalf("received %d events after cancel, want 1", n)
	}
}

func TestContextEndDetachesSlowSubscriber(t *testing.T) {
	t.Parallel()
	b := New()
	slow, _ := b.Subscribe(1)
	fast, _ := b.Subscribe(10)
	b.Publish(context.Background(), msg(0), "")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ev := b.Publish(ctx, msg(1), "")
	if ev.Seq != 2 {
		t.Fatalf("seq = %d, want 2", ev.Seq)
	}
	b.Publish(context.Background(), msg(2), "")
	b.Close()

	// The slow subscriber sees a gap-free prefix: event 1, then the end.
	var got []uint64
	for ev := range slow {
		got = append(got, ev.Seq)
	}
	if diff := cmp.Diff([]uint64{1}, got); diff != "" {
		t.Errorf("slow subscriber (-want +got):\n%s", diff)
	}
	got = nil
	for ev := range fast {
		got = append(got, ev.Seq)
	}
	if diff := cmp.Diff([]uint64{1, 2, 3}, got); diff != "" {
		t.Errorf("fast subscriber (-want +got):\n%s", diff)
	}
}

func TestCloseDeliversEverythingThenCloses(t *testing.T) {
	t.Parallel()
	b := New()
	ch, cancel := b.Subscribe(5)
	for i := range 5 {
		b.Publish(context.Background(), msg(i), "")
	}
	b.Close()
	b.Close() // idempotent
	n := 0
	for range ch {
		n++
	}
	if n != 5 {
		t.Fatalf("got %d events after close, want 5", n)
	}
	cancel() // after close: harmless

	if ev := b.Publish(context.Background(), msg(0), ""); ev.Seq != 0 {
		t.Errorf("publish after close: seq = %d, want 0", ev.Seq)
	}
	late, _ := b.Subscribe(1)
	if _, ok := <-late; ok {
		t.Error("subscribe after close: channel open")
	}
	if got := b.LastSeq(); got != 5 {
		t.Errorf("LastSeq = %d, want 5", got)
	}
}

func TestLateSubscriberSeesGapFreeSuffix(t *testing.T) {
	t.Parallel()
	b := New()
	first, _ := b.Subscribe(1)
	rf := collect(first)
	stop := make(chan struct{})
	pubDone := make(chan struct{})
	go func() {
		defer close(pubDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			b.Publish(context.Background(), msg(i), "")
		}
	}()
	late, cancel := b.Subscribe(1)
	var prev uint64
	for i := 0; i < 100; i++ {
		ev := <-late
		if prev != 0 && ev.Seq != prev+1 {
			t.Fatalf("gap between %d and %d", prev, ev.Seq)
		}
		prev = ev.Seq
	}
	cancel()
	close(stop)
	<-pubDone
	b.Close()
	got := <-rf
	for i, ev := range got {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("first subscriber: event %d has seq %d", i, ev.Seq)
		}
	}
}
