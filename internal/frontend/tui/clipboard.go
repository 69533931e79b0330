package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// ErrNoClipboardImage is what an [Options.ClipboardImage] returns when the
// clipboard holds no image; the UI says "no image in the clipboard".
var ErrNoClipboardImage = errors.New("no image in the clipboard")

// clipboardTimeout bounds a clipboard tool run.
const clipboardTimeout = 5 * time.Second

// pngMagic starts every PNG file.
const pngMagic = "\x89PNG\r\n\x1a\n"

// noClipboardToolError says which tool to install to paste images.
type noClipboardToolError struct{ install string }

func (e *noClipboardToolError) Error() string { return "install " + e.install + " to paste images" }

// clipTool is a program that writes the clipboard's image as PNG to stdout.
type clipTool struct {
	name   string // looked up on PATH
	args   []string
	base64 bool // stdout is the PNG in base64 (PowerShell)
}

// winClipScript prints the clipboard's image as base64 PNG, or exits 1.
const winClipScript = `Add-Type -AssemblyName System.Drawing; $img = Get-Clipboard -Format Image; ` +
	`if ($null -eq $img) { exit 1 }; $ms = New-Object System.IO.MemoryStream; ` +
	`$img.Save($ms, [System.Drawing.Imaging.ImageFormat]::Png); [Convert]::ToBase64String($ms.ToArray())`

// clipTools lists the tools to try, in order, and what to install when none
// of them exists.
func clipTools(goos string) (tools []clipTool, install string) {
	switch goos {
	case "darwin":
		return []clipTool{{name: "pngpaste", args: []string{"-"}}}, "pngpaste (brew install pngpaste)"
	case "windows":
		return []clipTool{{name: "powershell", args: []string{"-NoProfile", "-NonInteractive", "-Command", winClipScript}, base64: true}},
			"Windows PowerShell"
	}
	return []clipTool{
		{name: "wl-paste", args: []string{"--no-newline", "--type", "image/png"}},
		{name: "xclip", args: []string{"-selection", "clipboard", "-t", "image/png", "-o"}},
	}, "wl-paste or xclip"
}

// clipReader reads an image from the clipboard with the platform's tools.
// Its fields are seams for tests.
type clipReader struct {
	goos     string
	lookPath func(string) (string, error)
	output   func(ctx context.Context, path string, args ...string) ([]byte, error)
	dir      string // where the PNG is written; "": os.TempDir()
}

func defaultClipReader() *clipReader {
	return &clipReader{goos: runtime.GOOS, lookPath: exec.LookPath, output: func(ctx context.Context, path string, args ...string) ([]byte, error) {
		return exec.CommandContext(ctx, path, args...).Output()
	}}
}

// read tries the tools in order and writes the first image found to a
// kodex-*.png file, returning its path. It returns ErrNoClipboardImage if a
// tool ran but found no image, and a *noClipboardToolError if none exists.
func (r *clipReader) read(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, clipboardTimeout)
	defer cancel()
	tools, install := clipTools(r.goos)
	found := false
	for _, t := range tools {
		path, err := r.lookPath(t.name)
		if err != nil {
			continue
		}
		found = true
		out, err := r.output(ctx, path, t.args...)
		if err != nil {
			continue // no image (or, for wl-paste, no Wayland): try the next tool
		}
		if t.base64 {
			if out, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(out))); err != nil {
				continue
			}
		}
		if bytes.HasPrefix(out, []byte(pngMagic)) {
			return r.save(out)
		}
	}
	if !found {
		return "", &noClipboardToolError{install}
	}
	return "", ErrNoClipboardImage
}

func (r *clipReader) save(png []byte) (string, error) {
	dir := r.dir
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "kodex-*.png")
	if err != nil {
		return "", err
	}
	_, err = f.Write(png)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// imagePasted: the clipboard's image saved to path, or why there is none.
type imagePasted struct {
	path string
	err  error
}

// pasteClipboardImage (Ctrl+V) reads the clipboard's image off the Update
// goroutine with read ([Options.ClipboardImage]; nil: the platform's
// tools); the result is imagePasted, for the composer.
func pasteClipboardImage(ctx context.Context, read func(context.Context) (string, error)) tea.Msg {
	if read == nil {
		read = defaultClipReader().read
	}
	return work(func() tea.Msg {
		path, err := read(ctx)
		return imagePasted{path, err}
	})
}

// pasted attaches the clipboard's image, or says in the hint line why it
// cannot.
func (c *composer) pasted(r imagePasted) tea.Msg {
	if r.err != nil {
		return setHint{clipboardHint(r.err)}
	}
	c.attachImage(r.path)
	return nil
}

func clipboardHint(err error) string {
	var tool *noClipboardToolError
	switch {
	case errors.Is(err, ErrNoClipboardImage):
		return ErrNoClipboardImage.Error()
	case errors.As(err, &tool):
		return tool.Error()
	}
	return fmt.Sprintf("could not paste an image: %v", err)
}
