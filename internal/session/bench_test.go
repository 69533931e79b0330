package session

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/model/modeltest"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
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

// BenchmarkListPage lists the first page (25) of 1,000 recorded sessions,
// all of one directory, then every one: thread/list's cost.
func BenchmarkListPage(b *testing.B) {
	home, cwd := b.TempDir(), "/work/project"
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		at := start.Add(time.Duration(i) * time.Minute)
		rec, err := rollout.Create(rollout.Options{Home: home, Cwd: cwd, Model: "m", Now: func() time.Time { return at }})
		if err != nil {
			b.Fatal(err)
		}
		if err := rec.AppendItems(model.UserText(fmt.Sprintf("question %d", i))); err != nil {
			b.Fatal(err)
		}
		_ = rec.Close()
	}
	st := &Store{Home: home}
	for _, bb := range []struct {
		name  string
		limit int
	}{{"first-25", 25}, {"all-1000", 0}} {
		b.Run(bb.name, func(b *testing.B) {
			for range b.N {
				p, err := st.ListPage(false, []string{cwd}, bb.limit, "")
				if err != nil || (bb.limit > 0 && len(p.Sessions) != bb.limit) || (bb.limit == 0 && len(p.Sessions) != 1000) {
					b.Fatalf("%d sessions, %v", len(p.Sessions), err)
				}
			}
		})
	}
}
