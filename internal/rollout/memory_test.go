package rollout

import (
	"runtime"
	"testing"

	"github.com/kodex-cli/kodex/internal/rollout/rolloutgen"
)

// TestLoadMemoryBudget keeps resume's memory honest without timing it: a
// generated 24 MB transcript with two compactions and ~6 MB of history
// after the last one is loaded, and what Load allocates in all and what it
// retains (after a GC) are held to the history it returns: a resume must
// not decode the history a compaction superseded, nor hold the file or a
// second copy of the history (issue 14: a 100 MB transcript resumes in
// ≤ 64 MiB).
func TestLoadMemoryBudget(t *testing.T) {
	st, err := rolloutgen.WriteStats(rolloutgen.Options{
		Home: t.TempDir(), Cwd: "/work/project", Bytes: 24e6, LiveBytes: 3e6, Compactions: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := Load(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(s)

	if len(s.History) != st.LiveItems || len(s.Skipped) > 0 || s.Torn {
		t.Fatalf("history of %d items (skipped %v, torn %v), want %d", len(s.History), s.Skipped, s.Torn, st.LiveItems)
	}
	if got := s.History[len(s.History)-1]; got.Role != "assistant" {
		t.Fatalf("the history ends with %+v", got.Type)
	}
	live := st.LiveBytes
	t.Logf("file %.1f MB, live history %.1f MB as recorded: Load allocated %.1f MB, retained %.1f MB",
		float64(st.Bytes)/1e6, float64(live)/1e6, float64(allocated)/1e6, float64(retained)/1e6)
	// The decoded history is smaller than its JSON (no escapes, no keys);
	// the margins are for the runtime's own noise.
	if limit := live + 1<<20; retained > limit {
		t.Errorf("Load retains %d bytes for %d bytes of live history (limit %d): a second copy of the history, or the file, is kept", retained, live, limit)
	}
	if limit := 2*live + 4<<20; int64(allocated) > limit {
		t.Errorf("Load allocates %d bytes for a %d-byte file with %d bytes of live history (limit %d): the history before the last compaction is decoded, or lines are copied", allocated, st.Bytes, live, limit)
	}
}
