package checkpoint

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkSnapshot50k measures checkpoints of a generated workspace of
// 50,000 files (500 directories of 100 files of 1–4 KiB, plus an ignored
// directory): the first snapshot into an empty store (cold), a snapshot
// with nothing changed (what most turns cost, twice), and one after a turn
// changed 20 files, with the store's size on disk.
//
//	go test -run '^$' -bench Snapshot50k -benchtime 10x ./internal/checkpoint
func BenchmarkSnapshot50k(b *testing.B) {
	ws := workspace50k(b)
	home := b.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, home, ws)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := s.Snapshot(ctx); err != nil {
		b.Fatal(err)
	}
	cold := time.Since(start)
	b.Logf("first snapshot of 50,000 files: %v, store %.1f MiB", cold.Round(time.Millisecond), float64(duSize(b, home))/(1<<20))

	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Snapshot(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("20-changed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			b.StopTimer()
			change20(ws, i)
			i++
			b.StartTimer()
			if _, err := s.Snapshot(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(duSize(b, home))/(1<<20), "store-MiB")
	})
}

// BenchmarkPrune50k measures pruning the store of the 50,000-file
// workspace after 20 turns that changed 20 files each, keeping the last 10
// turns' snapshots: the first prune, with a repack (the daily one), and the
// next ones without (kodex sessions rm's), a turn more each, with the
// store's size on disk.
//
//	go test -run '^$' -bench Prune50k -benchtime 5x ./internal/checkpoint
func BenchmarkPrune50k(b *testing.B) {
	ws := workspace50k(b)
	home := b.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, home, ws)
	if err != nil {
		b.Fatal(err)
	}
	var snaps []string
	turn := func(i int) {
		change20(ws, i)
		id, err := s.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		snaps = append(snaps, id)
	}
	for i := range 21 {
		turn(i)
	}
	before, beforeFiles := duSize(b, home), countFiles(home)
	start := time.Now()
	if err := s.Prune(ctx, snaps[len(snaps)-10:], PruneOptions{Repack: true}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first prune, with a repack: %v, store %.1f MiB in %d files -> %.1f MiB in %d", time.Since(start).Round(time.Millisecond),
		float64(before)/(1<<20), beforeFiles, float64(duSize(b, home))/(1<<20), countFiles(home))
	i := 21
	for b.Loop() {
		b.StopTimer()
		turn(i)
		i++
		b.StartTimer()
		if err := s.Prune(ctx, snaps[len(snaps)-10:], PruneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(duSize(b, home))/(1<<20), "store-MiB")
}

func change20(ws string, i int) {
	for f := range 20 {
		p := filepath.Join(ws, fmt.Sprintf("pkg%03d", (f*25)%500), fmt.Sprintf("f%03d.go", f))
		os.WriteFile(p, []byte(fmt.Sprintf("changed %d\n", i)), 0o644)
	}
}

// workspace50k generates 500 directories of 100 files of 1–4 KiB, plus an
// ignored directory.
func workspace50k(b *testing.B) string {
	ws := b.TempDir()
	for d := range 500 {
		dir := filepath.Join(ws, fmt.Sprintf("pkg%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 100 {
			body := strings.Repeat(fmt.Sprintf("// file %d of package %d\n", f, d), 32+(f%4)*32)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.go", f)), []byte(body), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	os.WriteFile(filepath.Join(ws, ".gitignore"), []byte("node_modules/\n"), 0o644)
	os.MkdirAll(filepath.Join(ws, "node_modules", "x"), 0o755)
	os.WriteFile(filepath.Join(ws, "node_modules", "x", "big.js"), make([]byte, 1<<20), 0o644)
	return ws
}

// countFiles counts the files under dir (a loose object takes a block of
// disk whatever its size).
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func duSize(b *testing.B, dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// BenchmarkSnapshotSmall is a snapshot of a small unchanged workspace (20
// files): the fixed cost a turn pays twice.
func BenchmarkSnapshotSmall(b *testing.B) {
	ws := b.TempDir()
	for f := range 20 {
		os.WriteFile(filepath.Join(ws, fmt.Sprintf("f%d.go", f)), []byte("package x\n"), 0o644)
	}
	s, err := Open(context.Background(), b.TempDir(), ws)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Snapshot(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
