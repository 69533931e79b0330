package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/macho"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var mtime = time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC)

// thinMachO is the smallest 64-bit Mach-O executable header debug/macho
// accepts (no load commands), padded with filler bytes.
func thinMachO(cpu macho.Cpu, sub uint32, filler byte) []byte {
	b := make([]byte, 32, 32+100)
	binary.LittleEndian.PutUint32(b[0:], macho.Magic64)
	binary.LittleEndian.PutUint32(b[4:], uint32(cpu))
	binary.LittleEndian.PutUint32(b[8:], sub)
	binary.LittleEndian.PutUint32(b[12:], uint32(macho.TypeExec))
	return append(b, bytes.Repeat([]byte{filler}, 100)...)
}

func TestUniversal(t *testing.T) {
	t.Parallel()
	arm, amd := thinMachO(macho.CpuArm64, 0, 'a'), thinMachO(macho.CpuAmd64, 3, 'x')
	fat, err := universal(arm, amd) // order does not matter: amd64 comes first, as lipo writes it
	if err != nil {
		t.Fatal(err)
	}
	f, err := macho.NewFatFile(bytes.NewReader(fat))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range f.Arches {
		got = append(got, fmt.Sprintf("%v/%d@%d+%d", a.Cpu, a.SubCpu, a.Offset, a.Size))
		if a.Align != 14 || a.Offset%(1<<14) != 0 {
			t.Errorf("%v: align %d, offset %d; want 14 and a multiple of 2^14", a.Cpu, a.Align, a.Offset)
		}
	}
	want := []string{"CpuAmd64/3@16384+132", "CpuArm64/0@32768+132"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slices (-want +got):\n%s", diff)
	}
	if !bytes.Equal(fat[16384:16384+132], amd) || !bytes.Equal(fat[32768:], arm) {
		t.Error("slices are not the thin files byte for byte")
	}
	if _, err := universal(arm, arm); err == nil {
		t.Error("two arm64 slices: no error")
	}
	if _, err := universal([]byte("#!/bin/sh\n")); err == nil {
		t.Error("a script as a slice: no error")
	}
}

func TestTarGzDeterministic(t *testing.T) {
	t.Parallel()
	files := []entry{
		{name: "top/kodex", exec: true, data: []byte("binary")},
		{name: "top/completions/kodex.bash", data: []byte("complete")},
		{name: "top/README.md", data: []byte("readme")},
	}
	var a, b bytes.Buffer
	if err := tarGz(&a, files, mtime); err != nil {
		t.Fatal(err)
	}
	reversed := []entry{files[2], files[1], files[0]}
	if err := tarGz(&b, reversed, mtime); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same files in another order give another archive")
	}
	gz, err := gzip.NewReader(&a)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header has name %q, mtime %v; want neither", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %o %d:%d %s", h.Name, h.Mode, h.Uid, h.Gid, h.ModTime.UTC().Format(time.RFC3339)))
	}
	want := []string{
		"top/ 755 0:0 2026-12-05T10:30:00Z",
		"top/completions/ 755 0:0 2026-12-05T10:30:00Z",
		"top/README.md 644 0:0 2026-12-05T10:30:00Z",
		"top/completions/kodex.bash 644 0:0 2026-12-05T10:30:00Z",
		"top/kodex 755 0:0 2026-12-05T10:30:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestZip(t *testing.T) {
	t.Parallel()
	dirs, files := sorted([]entry{{name: "top/kodex.exe", exec: true, data: []byte("MZ")}, {name: "top/README.md", data: []byte("r")}})
	var buf bytes.Buffer
	if err := zipFile(&buf, dirs, files, mtime); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range zr.File {
		got = append(got, fmt.Sprintf("%s %v %s", f.Name, f.Mode(), f.Modified.Format("2006-01-02 15:04:05")))
	}
	want := []string{
		"top/ drwxr-xr-x 2026-12-05 10:30:00",
		"top/README.md -rw-r--r-- 2026-12-05 10:30:00",
		"top/kodex.exe -rwxr-xr-x 2026-12-05 10:30:00",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestPyVersion(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1.2.3":                    "1.2.3",
		"0.0.0-dev.20261205001122": "0.0.0.dev20261205001122",
		"1.0.0-rc.2":               "1.0.0rc2",
		"1.0.0-beta.1":             "1.0.0b1",
		"1.0.0-alpha.3":            "1.0.0a3",
		"1.0":                      "",
		"1.0.0-foo.1":              "",
	} {
		got, err := pyVersion(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("pyVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestWheelRecord(t *testing.T) {
	t.Parallel()
	files := []entry{{name: "kodex_cli-1.0.0.data/scripts/kodex", exec: true, data: []byte("bin")}}
	meta := wheelMeta("1.0.0", []string{"manylinux_2_17_x86_64", "musllinux_1_1_x86_64"}, []byte("# kodex\n"), files)
	var names []string
	for _, m := range meta {
		names = append(names, m.name)
	}
	if diff := cmp.Diff([]string{"kodex_cli-1.0.0.dist-info/METADATA", "kodex_cli-1.0.0.dist-info/WHEEL", "kodex_cli-1.0.0.dist-info/RECORD"}, names); diff != "" {
		t.Fatalf("dist-info (-want +got):\n%s", diff)
	}
	if w := string(meta[1].data); !strings.Contains(w, "Root-Is-Purelib: false\nTag: py3-none-manylinux_2_17_x86_64\nTag: py3-none-musllinux_1_1_x86_64\n") {
		t.Errorf("WHEEL:\n%s", w)
	}
	sum := sha256.Sum256([]byte("bin"))
	wantLine := "kodex_cli-1.0.0.data/scripts/kodex,sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]) + ",3\n"
	record := string(meta[2].data)
	if !strings.HasPrefix(record, wantLine) || !strings.HasSuffix(record, "kodex_cli-1.0.0.dist-info/RECORD,,\n") || strings.Count(record, "\n") != 4 {
		t.Errorf("RECORD:\n%s", record)
	}
}
