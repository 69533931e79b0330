package viewimage

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/tools"
)

// gradient returns a w×h test image.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(x), uint8(y), 128, 255
		}
	}
	return img
}

func writeImage(t *testing.T, path string, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decodeURL splits a data URL and decodes its image.
func decodeURL(t *testing.T, url string) (mime string, raw []byte, cfg image.Config) {
	t.Helper()
	rest, ok := strings.CutPrefix(url, "data:")
	if !ok {
		t.Fatalf("not a data URL: %.40s", url)
	}
	mime, b64, ok := strings.Cut(rest, ";base64,")
	if !ok {
		t.Fatalf("not base64: %.40s", url)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err = image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("attached image does not decode: %v", err)
	}
	return mime, raw, cfg
}

func call(path string) tools.Call {
	in, _ := json.Marshal(map[string]string{"path": path})
	return tools.Call{ID: "c", Name: Name, Input: string(in)}
}

func TestLargePNGIsDownscaled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "big.png"), func(b *bytes.Buffer) error { return png.Encode(b, gradient(4096, 300)) })

	res, err := New().Handle(context.Background(), &tools.Env{Cwd: dir}, call("big.png"))
	if err != nil || res.Failed {
		t.Fatalf("Handle = %+v, %v", res, err)
	}
	if want := "attached image " + filepath.Join(dir, "big.png"); res.Output != want {
		t.Errorf("output = %q, want %q", res.Output, want)
	}
	if len(res.Images) != 1 {
		t.Fatalf("%d images attached", len(res.Images))
	}
	mime, _, cfg := decodeURL(t, res.Images[0])
	if mime != "image/png" || cfg.Width != 2048 || cfg.Height != 150 {
		t.Errorf("got %s %dx%d, want image/png 2048x150", mime, cfg.Width, cfg.Height)
	}
}

func TestTallJPEGIsDownscaledAsJPEG(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tall.jpg")
	writeImage(t, path, func(b *bytes.Buffer) error { return jpeg.Encode(b, gradient(100, 4096), nil) })
	url, err := LoadImage(path)
	if err != nil {
		t.Fatal(err)
	}
	mime, _, cfg := decodeURL(t, url)
	if mime != "image/jpeg" || cfg.Width != 50 || cfg.Height != 2048 {
		t.Errorf("got %s %dx%d, want image/jpeg 50x2048", mime, cfg.Width, cfg.Height)
	}
}

func TestSmallImagesPassThrough(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	webp, err := os.ReadFile(filepath.Join("testdata", "gopher.webp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, mime string
		enc        func(*bytes.Buffer) error
	}{
		{"tiny.png", "image/png", func(b *bytes.Buffer) error { return png.Encode(b, gradient(3, 2)) }},
		{"tiny.jpeg", "image/jpeg", func(b *bytes.Buffer) error { return jpeg.Encode(b, gradient(16, 16), nil) }},
		{"tiny.gif", "image/gif", func(b *bytes.Buffer) error { return gif.Encode(b, gradient(8, 8), nil) }},
		{"gopher.webp", "image/webp", func(b *bytes.Buffer) error { _, err := b.Write(webp); return err }},
		{"png-named.jpg", "image/png", func(b *bytes.Buffer) error { return png.Encode(b, gradient(4, 4)) }}, // sniffed, not by extension
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tt.name)
			want := writeImage(t, path, tt.enc)
			url, err := LoadImage(path)
			if err != nil {
				t.Fatal(err)
			}
			mime, raw, _ := decodeURL(t, url)
			if mime != tt.mime || !bytes.Equal(raw, want) {
				t.Errorf("got %s (%d bytes), want %s unchanged (%d bytes)", mime, len(raw), tt.mime, len(want))
			}
		})
	}
}

func TestUnreadableImagesAreModelErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeImage(t, filepath.Join(dir, "ok.png"), func(b *bytes.Buffer) error { return png.Encode(b, gradient(50, 50)) })
	os.WriteFile(filepath.Join(dir, "corrupt.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	os.WriteFile(filepath.Join(dir, "truncated.png"), valid[:len(valid)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	for _, tt := range []struct{ path, want string }{
		{"corrupt.png", "could not read image corrupt.png: decoding image"},
		{"truncated.png", "could not read image truncated.png: decoding image"},
		{"notes.txt", "could not read image notes.txt: decoding image: image: unknown format"},
		{"missing.png", "could not read image missing.png: open "},
		{"sub", "could not read image sub: not a regular file"},
		{"", "path is required"},
	} {
		res, err := New().Handle(context.Background(), &tools.Env{Cwd: dir}, call(tt.path))
		if err != nil {
			t.Fatalf("%s: Go error %v, want a model-facing result", tt.path, err)
		}
		if !res.Failed || !strings.HasPrefix(res.Output, tt.want) || len(res.Images) != 0 {
			t.Errorf("%s: result = %+v, want failure starting %q", tt.path, res, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "huge.png")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(MaxFileSize + 1) // sparse
	f.Close()
	if _, err := LoadImage(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized file: err = %v, want ErrTooLarge", err)
	}

	// A header claiming a huge image is refused before decoding.
	bomb := filepath.Join(dir, "bomb.gif")
	writeImage(t, bomb, func(b *bytes.Buffer) error {
		return gif.Encode(b, image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.Black}), nil)
	})
	raw, _ := os.ReadFile(bomb)
	raw[6], raw[7], raw[8], raw[9] = 0xff, 0xff, 0xff, 0xff // logical screen 65535x65535
	os.WriteFile(bomb, raw, 0o644)
	if _, err := LoadImage(bomb); !errors.Is(err, ErrTooLarge) {
		t.Errorf("pixel bomb: err = %v, want ErrTooLarge", err)
	}
}

func TestDenyRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.Mkdir(secret, 0o755)
	writeImage(t, filepath.Join(secret, "a.png"), func(b *bytes.Buffer) error { return png.Encode(b, gradient(2, 2)) })
	os.Symlink(filepath.Join(secret, "a.png"), filepath.Join(dir, "link.png"))
	env := &tools.Env{Cwd: dir, Sandbox: protocol.SandboxPolicy{DenyRead: []string{secret}}}
	for _, p := range []string{"secret/a.png", "link.png"} {
		res, _ := New().Handle(context.Background(), env, call(p))
		if !res.Failed || !strings.Contains(res.Output, "not allowed") {
			t.Errorf("%s: result = %+v, want denial", p, res)
		}
	}
	if !within("/a/b", "/a") || within("/ab", "/a") || !within("/a", "/a") {
		t.Error("within is wrong")
	}
}

func TestFitAverages(t *testing.T) {
	t.Parallel()
	// A 4x2 image of black and white columns scales to 2x1 mid grey.
	src := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for y := range 2 {
		for x := range 4 {
			v := uint8(255 * (x % 2))
			src.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	got := Fit(src, 2).(*image.RGBA)
	if got.Bounds() != image.Rect(0, 0, 2, 1) {
		t.Fatalf("bounds = %v", got.Bounds())
	}
	for x := range 2 {
		if c := got.RGBAAt(x, 0); c != (color.RGBA{128, 128, 128, 255}) {
			t.Errorf("pixel %d = %v, want mid grey", x, c)
		}
	}
	// Non-RGBA sources are converted; sizes keep the aspect ratio.
	pal := image.NewPaletted(image.Rect(0, 0, 30, 7), color.Palette{color.White})
	if b := Fit(pal, 10).Bounds(); b != image.Rect(0, 0, 10, 2) {
		t.Errorf("paletted 30x7 -> %v, want 10x2", b)
	}
	if img := Fit(pal, 30); img != image.Image(pal) {
		t.Error("an image that fits was copied")
	}
}

func TestSpec(t *testing.T) {
	t.Parallel()
	s := New().Spec()
	if s.Name != "view_image" || !json.Valid(s.Parameters) || !New().ReadOnly(tools.Call{}) {
		t.Errorf("spec = %+v", s)
	}
}
