package sandbox

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelFacts is what the running kernel offers, probed once per process.
type kernelFacts struct {
	ABI         int    // Landlock ABI version, 0 when unavailable
	LandlockWhy string // why ABI is 0
	Seccomp     bool
	SeccompWhy  string
}

// kernel is the once-per-process probe of the kernel. It is a lazily
// computed, then immutable value, not mutable state.
var kernel = sync.OnceValue(func() kernelFacts {
	var k kernelFacts
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	switch {
	case errno == unix.ENOSYS:
		k.LandlockWhy = "the kernel has no Landlock support (needs Linux 5.13+ built with CONFIG_SECURITY_LANDLOCK)"
	case errno == unix.EOPNOTSUPP:
		k.LandlockWhy = "Landlock is built in but disabled (add landlock to the lsm= boot parameter)"
	case errno != 0:
		k.LandlockWhy = "landlock_create_ruleset: " + errno.Error()
	default:
		k.ABI = int(abi)
	}
	if seccompArch == 0 {
		k.SeccompWhy = "no seccomp filter for this CPU architecture"
		return k
	}
	action := uint32(unix.SECCOMP_RET_KILL_PROCESS)
	_, _, errno = unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action)))
	if errno != 0 {
		k.SeccompWhy = "seccomp filters unavailable: " + errno.Error()
	} else {
		k.Seccomp = true
	}
	return k
})

// noNamespacesEnv is KODEX_SANDBOX_NO_NAMESPACES, read once per process.
var noNamespacesEnv = sync.OnceValue(func() bool { return os.Getenv(EnvNoNamespaces) == "1" })

// nsResult is the outcome of the namespace probe for one helper binary.
type nsResult struct {
	ok  bool
	why string
}

// nsMemo memoises the namespace probe per helper path: a write-once cache of
// a fact about the machine, probed at most once per binary and process.
type nsMemo struct {
	mu sync.Mutex
	m  map[string]nsResult
}

var nsProbes nsMemo

func (n *nsMemo) get(self, kodexHome string) nsResult {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r, ok := n.m[self]; ok {
		return r
	}
	var r nsResult
	if cachedProbe(kodexHome, self) {
		r = nsResult{ok: true}
	} else if r = probeNamespaces(self); r.ok {
		recordProbe(kodexHome, self)
	}
	if n.m == nil {
		n.m = map[string]nsResult{}
	}
	n.m[self] = r
	return r
}

// nsCloneFlags are the namespaces the helper starts in; the network
// namespace is added only when the network is off.
const nsCloneFlags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID

// nsAttr returns the SysProcAttr that starts the helper in new namespaces
// with the caller's uid and gid mapped to themselves.
func nsAttr(network bool) *syscall.SysProcAttr {
	flags := uintptr(nsCloneFlags)
	if !network {
		flags |= syscall.CLONE_NEWNET
	}
	uid, gid := os.Getuid(), os.Getgid()
	return &syscall.SysProcAttr{
		Cloneflags:  flags,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}},
		// Unprivileged users may only map their gid after denying setgroups.
		GidMappingsEnableSetgroups: false,
		// An identity-mapped non-root uid loses its namespace capabilities
		// at execve; ambient ones survive it (stage 2 drops them all).
		AmbientCaps: []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_SETPCAP, unix.CAP_NET_ADMIN},
		Pdeathsig:   syscall.SIGKILL,
		Setpgid:     true,
	}
}

// probeNamespaces starts the helper in new namespaces and has it try the
// mounts the real run needs (private propagation, tmpfs, a fresh /proc).
func probeNamespaces(self string) nsResult {
	if self == "" {
		return nsResult{why: "no helper binary given"}
	}
	cmd := exec.Command(self, HelperArg, "probe")
	cmd.SysProcAttr = nsAttr(false)
	cmd.Env = []string{}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		why := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out.String()), StderrPrefix))
		if why == "" {
			why = err.Error()
		}
		if strings.Contains(why, "operation not permitted") || strings.Contains(err.Error(), "operation not permitted") {
			why += " (user namespaces are restricted here: e.g. Ubuntu's AppArmor userns restriction, a container's seccomp profile or user.max_user_namespaces=0)"
		}
		return nsResult{why: "user namespaces unusable: " + why}
	}
	return nsResult{ok: true}
}

// helperProbe runs in the probe child: it checks that the mounts the
// supervisor needs are permitted in these namespaces.
func helperProbe() int {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return helperFail("making mounts private: %v", err)
	}
	if err := unix.Mount("tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return helperFail("mounting a tmpfs: %v", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return helperFail("mounting /proc for the PID namespace: %v", err)
	}
	return 0
}
