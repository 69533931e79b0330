package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The namespace probe starts the helper once more (a few milliseconds); its
// positive answer is kept on disk, under a fingerprint of everything that
// decides it: the helper binary (path, size, modification time), the
// running kernel and this boot, the user, and the sysctls that switch user
// namespaces off. Any change gives a new fingerprint, so the probe runs
// again; a negative answer is never kept.

// userNSSysctls are the knobs distributions use to restrict user namespaces.
var userNSSysctls = []string{
	"/proc/sys/user/max_user_namespaces",
	"/proc/sys/kernel/unprivileged_userns_clone",
	"/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
}

// probeFingerprint identifies the conditions of a namespace probe of self,
// or "" when they cannot be known (then nothing is cached).
func probeFingerprint(self string) string {
	fi, err := os.Stat(self)
	if err != nil {
		return ""
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return ""
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%d\x00%d\x00%s\x00%s\x00%d\x00%d", self, fi.Size(), fi.ModTime().UnixNano(),
		unix.ByteSliceToString(uts.Release[:]), strings.TrimSpace(string(boot)), os.Getuid(), os.Getgid())
	for _, p := range userNSSysctls {
		v, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "\x00%s", strings.TrimSpace(string(v)))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// probeCacheFile is where a positive probe of fingerprint fp is recorded.
func probeCacheFile(kodexHome, fp string) string {
	return filepath.Join(kodexHome, "cache", "sandbox-namespaces-"+fp)
}

// cachedProbe reports whether a positive probe is recorded for self.
func cachedProbe(kodexHome, self string) bool {
	if kodexHome == "" {
		return false
	}
	fp := probeFingerprint(self)
	if fp == "" {
		return false
	}
	_, err := os.Stat(probeCacheFile(kodexHome, fp))
	return err == nil
}

// recordProbe records a positive probe of self; failures are ignored (the
// probe simply runs again next time).
func recordProbe(kodexHome, self string) {
	fp := probeFingerprint(self)
	if kodexHome == "" || fp == "" {
		return
	}
	p := probeCacheFile(kodexHome, fp)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return
	}
	_ = os.WriteFile(p, []byte("ok\n"), 0o600)
}
