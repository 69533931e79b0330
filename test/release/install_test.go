package release_test

import (
	"bytes"
	"debug/macho"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// server serves the release directory d, with the archive named corrupt (if
// any) damaged by one byte.
func server(t *testing.T, d, corrupt string) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir(d))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if corrupt != "" && strings.HasSuffix(r.URL.Path, "/"+corrupt) {
			b, err := os.ReadFile(filepath.Join(d, corrupt))
			if err != nil {
				t.Error(err)
			}
			b[len(b)/2] ^= 0xff
			_, _ = w.Write(b)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// toolDir is a PATH directory with links to the named system commands and
// the given fake scripts (a fake replaces the command of the same name).
func toolDir(t *testing.T, tools []string, fakes map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range tools {
		if _, fake := fakes[name]; fake {
			continue
		}
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("%s is not on PATH: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, script := range fakes {
		// O_EXCL: never write through a link to a real command.
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString("#!/bin/sh\n" + script)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// baseTools are what install.sh needs besides curl or wget and uname (every
// case fakes uname).
var baseTools = []string{"sh", "grep", "head", "mktemp", "rm", "tar", "gzip", "find", "mkdir", "cp", "chmod", "mv", "sha256sum", "cat"}

// fakeUname answers uname -s and uname -m.
func fakeUname(s, m string) string {
	return "case $1 in -s) echo " + s + ";; -m) echo " + m + ";; *) echo " + s + ";; esac\n"
}

// TestInstallScript runs packaging/install.sh (as shipped in the release)
// against a local HTTP server serving the release directory.
func TestInstallScript(t *testing.T) {
	d := dist(t)
	script := filepath.Join(d, "install.sh")
	good := server(t, d, "").URL
	linuxArchive := filepath.Base(find(t, d, "*_linux_amd64.tar.gz"))
	closed := func() string { // a port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		return "http://" + addr
	}()

	tests := []struct {
		name       string
		base       string
		tools      []string
		fakes      map[string]string
		onPath     bool
		wantErr    string
		wantOut    []string
		wantDarwin macho.Cpu // an installed darwin binary of this CPU
		run        bool      // run a turn through the installed binary
	}{
		{name: "curl", base: good, tools: []string{"curl", "uname"},
			wantOut: []string{"platform: linux/", "SHA-256 verified", "is not on your PATH", "export PATH="}, run: true},
		{name: "wget, already on PATH", base: good, tools: []string{"wget"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			onPath: true, wantOut: []string{"SHA-256 verified", "run: kodex --help"}},
		{name: "musl", base: good, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64"), "ldd": "echo 'musl libc (x86_64)' >&2\n"},
			wantOut: []string{"platform: linux/amd64 (musl)"}},
		{name: "Rosetta", base: good, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Darwin", "x86_64"), "sysctl": "echo 1\n"},
			wantOut: []string{"Rosetta 2 detected", "platform: darwin/arm64"}, wantDarwin: macho.CpuArm64},
		{name: "Intel Mac", base: good, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Darwin", "x86_64"), "sysctl": "echo 0\n"},
			wantOut: []string{"platform: darwin/amd64"}, wantDarwin: macho.CpuAmd64},
		{name: "checksum mismatch", base: server(t, d, linuxArchive).URL, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			wantErr: "checksum mismatch for " + linuxArchive},
		{name: "unknown CPU", base: good, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Linux", "riscv64")},
			wantErr: "no kodex build for the CPU 'riscv64' on linux"},
		{name: "unknown OS", base: good, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("SunOS", "x86_64")},
			wantErr: "no kodex build for the operating system 'SunOS'"},
		{name: "Windows shell", base: good, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("MINGW64_NT-10.0", "x86_64")},
			wantErr: "install.ps1"},
		{name: "no network", base: closed, tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			wantErr: "cannot download " + closed + "/SHA256SUMS: check the network connection"},
		{name: "no network, wget", base: closed, tools: []string{"wget"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			wantErr: "cannot download " + closed + "/SHA256SUMS"},
		{name: "no such release", base: good + "/v9.9.9", tools: []string{"curl"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			wantErr: "the server has no " + good + "/v9.9.9/SHA256SUMS (HTTP error): check KODEX_VERSION"},
		{name: "no such release, wget", base: good + "/v9.9.9", tools: []string{"wget"}, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			wantErr: "the server has no " + good + "/v9.9.9/SHA256SUMS (HTTP error)"},
		{name: "no downloader", base: good, fakes: map[string]string{"uname": fakeUname("Linux", "x86_64")},
			wantErr: "neither curl nor wget is installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			bin := filepath.Join(tmp, "home", ".local", "bin")
			path := toolDir(t, append(tt.tools, baseTools...), tt.fakes)
			if tt.onPath {
				path += ":" + bin
			}
			cmd := exec.CommandContext(t.Context(), "/bin/sh", script)
			cmd.Env = []string{"PATH=" + path, "HOME=" + filepath.Join(tmp, "home"), "TMPDIR=" + tmp, "KODEX_INSTALL_BASE=" + tt.base, "SHELL=/bin/bash"}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			out := stdout.String() + stderr.String()
			_, statErr := os.Stat(filepath.Join(bin, "kodex"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(stderr.String(), tt.wantErr) {
					t.Fatalf("install.sh: err %v, want a failure saying %q; output:\n%s", err, tt.wantErr, out)
				}
				if statErr == nil {
					t.Errorf("install.sh failed but installed %s/kodex", bin)
				}
				return
			}
			if err != nil {
				t.Fatalf("install.sh: %v\n%s", err, out)
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(out, want) {
					t.Errorf("install.sh output lacks %q:\n%s", want, out)
				}
			}
			if statErr != nil {
				t.Fatalf("nothing installed: %v\n%s", statErr, out)
			}
			if tt.wantDarwin != 0 {
				f, err := macho.Open(filepath.Join(bin, "kodex"))
				if err != nil {
					t.Fatalf("installed binary: %v", err)
				}
				defer f.Close()
				if f.Cpu != tt.wantDarwin {
					t.Errorf("installed a darwin %v binary, want %v", f.Cpu, tt.wantDarwin)
				}
			}
			if tt.run {
				checkInstalled(t, filepath.Join(bin, "kodex"))
			}
		})
	}
}

// TestInstallPowerShell checks install.ps1 without Windows: it ships in the
// release unchanged, its SHA256SUMS pattern picks exactly the right zip for
// each CPU, and it verifies the hash before it unpacks or installs anything.
func TestInstallPowerShell(t *testing.T) {
	d := dist(t)
	shipped, err := os.ReadFile(filepath.Join(d, "install.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(moduleRoot(t), "packaging", "install.ps1"))
	if err != nil {
		t.Fatal(err)
	}
	commit, _ := headCommit()
	if out, err := exec.Command("git", "-C", moduleRoot(t), "diff", "--quiet", commit, "--", "packaging/install.ps1").CombinedOutput(); err == nil && !bytes.Equal(shipped, src) {
		t.Errorf("dist/install.ps1 differs from packaging/install.ps1 at the same commit (%s)", out)
	}
	text := string(shipped)

	m := regexp.MustCompile(`\$_ -match "([^"]+)"`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("install.ps1: no SHA256SUMS pattern found")
	}
	sums, err := os.ReadFile(filepath.Join(d, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		re := regexp.MustCompile(strings.ReplaceAll(m[1], "$arch", arch))
		var hits []string
		for _, line := range strings.Split(string(sums), "\n") {
			if re.MatchString(line) {
				hits = append(hits, line)
			}
		}
		if len(hits) != 1 || !strings.HasSuffix(hits[0], "_windows_"+arch+".zip") {
			t.Errorf("install.ps1's pattern for %s matches %q, want the one windows_%s zip", arch, hits, arch)
		}
	}

	// The order of the steps: download, hash check, and only then unpack and install.
	order := []string{"Get-ReleaseFile 'SHA256SUMS'", "Get-FileHash -Algorithm SHA256", "if ($got -ne $want)", "Expand-Archive", "Copy-Item", "Move-Item"}
	last := -1
	for _, step := range order {
		i := strings.Index(text, step)
		if i < 0 {
			t.Errorf("install.ps1 has no %q", step)
			continue
		}
		if i < last {
			t.Errorf("install.ps1: %q comes before the step that should precede it", step)
		}
		last = i
	}
	for _, want := range []string{"$env:KODEX_INSTALL_BASE", "$env:KODEX_INSTALL_DIR", "$env:KODEX_VERSION", "checksum mismatch", "cannot download", "the server has no", "no kodex build for the CPU", "is not on your PATH", "$ErrorActionPreference = 'Stop'"} {
		if !strings.Contains(text, want) {
			t.Errorf("install.ps1 lacks %q", want)
		}
	}
}
