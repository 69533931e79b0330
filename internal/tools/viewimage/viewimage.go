// Package viewimage implements the view_image tool and the loader behind
// the -i/--image flag: it reads a local PNG, JPEG, GIF or WebP file, scales
// it down to fit MaxDimension, and returns it as a data URL that the agent
// attaches to the next model request.
//
// Images are read in-process with a size cap (MaxFileSize) and a pixel cap
// (MaxPixels, checked from the header before decoding). A file that cannot
// be read or decoded is an error the model sees, never a failed turn. The
// tool writes nothing.
package viewimage

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the GIF decoder
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder

	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/tools"
)

// Name is the tool's name as the model sees it.
const Name = "view_image"

// Limits.
const (
	MaxFileSize  = 20 << 20   // bytes read from disk
	MaxDimension = 2048       // longest side sent to the model
	MaxPixels    = 40_000_000 // refused beyond this before decoding (memory, decompression bombs)
	JPEGQuality  = 85
)

const description = `Attach a local image file (PNG, JPEG, GIF or WebP) to the conversation so you can see it. Use it for screenshots, diagrams or other images in the workspace the user refers to. The path may be absolute or relative to the working directory. Large images are scaled down.`

var parameters = json.RawMessage(`{
  "type": "object",
  "properties": {
    "path": {"type": "string", "description": "Path to the image file, absolute or relative to the working directory."}
  },
  "required": ["path"],
  "additionalProperties": false
}`)

// Tool is the view_image tool. The zero value is ready to use.
type Tool struct{}

// New returns the tool.
func New() Tool { return Tool{} }

var _ tools.ReadOnly = Tool{}

// Spec implements tools.Tool.
func (Tool) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolFunction, Name: Name, Description: description, Parameters: parameters}
}

// ReadOnly implements tools.ReadOnly: viewing an image changes nothing.
func (Tool) ReadOnly(tools.Call) bool { return true }

// Handle loads the image at the call's path and attaches it.
func (Tool) Handle(_ context.Context, env *tools.Env, call tools.Call) (tools.Result, error) {
	var a struct {
		Path string `json:"path"`
	}
	if res, ok := tools.DecodeArgs(call, &a); !ok {
		return res, nil
	}
	if strings.TrimSpace(a.Path) == "" {
		return tools.ErrorResult("path is required"), nil
	}
	path := a.Path
	if !filepath.IsAbs(path) && env != nil && env.Cwd != "" {
		path = filepath.Join(env.Cwd, path)
	}
	path = filepath.Clean(path)
	if env != nil && len(env.Sandbox.DenyRead) > 0 {
		real := path
		if p, err := filepath.EvalSymlinks(path); err == nil {
			real = p
		}
		for _, d := range env.Sandbox.DenyRead {
			if within(path, d) || within(real, d) {
				return tools.ErrorResult("could not read image %s: reading it is not allowed by the sandbox policy", a.Path), nil
			}
		}
	}
	url, err := LoadImage(path)
	if err != nil {
		return tools.ErrorResult("could not read image %s: %v", a.Path, err), nil
	}
	return tools.Result{Output: "attached image " + path, Images: []string{url}}, nil
}

// ErrTooLarge is returned (wrapped) for files or images over the limits.
var ErrTooLarge = errors.New("image too large")

// LoadImage reads the image at path and returns it as a data URL, scaled
// down to fit MaxDimension×MaxDimension if needed. Images that already fit
// are passed through byte for byte; scaled ones are re-encoded as PNG if the
// source was PNG and as JPEG otherwise.
func LoadImage(path string) (string, error) {
	data, err := readCapped(path, MaxFileSize)
	if err != nil {
		return "", err
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("decoding image: %w", err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return "", fmt.Errorf("%w: %dx%d pixels", ErrTooLarge, cfg.Width, cfg.Height)
	}
	if cfg.Width <= MaxDimension && cfg.Height <= MaxDimension {
		// Check it decodes fully, so a truncated file fails here and not at
		// the model provider.
		if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
			return "", fmt.Errorf("decoding image: %w", err)
		}
		return dataURL(mimeType(format), data), nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("decoding image: %w", err)
	}
	scaled := Fit(img, MaxDimension)
	var buf bytes.Buffer
	if format == "png" {
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		err = enc.Encode(&buf, scaled)
	} else {
		format = "jpeg"
		err = jpeg.Encode(&buf, scaled, &jpeg.Options{Quality: JPEGQuality})
	}
	if err != nil {
		return "", fmt.Errorf("encoding scaled image: %w", err)
	}
	return dataURL(mimeType(format), buf.Bytes()), nil
}

// Fit returns img scaled down, preserving its aspect ratio, so that neither
// side exceeds maxSide. An image that already fits is returned as is.
//
// Scaling is area averaging: each output pixel is the mean of the source
// pixels it covers (boxes rounded to whole pixels). That is fast, linear in
// the source size, and keeps text in screenshots legible without the
// aliasing of point sampling.
func Fit(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= maxSide && h <= maxSide {
		return img
	}
	nw, nh := maxSide, maxSide
	if w >= h {
		nh = max(1, int(int64(h)*int64(maxSide)/int64(w)))
	} else {
		nw = max(1, int(int64(w)*int64(maxSide)/int64(h)))
	}
	src, ok := img.(*image.RGBA)
	if !ok {
		src = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	return boxScale(src, nw, nh)
}

// boxScale averages src (premultiplied, so averaging is exact) into an
// nw×nh image no larger than src.
func boxScale(src *image.RGBA, nw, nh int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	sum := make([]uint32, 4*nw) // per output column, for the current output row
	// x0s[i] is the first source column of output column i.
	x0s := make([]int, nw+1)
	for i := range x0s {
		x0s[i] = i * w / nw
	}
	for oy := range nh {
		y0, y1 := oy*h/nh, (oy+1)*h/nh
		clear(sum)
		for y := y0; y < y1; y++ {
			row := src.Pix[(y)*src.Stride : (y)*src.Stride+4*w]
			for ox := range nw {
				s := sum[4*ox : 4*ox+4 : 4*ox+4]
				for x := x0s[ox]; x < x0s[ox+1]; x++ {
					p := row[4*x : 4*x+4 : 4*x+4]
					s[0] += uint32(p[0])
					s[1] += uint32(p[1])
					s[2] += uint32(p[2])
					s[3] += uint32(p[3])
				}
			}
		}
		out := dst.Pix[oy*dst.Stride : oy*dst.Stride+4*nw]
		for ox := range nw {
			n := uint32((x0s[ox+1] - x0s[ox]) * (y1 - y0))
			for c := range 4 {
				out[4*ox+c] = uint8((sum[4*ox+c] + n/2) / n)
			}
		}
	}
	return dst
}

// readCapped reads a regular file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes (limit %d MiB)", ErrTooLarge, st.Size(), limit>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: over %d MiB", ErrTooLarge, limit>>20)
	}
	return data, nil
}

func mimeType(format string) string {
	switch format {
	case "png", "jpeg", "gif", "webp":
		return "image/" + format
	}
	return "application/octet-stream"
}

func dataURL(mime string, data []byte) string {
	var sb strings.Builder
	sb.Grow(len("data:;base64,") + len(mime) + base64.StdEncoding.EncodedLen(len(data)))
	sb.WriteString("data:")
	sb.WriteString(mime)
	sb.WriteString(";base64,")
	enc := base64.NewEncoder(base64.StdEncoding, &sb)
	_, _ = enc.Write(data) // a strings.Builder does not fail
	_ = enc.Close()
	return sb.String()
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(filepath.Clean(dir), path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
