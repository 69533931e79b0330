package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is one file of an archive: a slash-separated name, 0o644 or 0o755.
type entry struct {
	name string
	exec bool
	data []byte
}

func (e entry) mode() int64 {
	if e.exec {
		return 0o755
	}
	return 0o644
}

// sorted returns the entries ordered by name, with every parent directory
// listed once before its contents.
func sorted(files []entry) (dirs []string, out []entry) {
	out = slices.Clone(files)
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	seen := map[string]bool{}
	for _, f := range out {
		for d := dirOf(f.name); d != ""; d = dirOf(d) {
			if !seen[d] {
				seen[d] = true
				dirs = append(dirs, d)
			}
		}
	}
	slices.Sort(dirs)
	return dirs, out
}

func dirOf(name string) string {
	i := strings.LastIndexByte(strings.TrimSuffix(name, "/"), '/')
	if i < 0 {
		return ""
	}
	return name[:i]
}

// tarGz writes a reproducible .tar.gz: sorted names, the given mtime, owner
// root:root (0:0), modes 0755/0644, and a gzip header with no name or time.
func tarGz(w io.Writer, files []entry, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	dirs, files := sorted(files)
	hdr := func(name string, typ byte, mode, size int64) *tar.Header {
		return &tar.Header{
			Typeflag: typ, Name: name, Mode: mode, Size: size, ModTime: mtime,
			Uname: "root", Gname: "root", Format: tar.FormatUSTAR,
		}
	}
	for _, d := range dirs {
		if err := tw.WriteHeader(hdr(d+"/", tar.TypeDir, 0o755, 0)); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := tw.WriteHeader(hdr(f.name, tar.TypeReg, f.mode(), int64(len(f.data)))); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// zipFile writes a reproducible .zip of dirs and files in the order given:
// the given mtime (in UTC), Unix modes, deflate at the default level.
func zipFile(w io.Writer, dirs []string, files []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.DefaultCompression)
	})
	mtime = mtime.UTC() // the DOS time fields are zone-less: UTC, whatever TZ says
	for _, d := range dirs {
		h := &zip.FileHeader{Name: d + "/", Method: zip.Store, Modified: mtime}
		h.SetMode(0o755 | os.ModeDir)
		if _, err := zw.CreateHeader(h); err != nil {
			return err
		}
	}
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(f.mode()))
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeArchive writes files to out/name as .tar.gz or .zip by its extension.
func writeArchive(path string, files []entry, mtime time.Time) error {
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(path, ".zip") {
		dirs, sortedFiles := sorted(files)
		err = zipFile(&buf, dirs, sortedFiles, mtime)
	} else {
		err = tarGz(&buf, files, mtime)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
