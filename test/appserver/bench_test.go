package appserver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kodex-cli/kodex/internal/model/modeltest"
)

// BenchmarkTurnRoundTrip: one turn of a thread that runs one command and
// answers, from turn/start to turn/completed, through the real binary
// over stdio against the fake model; also the messages per second the
// client took in.
func BenchmarkTurnRoundTrip(b *testing.B) {
	srv := modeltest.NewServer(modeltest.Options{T: b, Script: []modeltest.Response{modeltest.ShellThenAnswer([]string{"true"}, "done")}, Loop: true, KeepRequests: 1})
	e := newEnv(b, srv.URL())
	s := e.start(b)
	s.noValidate = true
	s.initialize()
	thread := startThread(b, s, map[string]any{"cwd": e.work, "approvalPolicy": "never", "sandbox": "danger-full-access"})
	msgs := 0
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		msgs += len(runTurn(b, s, thread, "run it"))
	}
	b.StopTimer()
	b.ReportMetric(float64(msgs)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkOutputStream: the notifications per second a client takes in
// while a command streams its output (seq 1 200000, about 1.3 MB).
func BenchmarkOutputStream(b *testing.B) {
	srv := modeltest.NewServer(modeltest.Options{T: b, Script: []modeltest.Response{modeltest.ShellThenAnswer([]string{"seq", "1", "200000"}, "done")}, Loop: true, KeepRequests: 1})
	e := newEnv(b, srv.URL())
	s := e.start(b)
	s.noValidate = true
	s.initialize()
	thread := startThread(b, s, map[string]any{"cwd": e.work, "approvalPolicy": "never", "sandbox": "danger-full-access"})
	msgs, bytes := 0, 0
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		for _, m := range runTurn(b, s, thread, "count") {
			msgs++
			bytes += len(m.raw)
		}
	}
	b.StopTimer()
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(msgs)/secs, "msgs/s")
	b.ReportMetric(float64(bytes)/secs/1e6, "MB/s")
}

// BenchmarkEventStream: the events per second a client takes in when each
// is small: an answer streamed as 20,000 words, one
// item/agentMessage/delta notification each.
func BenchmarkEventStream(b *testing.B) {
	answer := strings.Repeat("word ", 20000)
	srv := modeltest.NewServer(modeltest.Options{T: b, Script: []modeltest.Response{modeltest.Text(answer)}, Loop: true, KeepRequests: 1})
	e := newEnv(b, srv.URL())
	s := e.start(b)
	s.noValidate = true
	s.initialize()
	thread := startThread(b, s, map[string]any{"cwd": e.work})
	msgs := 0
	start := time.Now()
	b.ResetTimer()
	for range b.N {
		for _, m := range runTurn(b, s, thread, "talk") {
			if m.Method == "item/agentMessage/delta" {
				msgs++
			}
		}
	}
	b.StopTimer()
	if msgs < 20000*b.N {
		b.Fatalf("%d deltas in %d turns, want 20,000 each", msgs, b.N)
	}
	b.ReportMetric(float64(msgs)/time.Since(start).Seconds(), "events/s")
}
