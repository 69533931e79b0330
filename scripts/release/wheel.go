package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// wheelTags are the platform tags of each target's wheel. The binary is
// static, so one Linux wheel serves glibc (manylinux) and musl (musllinux);
// Go 1.26 needs macOS 12.
var wheelTags = map[target][]string{
	{"linux", "amd64"}:   {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "musllinux_1_1_x86_64"},
	{"linux", "arm64"}:   {"manylinux_2_17_aarch64", "manylinux2014_aarch64", "musllinux_1_1_aarch64"},
	{"darwin", "amd64"}:  {"macosx_12_0_x86_64"},
	{"darwin", "arm64"}:  {"macosx_12_0_arm64"},
	{"windows", "amd64"}: {"win_amd64"},
	{"windows", "arm64"}: {"win_arm64"},
}

var semverPre = regexp.MustCompile(`^(\d+\.\d+\.\d+)(?:-(dev|alpha|beta|rc)\.(\d+))?$`)

// pyVersion turns a release version into PEP 440: 1.2.3, 1.2.3rc1,
// 0.0.0.dev20261205001122.
func pyVersion(v string) (string, error) {
	m := semverPre.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("version %q has no Python spelling (want X.Y.Z or X.Y.Z-{dev,alpha,beta,rc}.N)", v)
	}
	switch m[2] {
	case "":
		return m[1], nil
	case "dev":
		return m[1] + ".dev" + m[3], nil
	default:
		return m[1] + map[string]string{"alpha": "a", "beta": "b", "rc": "rc"}[m[2]] + m[3], nil
	}
}

// wheels writes pypi/kodex_cli-VERSION-py3-none-PLATFORM.whl per target: the
// binary as a script (pip puts it on PATH as is, no Python in between: the
// scheme ruff uses), a kodex_cli package for `python -m kodex_cli`, and the
// dist-info (METADATA, WHEEL with the platform tags, RECORD with hashes).
func (r *release) wheels(bins map[target][]byte) error {
	dir := filepath.Join(r.out, "pypi")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pv, err := pyVersion(r.version)
	if err != nil {
		return err
	}
	readme, err := os.ReadFile(filepath.Join(r.src, "README.md"))
	if err != nil {
		return err
	}
	pyDir := filepath.Join(r.src, "packaging", "pypi", "kodex_cli")
	var pyFiles []entry
	for _, name := range []string{"__init__.py", "__main__.py"} {
		b, err := os.ReadFile(filepath.Join(pyDir, name))
		if err != nil {
			return err
		}
		pyFiles = append(pyFiles, entry{name: "kodex_cli/" + name, data: b})
	}
	for _, t := range r.targets {
		tags := wheelTags[t]
		name := fmt.Sprintf("kodex_cli-%s-py3-none-%s.whl", pv, strings.Join(tags, "."))
		files := append([]entry{{name: "kodex_cli-" + pv + ".data/scripts/" + t.exe(), exec: true, data: bins[t]}}, pyFiles...)
		files = append(files, wheelMeta(pv, tags, readme, files)...)
		var buf strings.Builder
		if err := zipFile(&buf, nil, files, r.epoch); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(buf.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// wheelMeta returns the dist-info files for files: METADATA, WHEEL and,
// last, RECORD.
func wheelMeta(pv string, tags []string, readme []byte, files []entry) []entry {
	info := "kodex_cli-" + pv + ".dist-info/"
	metadata := "Metadata-Version: 2.1\nName: kodex-cli\nVersion: " + pv + "\n" +
		"Summary: kodex, a local AI coding agent: one static binary that edits code and runs commands in an OS sandbox\n" +
		"License: " + spdxLicense + "\n" +
		"Classifier: License :: OSI Approved :: Apache Software License\n" +
		"Home-page: " + repoURL + "\n" +
		"Project-URL: Source, " + repoURL + "\n" +
		"Requires-Python: >=3.7\n" +
		"Description-Content-Type: text/markdown\n\n" + string(readme)
	wheel := "Wheel-Version: 1.0\nGenerator: kodex scripts/release\nRoot-Is-Purelib: false\n"
	for _, tag := range tags {
		wheel += "Tag: py3-none-" + tag + "\n"
	}
	meta := []entry{
		{name: info + "METADATA", data: []byte(metadata)},
		{name: info + "WHEEL", data: []byte(wheel)},
	}
	var record strings.Builder
	for _, f := range slices.Concat(files, meta) {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.data))
	}
	record.WriteString(info + "RECORD,,\n")
	return append(meta, entry{name: info + "RECORD", data: []byte(record.String())})
}
