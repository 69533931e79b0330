package session

import (
	"context"
	"runtime"
	"testing"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// BenchmarkIdleSession measures what an open, idle session costs (the app
// server's idle thread; issue 11's budget is 256 KiB): heap and stack bytes per
// session, after a GC, with b.N sessions open on one runtime.
func BenchmarkIdleSession(b *testing.B) {
	srv := modeltest.New(b)
	rt := runtimeFor(b, srv)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sessions := make([]*Session, 0, b.N)
	b.ResetTimer()
	for range b.N {
		s, err := rt.Open(ctx, Spec{Ephemeral: true})
		if err != nil {
			b.Fatal(err)
		}
		<-s.Events() // SessionConfigured: the actor is up
		sessions = append(sessions, s)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := func(m runtime.MemStats) float64 { return float64(m.HeapAlloc + m.StackInuse) }
	b.ReportMetric((used(after)-used(before))/float64(b.N), "B/idle-session")
	for _, s := range sessions {
		_, _ = s.Submit(ctx, protocol.Shutdown{})
		for range s.Events() {
		}
		s.Close()
	}
}
