package tui

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/protocol"
)

const fakePNG = pngMagic + "fake image data"

func TestCtrlVAttachesClipboardImage(t *testing.T) {
	t.Parallel()
	shot := filepath.Join(t.TempDir(), "kodex-123.png")
	var gotCtx context.Context
	h := newHarness(t, Options{ClipboardImage: func(ctx context.Context) (string, error) {
		gotCtx = ctx
		return shot, nil
	}})
	h.typeText("what is this? ")
	h.run(h.key("ctrl+v"))
	if gotCtx == nil {
		t.Fatal("ClipboardImage not called with a context")
	}
	if got, want := h.m.composer.value(), "what is this? [image kodex-123.png]"; got != want {
		t.Fatalf("composer = %q, want %q", got, want)
	}
	h.key("enter")
	wantOps(t, h.sink, protocol.UserTurn{Items: []protocol.InputItem{
		{Type: protocol.InputText, Text: "what is this?"},
		{Type: protocol.InputLocalImage, Path: shot},
	}})
	if sb := h.scrollback(); !strings.Contains(sb, "[image kodex-123.png]") {
		t.Errorf("user cell lacks the image chip:\n%s", sb)
	}
}

func TestCtrlVImageChipDeletesWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{ClipboardImage: func(context.Context) (string, error) { return "/tmp/kodex-1.png", nil }})
	h.typeText("hi ")
	h.run(h.key("ctrl+v"))
	h.key("backspace")
	if got := h.m.composer.value(); got != "hi " {
		t.Fatalf("composer = %q, want the chip deleted whole", got)
	}
	h.key("enter")
	wantOps(t, h.sink, userTurn("hi")) // the deleted image is not sent
}

func TestCtrlVFailureHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		hint string
	}{
		{ErrNoClipboardImage, "no image in the clipboard"},
		{&noClipboardToolError{"wl-paste or xclip"}, "install wl-paste or xclip to paste images"},
		{errors.New("boom"), "could not paste an image: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.hint, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{ClipboardImage: func(context.Context) (string, error) { return "", tt.err }})
			h.typeText("x")
			if cmd := h.run(h.key("ctrl+v")); cmd != nil {
				t.Errorf("a failed paste gave a command")
			}
			if f := h.frame(); !strings.Contains(f, tt.hint) {
				t.Errorf("hint line lacks %q:\n%s", tt.hint, f)
			}
			if got := h.m.composer.value(); got != "x" || len(h.m.composer.images) != 0 || h.sink.count() != 0 {
				t.Errorf("a failed paste changed something: composer %q, images %v, ops %v", got, h.m.composer.images, h.sink.ops)
			}
			h.key("y")
			if f := h.frame(); strings.Contains(f, tt.hint) {
				t.Errorf("hint still shown after the next key:\n%s", f)
			}
		})
	}
}

// fakeTools is a PATH with some tools, each printing a fixed output or
// failing.
type fakeTools struct {
	out  map[string]string // tool name: stdout; a missing name fails
	path []string          // tools on PATH
	ran  []string
}

func (f *fakeTools) reader(goos, dir string) *clipReader {
	return &clipReader{
		goos: goos, dir: dir,
		lookPath: func(name string) (string, error) {
			if slices.Contains(f.path, name) {
				return "/usr/bin/" + name, nil
			}
			return "", exec.ErrNotFound
		},
		output: func(_ context.Context, path string, args ...string) ([]byte, error) {
			name := filepath.Base(path)
			f.ran = append(f.ran, name+" "+strings.Join(args, " "))
			if out, ok := f.out[name]; ok {
				return []byte(out), nil
			}
			return nil, errors.New("exit status 1")
		},
	}
}

func TestDefaultClipboardReader(t *testing.T) {
	t.Parallel()
	winScript := strings.Join(append([]string{"powershell"}, "-NoProfile", "-NonInteractive", "-Command", winClipScript), " ")
	tests := []struct {
		name    string
		goos    string
		tools   fakeTools
		wantErr string
		wantRan []string
	}{
		{"linux no tool", "linux", fakeTools{}, "install wl-paste or xclip to paste images", nil},
		{"linux no image", "linux", fakeTools{path: []string{"wl-paste", "xclip"}}, "no image in the clipboard",
			[]string{"wl-paste --no-newline --type image/png", "xclip -selection clipboard -t image/png -o"}},
		{"linux not png", "linux", fakeTools{path: []string{"xclip"}, out: map[string]string{"xclip": "text"}}, "no image in the clipboard",
			[]string{"xclip -selection clipboard -t image/png -o"}},
		{"linux wl-paste fails, xclip", "linux", fakeTools{path: []string{"wl-paste", "xclip"}, out: map[string]string{"xclip": fakePNG}}, "",
			[]string{"wl-paste --no-newline --type image/png", "xclip -selection clipboard -t image/png -o"}},
		{"linux wl-paste", "linux", fakeTools{path: []string{"wl-paste", "xclip"}, out: map[string]string{"wl-paste": fakePNG}}, "",
			[]string{"wl-paste --no-newline --type image/png"}},
		{"darwin no tool", "darwin", fakeTools{}, "install pngpaste (brew install pngpaste) to paste images", nil},
		{"darwin", "darwin", fakeTools{path: []string{"pngpaste"}, out: map[string]string{"pngpaste": fakePNG}}, "", []string{"pngpaste -"}},
		{"windows", "windows", fakeTools{path: []string{"powershell"}, out: map[string]string{
			"powershell": base64.StdEncoding.EncodeToString([]byte(fakePNG)) + "\r\n"}}, "", []string{winScript}},
		{"windows no image", "windows", fakeTools{path: []string{"powershell"}}, "no image in the clipboard", []string{winScript}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path, err := tt.tools.reader(tt.goos, dir).read(context.Background())
			if diff := cmp.Diff(tt.wantRan, tt.tools.ran); diff != "" {
				t.Errorf("tools run (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || path != "" {
					t.Fatalf("read = %q, %v; want error %q", path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Dir(path) != dir || !strings.HasPrefix(filepath.Base(path), "kodex-") || filepath.Ext(path) != ".png" {
				t.Errorf("image saved as %s, want %s/kodex-*.png", path, dir)
			}
			if data, err := os.ReadFile(path); err != nil || string(data) != fakePNG {
				t.Errorf("saved image = %q, %v", data, err)
			}
		})
	}
}

// A message with an image queued during a turn keeps its image: sent with
// it when the turn ends, back in the composer with its chip after an
// interrupt.
func TestQueuedMessageKeepsItsImage(t *testing.T) {
	t.Parallel()
	shot := "/tmp/kodex-7.png"
	want := protocol.UserTurn{Items: []protocol.InputItem{
		{Type: protocol.InputText, Text: "and this?"},
		{Type: protocol.InputLocalImage, Path: shot},
	}}
	for _, end := range []protocol.EventMsg{protocol.TurnComplete{TurnID: "t1"}, protocol.TurnAborted{TurnID: "t1", Reason: "interrupted"}} {
		h := newHarness(t, Options{ClipboardImage: func(context.Context) (string, error) { return shot, nil }})
		h.events(protocol.TurnStarted{TurnID: "t1"})
		h.typeText("and this? ")
		h.run(h.key("ctrl+v"))
		h.key("enter")
		h.events(end)
		if _, aborted := end.(protocol.TurnAborted); aborted {
			if got := h.m.composer.value(); got != "and this? [image kodex-7.png]" {
				t.Errorf("composer after the interrupt = %q", got)
			}
			h.key("enter")
		}
		wantOps(t, h.sink, want)
	}
}
