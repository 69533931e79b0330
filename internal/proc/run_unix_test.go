//go:build unix

package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

func sh(ctx context.Context, script string) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", "-c", script)
}

func TestRunOutputAndExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		code   int
		out    string
	}{
		{"echo out", 0, "out\n"},
		{"echo err >&2; exit 1", 1, "err\n"}, // stdout and stderr are separate pipes: no order between them
		{"echo failing; exit 3", 3, "failing\n"},
		{"true", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			streams := map[string]string{}
			res, err := Run(context.Background(), sh(context.Background(), tt.script), RunOptions{
				OnOutput: func(stream string, chunk []byte) {
					mu.Lock()
					streams[stream] += string(chunk)
					mu.Unlock()
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tt.code || res.Output != tt.out || res.Signal != "" || res.TimedOut || res.Canceled || res.Truncated {
				t.Errorf("Run = %+v, want exit %d and output %q", res, tt.code, tt.out)
			}
			if res.TotalBytes != int64(len(tt.out)) {
				t.Errorf("TotalBytes = %d, want %d", res.TotalBytes, len(tt.out))
			}
			if got := streams[Stdout] + streams[Stderr]; len(got) != len(tt.out) {
				t.Errorf("streamed %q, want the bytes of %q", streams, tt.out)
			}
		})
	}
}

func TestRunStreams(t *testing.T) {
	t.Parallel()
	var got [2]string
	_, err := Run(context.Background(), sh(context.Background(), "echo a; echo b >&2"), RunOptions{
		OnOutput: func(stream string, chunk []byte) {
			if stream == Stdout {
				got[0] += string(chunk)
			} else {
				got[1] += string(chunk)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != [2]string{"a\n", "b\n"} {
		t.Errorf("streams = %q, want stdout a, stderr b", got)
	}
}

func TestRunStartError(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), exec.Command("/nonexistent/kodex-test-binary"), RunOptions{})
	if err == nil || res.ExitCode != -1 {
		t.Errorf("Run = %+v, %v; want exit -1 and an error", res, err)
	}
	cmd := exec.Command("true")
	cmd.Stdout = os.Stdout
	if _, err := Run(context.Background(), cmd, RunOptions{}); err == nil {
		t.Error("Run with Stdout set succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err := Run(ctx, exec.Command("true"), RunOptions{}); !errors.Is(err, context.Canceled) || !res.Canceled {
		t.Errorf("Run with a done ctx = %+v, %v; want Canceled", res, err)
	}
}

func TestRunSignal(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), sh(context.Background(), "kill -KILL $$"), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != -1 || res.Signal != "SIGKILL" {
		t.Errorf("Run = %+v, want exit -1 by SIGKILL", res)
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), exec.Command("sleep", "30"), RunOptions{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Canceled || res.ExitCode != -1 || res.Signal != "SIGTERM" {
		t.Errorf("Run = %+v, want timed out by SIGTERM", res)
	}
	if res.Duration > 10*time.Second {
		t.Errorf("Duration = %v, want about the timeout", res.Duration)
	}
}

func TestRunTimeoutEscalatesToKill(t *testing.T) {
	t.Parallel()
	// The ignored TERM is inherited by sleep, so only SIGKILL ends them.
	res, err := Run(context.Background(), sh(context.Background(), `trap "" TERM; echo ready; sleep 30`), RunOptions{
		Timeout:   100 * time.Millisecond,
		KillGrace: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Either the shell itself dies of the SIGKILL, or (when the signal
	// reaches its child first) it reports the child's SIGKILL as 137.
	killed := res.Signal == "SIGKILL" || res.ExitCode == 128+9
	if !res.TimedOut || !killed || !strings.HasPrefix(res.Output, "ready\n") {
		t.Errorf("Run = %+v, want timed out by SIGKILL after printing ready", res)
	}
}

// startedGrandchild returns a script that starts `sleep 100` in the
// background, writes its pid to a file and prints "ready", and the path.
func startedGrandchild(t *testing.T, tail string) (string, string) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	return fmt.Sprintf("sleep 100 & echo $! > %s; echo ready; %s", pidFile, tail), pidFile
}

// assertGone waits (bounded) until pid is gone or a zombie awaiting its
// reaper: killing is immediate, reaping by init is not.
func assertGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) || isZombie(pid) {
			return
		}
		if time.Now().After(deadline) {
			_ = unix.Kill(pid, unix.SIGKILL)
			t.Fatalf("background child %d still running after the command ended", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}

func TestRunCancelKillsGroup(t *testing.T) {
	t.Parallel()
	script, pidFile := startedGrandchild(t, "wait")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := Run(ctx, sh(ctx, script), RunOptions{
		OnOutput: func(_ string, chunk []byte) {
			if strings.Contains(string(chunk), "ready") {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Canceled || res.TimedOut || res.ExitCode != -1 {
		t.Errorf("Run = %+v, want canceled", res)
	}
	assertGone(t, pidFile)
}

func TestRunKillsBackgroundChildren(t *testing.T) {
	t.Parallel()
	script, pidFile := startedGrandchild(t, "echo done")
	start := time.Now()
	res, err := Run(context.Background(), sh(context.Background(), script), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || res.Output != "ready\ndone\n" {
		t.Errorf("Run = %+v, want exit 0 with ready and done", res)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run took %v: the background child held the pipes", d)
	}
	assertGone(t, pidFile)
}

func TestRunEscapedChildNoCallbackAfterReturn(t *testing.T) {
	t.Parallel()
	// setsid leaves the group, so the group kill misses the writer and
	// Run must stop reading after the drain period.
	pidFile := filepath.Join(t.TempDir(), "pid")
	script := fmt.Sprintf(`setsid sh -c 'echo $$ > %s; while :; do echo x; done' & while [ ! -s %s ]; do :; done; echo started`, pidFile, pidFile)
	var returned atomic.Bool
	var late atomic.Int64
	res, err := Run(context.Background(), sh(context.Background(), script), RunOptions{
		Drain: 100 * time.Millisecond,
		OnOutput: func(string, []byte) {
			if returned.Load() {
				late.Add(1)
			}
		},
	})
	returned.Store(true)
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = unix.Kill(pid, unix.SIGKILL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Errorf("Run = %+v, want exit 0", res)
	}
	if n := late.Load(); n > 0 {
		t.Errorf("OnOutput called %d times after Run returned", n)
	}
}

var markerRE = regexp.MustCompile(`\n\[\.\.\. (\d+) bytes \((\d+) lines\) omitted \.\.\.\]\n`)

func TestRunCapsOutputHeadTail(t *testing.T) {
	t.Parallel()
	var raw bytes.Buffer
	var maxChunk int
	res, err := Run(context.Background(), exec.Command("seq", "1", "20000"), RunOptions{
		OutputCap: 1000,
		ChunkSize: 512,
		OnOutput: func(_ string, chunk []byte) {
			raw.Write(chunk)
			maxChunk = max(maxChunk, len(chunk))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := exec.Command("seq", "1", "20000").Output()
	if !bytes.Equal(raw.Bytes(), want) {
		t.Errorf("streamed %d bytes, want seq's %d", raw.Len(), len(want))
	}
	if maxChunk > 512 {
		t.Errorf("largest chunk %d bytes, want <= 512", maxChunk)
	}
	if !res.Truncated || res.TotalBytes != int64(len(want)) {
		t.Fatalf("Run = Truncated %v, TotalBytes %d; want truncated, %d", res.Truncated, res.TotalBytes, len(want))
	}
	m := markerRE.FindStringSubmatchIndex(res.Output)
	if m == nil {
		t.Fatalf("no marker in %q", res.Output)
	}
	head, tail := res.Output[:m[0]], res.Output[m[1]:]
	if !strings.HasPrefix(string(want), head) || !strings.HasSuffix(string(want), tail) {
		t.Errorf("head %q / tail %q are not the output's ends", head, tail)
	}
	omitted, _ := strconv.Atoi(res.Output[m[2]:m[3]])
	lines, _ := strconv.Atoi(res.Output[m[4]:m[5]])
	if len(head)+len(tail)+omitted != len(want) {
		t.Errorf("head %d + tail %d + omitted %d != %d", len(head), len(tail), omitted, len(want))
	}
	if got := bytes.Count(want, nl) - strings.Count(head, "\n") - strings.Count(tail, "\n"); lines != got {
		t.Errorf("marker says %d lines omitted, want %d", lines, got)
	}
	if len(head) > 500 || len(tail) > 500 {
		t.Errorf("head %d, tail %d bytes: want each <= half the cap", len(head), len(tail))
	}
}

func TestRunNonUTF8(t *testing.T) {
	t.Parallel()
	var raw []byte
	res, err := Run(context.Background(), sh(context.Background(), `printf 'ok \377\376 h\303\251'`), RunOptions{
		OnOutput: func(_ string, chunk []byte) { raw = append(raw, chunk...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "ok \xff\xfe h\u00e9"; string(raw) != want {
		t.Errorf("streamed %q, want raw %q", raw, want)
	}
	if want := "ok \uFFFD h\u00e9"; res.Output != want || !utf8.ValidString(res.Output) {
		t.Errorf("Output = %q, want %q", res.Output, want)
	}
}

func TestRunCapSplitsRunesCleanly(t *testing.T) {
	t.Parallel()
	// 3-byte runes with a cap that cuts through them.
	res, err := Run(context.Background(), sh(context.Background(), `i=0; while [ $i -lt 400 ]; do printf '\342\202\254'; i=$((i+1)); done`), RunOptions{OutputCap: 101})
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.ValidString(res.Output) || strings.ContainsRune(res.Output, utf8.RuneError) {
		t.Errorf("Output = %q: want whole euro signs only", res.Output)
	}
	m := markerRE.FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatalf("no marker in %q", res.Output)
	}
	kept := len(res.Output) - len(m[0])
	if omitted, _ := strconv.Atoi(m[1]); kept+omitted != 1200 {
		t.Errorf("kept %d + omitted %d != 1200", kept, omitted)
	}
}

// TestGroupGone: once a killed group's leader is reaped, GroupGone returns
// when its background members are gone too.
func TestGroupGone(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	SetProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := KillGroup(cmd.Process); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !GroupGone(cmd.Process, 5*time.Second) {
		t.Fatal("the killed group is still there after 5s")
	}
	if err := unix.Kill(-cmd.Process.Pid, 0); !errors.Is(err, unix.ESRCH) {
		t.Errorf("kill(-pgid, 0) = %v, want ESRCH", err)
	}
}
