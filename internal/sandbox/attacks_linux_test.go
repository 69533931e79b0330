package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// attack is one escape attempt (or one piece of legitimate work) run through
// Run. blocked inspects the host afterwards — effects, not exit codes.
type attack struct {
	name   string
	legit  bool   // legitimate work: must succeed
	wsOnly bool   // only meaningful under workspace-write
	script string // sh -c script; $WS, $OUT, $HOME, $PY, … are set
	check  func(f *fixture, out string, code int) bool
	// degradedNoNS marks a documented gap of the no-namespace level.
	degradedNoNS string
	degradedRoot string
	extraFile    bool
	maxFile      int64 // RLIMIT_FSIZE for this run (0: default)
	// root is the cwd and writable root: "" the workspace, "home" the home
	// directory, "wt" a git worktree of the workspace's repository.
	root string
	// then is a second command run with the same session temp dir.
	then string
	// control: the attack must work unconfined (checked on a fresh fixture).
	control bool
}

func unchanged(rel string) func(*fixture, string, int) bool {
	return func(f *fixture, _ string, _ int) bool {
		b, err := os.ReadFile(filepath.Join(f.base, rel))
		return err == nil && string(b) == "original\n"
	}
}

func absent(rel string) func(*fixture, string, int) bool {
	return func(f *fixture, _ string, _ int) bool {
		_, err := os.Lstat(filepath.Join(f.base, rel))
		return err != nil
	}
}

func notIn(marker string) func(*fixture, string, int) bool {
	return func(_ *fixture, out string, _ int) bool { return !strings.Contains(out, marker) }
}

func ok(s string) func(*fixture, string, int) bool {
	return func(_ *fixture, out string, code int) bool { return code == 0 && strings.Contains(out, s) }
}

func all(cs ...func(*fixture, string, int) bool) func(*fixture, string, int) bool {
	return func(f *fixture, out string, code int) bool {
		for _, c := range cs {
			if !c(f, out, code) {
				return false
			}
		}
		return true
	}
}

func modeUnchanged(rel string) func(*fixture, string, int) bool {
	return func(f *fixture, _ string, _ int) bool {
		fi, err := os.Stat(filepath.Join(f.base, rel))
		return err == nil && fi.Mode().Perm() == 0o644 && fi.ModTime().Equal(f.victimMtime)
	}
}

// pyNet runs a python snippet and prints CONNECTED/SENT on success.
const pyPrelude = `import socket,sys,os,ctypes,errno
def run(f):
    try:
        f(); print("ESCAPE-OK")
    except OSError as e:
        print("denied", e)
`

func py(body string) string {
	return "$PY - <<'EOF'\n" + pyPrelude + body + "\nEOF\n"
}

var attacks = []attack{
	// Writes outside the writable roots.
	{name: "write file outside", script: `echo pwned > $OUT/victim`, check: unchanged("outside/victim")},
	{name: "create file outside", script: `echo pwned > $OUT/new`, check: absent("outside/new")},
	{name: "mkdir outside", script: `mkdir $OUT/newdir`, check: absent("outside/newdir")},
	{name: "delete file outside", script: `rm -f $OUT/victim`, check: unchanged("outside/victim")},
	{name: "write via new symlink", script: `ln -s $OUT/victim $WS/l1; echo pwned > $WS/l1`, check: unchanged("outside/victim")},
	{name: "write via existing symlink", script: `echo pwned > $WS/outlink/victim`, check: unchanged("outside/victim")},
	{name: "hard link out→in", script: `ln $OUT/victim $WS/hl && echo pwned >> $WS/hl`, check: unchanged("outside/victim")},
	{name: "rename out of workspace", wsOnly: true, script: `mv $WS/inws $OUT/stolen`, check: absent("outside/stolen")},
	{name: "rename into workspace", script: `mv $OUT/victim $WS/got`, check: unchanged("outside/victim")},
	{name: "write via /proc/self/root", script: `echo pwned > /proc/self/root$OUT/victim`, check: unchanged("outside/victim")},
	{name: "write via inherited fd", extraFile: true, script: `echo pwned >&3; echo pwned > /proc/self/fd/3`, check: unchanged("outside/victim")},
	{name: "chmod outside", script: `chmod 777 $OUT/victim`, check: modeUnchanged("outside/victim"),
		degradedNoNS: "Landlock (ABI ≤ 7) does not control chmod/chown/utime"},
	{name: "utime outside", script: `touch -d '2001-01-01' $OUT/victim`, check: modeUnchanged("outside/victim"),
		degradedNoNS: "Landlock (ABI ≤ 7) does not control chmod/chown/utime"},
	{name: "truncate outside", script: `truncate -s 0 $OUT/victim`, check: unchanged("outside/victim")},
	{name: "write shared /tmp", script: `echo pwned > /tmp/$MARK`, check: func(f *fixture, _ string, _ int) bool {
		_, err := os.Stat("/tmp/" + f.mark)
		return err != nil
	}},
	{name: "write /etc", script: `echo 'evil::0:0::/:/bin/sh' >> /etc/passwd`, check: func(*fixture, string, int) bool {
		b, _ := os.ReadFile("/etc/passwd")
		return !bytes.Contains(b, []byte("evil::0:0"))
	}},
	// Secrets.
	{name: "read ~/.ssh key", script: `cat $HOME/.ssh/id_rsa`, check: notIn("SECRET-SSH")},
	{name: "list ~/.ssh", script: `ls $HOME/.ssh`, check: notIn("id_rsa")},
	{name: "read ~/.aws", script: `cat $HOME/.aws/credentials`, check: notIn("SECRET-AWS")},
	{name: "read ~/.netrc", script: `cat $HOME/.netrc`, check: notIn("SECRET-NETRC")},
	{name: "read kodex auth.json", script: `cat $HOME/.kodex/auth.json`, check: notIn("SECRET-KODEX")},
	{name: "read secret via hard link", script: `ln $HOME/.ssh/id_rsa $WS/k; cat $WS/k`, check: notIn("SECRET-SSH")},
	// Persistence.
	{name: "append ~/.bashrc", script: `echo evil >> $HOME/.bashrc`, check: unchanged("home/.bashrc")},
	{name: "authorized_keys", script: `echo evil >> $HOME/.ssh/authorized_keys`, check: absent("home/.ssh/authorized_keys")},
	// Git and kodex config.
	{name: "plant git hook", wsOnly: true, script: `printf '#!/bin/sh\necho evil\n' > $WS/.git/hooks/pre-commit; chmod +x $WS/.git/hooks/pre-commit`, check: absent("ws/.git/hooks/pre-commit")},
	{name: "git config hooksPath", wsOnly: true, script: `git -C $WS config core.hooksPath /tmp/evil; echo '[core]' >> $WS/.git/config`, check: func(f *fixture, _ string, _ int) bool {
		b, _ := os.ReadFile(filepath.Join(f.base, "ws/.git/config"))
		return string(b) == f.gitConfig
	}},
	{name: "git info/attributes", wsOnly: true, script: `echo '* filter=evil' > $WS/.git/info/attributes`, check: absent("ws/.git/info/attributes")},
	{name: ".git swap", wsOnly: true, script: `cd $WS && mv .git .git.old; mkdir -p .git/hooks && echo evil > .git/hooks/pre-commit`, check: all(absent("ws/.git.old"), absent("ws/.git/hooks/pre-commit"))},
	{name: "kodex project config", control: true, wsOnly: true, script: `echo 'sandbox_mode="danger-full-access"' > $WS/.kodex/config.toml`, check: unchanged("ws/.kodex/config.toml")},
	// Git control files: what the user's next git (outside the sandbox) runs.
	{name: "plant .git/commondir", control: true, wsOnly: true, script: `mkdir -p $WS/evil/hooks $WS/evil/objects $WS/evil/refs; printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch %s/pwned-commondir"\n' "$OUT" > $WS/evil/config; echo ../evil > $WS/.git/commondir`,
		check: func(f *fixture, _ string, _ int) bool {
			return f.hostGitClean(filepath.Join(f.base, "ws"), "status")
		}},
	{name: ".git/HEAD swap → bare work tree", control: true, wsOnly: true, script: `cd $WS && mkdir -p objects refs/heads && echo 'ref: refs/heads/main' > HEAD && printf '[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = %s\n\tfsmonitor = "touch %s/pwned-head"\n' "$WS" "$OUT" > config && echo garbage > .git/HEAD`,
		check: func(f *fixture, _ string, _ int) bool {
			return f.hostGitClean(filepath.Join(f.base, "ws"), "status") && f.hostGitClean(filepath.Join(f.base, "ws"), "diff", "HEAD")
		}},
	{name: "nested repo hook + config", control: true, wsOnly: true, script: `L=$WS/vendor/lib/.git; printf '#!/bin/sh\ntouch %s/pwned-nested\n' "$OUT" > $L/hooks/pre-commit; chmod +x $L/hooks/pre-commit; git -C $WS/vendor/lib config core.fsmonitor "touch $OUT/pwned-nested2"; echo '[core]' >> $L/config`,
		check: func(f *fixture, _ string, _ int) bool {
			return absent("ws/vendor/lib/.git/hooks/pre-commit")(f, "", 0) && f.hostGitClean(filepath.Join(f.base, "ws/vendor/lib"), "status")
		}},
	{name: "worktree: plant main config", control: true, root: "wt", wsOnly: true, script: `git -C $WT config core.fsmonitor "touch $OUT/pwned-wt"; printf '[core]\n\tfsmonitor = "touch %s/pwned-wt2"\n' "$OUT" >> $WS/.git/config`,
		check: func(f *fixture, _ string, _ int) bool {
			b, _ := os.ReadFile(filepath.Join(f.base, "ws/.git/config"))
			return string(b) == f.gitConfig && f.hostGitClean(filepath.Join(f.base, "wt"), "status")
		}},
	{name: "replace .kodex dir", control: true, wsOnly: true, script: `cd $WS && mv .kodex .kodex.old; rm -rf .kodex; mkdir .kodex && echo 'sandbox_mode="danger-full-access"' > .kodex/config.toml`, check: unchanged("ws/.kodex/config.toml")},
	// Hard links that predate the session.
	{name: "write pre-existing hard link", control: true, script: `echo pwned >> $WS/deps/linked; echo pwned > $WS/deps/linked`, check: unchanged("outside/linked")},
	{name: "write pnpm store through node_modules", control: true, script: `echo pwned >> $WS/node_modules/.pnpm/pkg0@1.0.0/index.js; echo pwned > $WS/node_modules/.pnpm/pkg69@1.0.0/index.js`,
		check: all(unchanged("outside/store/0"), unchanged("outside/store/69"))},
	{name: "truncate pre-existing hard link", control: true, script: `truncate -s 0 $WS/deps/linked`, check: unchanged("outside/linked")},
	// kodex's own state.
	{name: "read kodex config/sessions/history", control: true, script: `cat $HOME/.kodex/config.toml $HOME/.kodex/history.jsonl; cat $HOME/.kodex/sessions/*/*/*/*; grep -r SECRET $HOME/.kodex`,
		check: all(notIn("SECRET-KODEX-CONFIG"), notIn("SECRET-KODEX-SESSION"), notIn("SECRET-KODEX-HISTORY"))},
	// A writable root that contains the secrets (cwd = $HOME).
	{name: "home root: read ~/.ssh key", control: true, root: "home", script: `cat $HOME/.ssh/id_rsa; cat ~/.aws/credentials`, check: all(notIn("SECRET-SSH"), notIn("SECRET-AWS"))},
	{name: "home root: authorized_keys", control: true, root: "home", wsOnly: true, script: `echo evil >> $HOME/.ssh/authorized_keys; mv $HOME/.ssh $HOME/ssh.old; mkdir -p $HOME/.ssh; echo evil > $HOME/.ssh/authorized_keys`, check: all(absent("home/.ssh/authorized_keys"), absent("home/ssh.old"))},
	{name: "home root: ~/.bashrc", control: true, root: "home", wsOnly: true, script: `echo evil >> $HOME/.bashrc; rm -f $HOME/.bashrc; echo evil > $HOME/.bashrc; echo evil > $HOME/.bash_profile`, check: all(unchanged("home/.bashrc"), absent("home/.bash_profile"))},
	{name: "home root: ~/.gitconfig", control: true, root: "home", wsOnly: true, script: `git config --global core.fsmonitor "touch $OUT/pwned-global"; printf '[core]\n\tfsmonitor = "touch %s/pwned-global2"\n' "$OUT" > $HOME/.gitconfig`,
		check: func(f *fixture, _ string, _ int) bool {
			return absent("home/.gitconfig")(f, "", 0) && f.hostGitClean(filepath.Join(f.base, "ws"), "status")
		}},
	// Network.
	{name: "TCP connect loopback", script: py(`run(lambda: socket.create_connection(("127.0.0.1", int(os.environ["TCPPORT"])), 2))`), check: func(f *fixture, out string, _ int) bool {
		return !strings.Contains(out, "ESCAPE-OK") && f.tcpHits() == 0
	}},
	{name: "UDP send loopback", script: py(`s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
run(lambda: s.sendto(b"x", ("127.0.0.1", int(os.environ["UDPPORT"]))))`), check: func(f *fixture, out string, _ int) bool {
		return f.udpHits() == 0
	}},
	{name: "IPv6 TCP socket", script: py(`run(lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect(("::1", int(os.environ["TCPPORT"]))))`), check: notIn("ESCAPE-OK")},
	{name: "raw/packet socket", script: py(`run(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))`), check: notIn("ESCAPE-OK")},
	{name: "netlink socket", script: py(`run(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))`), check: notIn("ESCAPE-OK")},
	{name: "vsock socket", script: py(`run(lambda: socket.socket(40, socket.SOCK_STREAM))`), check: notIn("ESCAPE-OK")},
	{name: "host unix stream socket", script: py(`run(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(os.environ["USOCK"]))`), check: func(f *fixture, out string, _ int) bool {
		return !strings.Contains(out, "ESCAPE-OK") && f.unixHits() == 0
	}},
	{name: "host unix dgram socket", script: py(`run(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", os.environ["DSOCK"]))`), check: func(f *fixture, out string, _ int) bool {
		return f.dgramHits() == 0
	}},
	{name: "dgram socketpair sendto", script: py(`a,b=socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
run(lambda: a.sendto(b"x", os.environ["DSOCK"]))`), check: func(f *fixture, out string, _ int) bool {
		return f.dgramHits() == 0
	}},
	{name: "abstract unix socket", script: py(`run(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("\0"+os.environ["ASOCK"]))`), check: func(f *fixture, out string, _ int) bool {
		return !strings.Contains(out, "ESCAPE-OK") && f.abstractHits() == 0
	}},
	{name: "io_uring_setup", script: py(`libc=ctypes.CDLL(None, use_errno=True)
p=ctypes.create_string_buffer(120)
r=libc.syscall(425, 4, p)
print("ESCAPE-OK" if r >= 0 else "denied", ctypes.get_errno())`), check: notIn("ESCAPE-OK")},
	{name: "i386 int 0x80 syscall", script: py(`import mmap
code=bytes([0xb8,20,0,0,0, 0xcd,0x80, 0xc3])  # mov eax,20 (getpid); int 0x80; ret
m=mmap.mmap(-1, 4096, prot=mmap.PROT_READ|mmap.PROT_WRITE|mmap.PROT_EXEC)
m.write(code)
f=ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
f(); print("ESCAPE-OK")`), check: notIn("ESCAPE-OK")},
	// Processes.
	{name: "ptrace outside process", script: py(`libc=ctypes.CDLL(None, use_errno=True)
r=libc.ptrace(16, int(os.environ["VICTIMPID"]), 0, 0)
print("ESCAPE-OK" if r == 0 else "denied", ctypes.get_errno())`), check: notIn("ESCAPE-OK")},
	{name: "process_vm_readv", script: py(`libc=ctypes.CDLL(None, use_errno=True)
buf=ctypes.create_string_buffer(8)
class iov(ctypes.Structure): _fields_=[("b",ctypes.c_void_p),("l",ctypes.c_size_t)]
l=iov(ctypes.addressof(buf),8); r=iov(0x400000,8)
n=libc.process_vm_readv(int(os.environ["VICTIMPID"]), ctypes.byref(l),1, ctypes.byref(r),1,0)
e=ctypes.get_errno()
print("ESCAPE-OK" if n >= 0 or e == errno.EFAULT else "denied", e)`), check: notIn("ESCAPE-OK")},
	{name: "read agent /proc/pid/environ", script: `cat /proc/$VICTIMPID/environ`, check: notIn("VICTIM-SECRET")},
	{name: "signal outside process", script: `kill -TERM $VICTIMPID`, check: func(f *fixture, _ string, _ int) bool { return f.victimAlive() }},
	{name: "new user namespace", script: `unshare -Ur id && echo ESCAPE-OK`, check: notIn("ESCAPE-OK")},
	{name: "mount tmpfs", script: `mkdir -p $TMPDIR/m 2>/dev/null; mount -t tmpfs none ${TMPDIR:-/tmp}/m && echo ESCAPE-OK`, check: notIn("ESCAPE-OK")},
	{name: "TIOCSTI injection", script: py(`import fcntl,termios,pty
m,s=pty.openpty()
def f(): fcntl.ioctl(s, termios.TIOCSTI, b"x")
run(f)`), check: notIn("ESCAPE-OK")},
	// Each survivor is a shell named kodexsurv-$MARK ($0) that stays alive
	// while its sleep runs (the trailing ":" keeps it from exec'ing sleep);
	// sh is dash here, which has no `exec -a`.
	{name: "background survivors", script: `(sh -c 'sleep 300; :' kodexsurv-$MARK &) ; setsid sh -c 'sleep 301; :' kodexsurv-$MARK & nohup sh -c 'sleep 302; :' kodexsurv-$MARK >/dev/null 2>&1 & echo started`,
		check: func(f *fixture, _ string, _ int) bool { return !f.survivors() }},
	{name: "fork bomb", script: `i=0; while [ $i -lt 400 ]; do sleep 3017.$MARKNUM & i=$((i+1)); done 2>/dev/null; echo forked $i`, check: func(f *fixture, out string, _ int) bool {
		return !strings.Contains(out, "forked 400") && !f.survivors()
	}, degradedRoot: "the kernel does not apply RLIMIT_NPROC to root (no pids cgroup used); the tree is still killed at exit"},
	{name: "huge file", wsOnly: true, maxFile: 1 << 20, script: `head -c 3000000 /dev/zero > $WS/big`, check: func(f *fixture, _ string, _ int) bool {
		fi, err := os.Stat(filepath.Join(f.base, "ws/big"))
		return err != nil || fi.Size() <= 1<<20
	}},
	{name: "environment key leak", script: `env; cat /proc/self/environ`, check: all(notIn("sk-LEAK"), notIn("ghp_LEAK"), notIn("AWSLEAK"), notIn("agent.sock"))},

	// Legitimate work.
	{name: "read workspace + ls /usr", legit: true, script: `cat $WS/inws && ls /usr >/dev/null && ls $WS >/dev/null && echo LEGIT`, check: ok("LEGIT")},
	{name: "go build + test", legit: true, wsOnly: true, script: `cd $WS/prog && go build -o hello . && ./hello && go test ./... && echo LEGIT`, check: ok("LEGIT")},
	{name: "git add + commit", legit: true, wsOnly: true, script: `cd $WS && echo more >> inws && git add inws && git -c user.email=a@b -c user.name=t commit -qm change && git log --oneline | wc -l && echo LEGIT`, check: ok("LEGIT")},
	{name: "cross-directory mv", legit: true, wsOnly: true, script: `mkdir -p $WS/a $WS/b && echo x > $WS/a/f && mv $WS/a/f $WS/b/f && mv $WS/b $WS/a/b && cat $WS/a/b/f && echo LEGIT`, check: ok("LEGIT")},
	{name: "python multiprocessing", legit: true, wsOnly: true, script: py(`import multiprocessing as mp
def sq(x): return x*x
if __name__ == "__main__":
    with mp.Pool(2) as p: print(sum(p.map(sq, range(10))), "LEGIT")`), check: ok("285 LEGIT")},
	{name: "socketpair IPC", legit: true, script: py(`a,b=socket.socketpair()
a.sendall(b"ping"); print(b.recv(4).decode(), "LEGIT")`), check: ok("ping LEGIT")},
	{name: "write $TMPDIR", legit: true, wsOnly: true, script: `echo hi > $TMPDIR/t && cat $TMPDIR/t && echo LEGIT`, check: ok("LEGIT")},
	{name: "$TMPDIR survives into the next command", legit: true, wsOnly: true, script: `t=$(mktemp) && echo kept > $t && echo $t > $TMPDIR/name`, then: `cat $(cat $TMPDIR/name) && echo LEGIT`, check: ok("kept\nLEGIT")},
	{name: "read the real /tmp", legit: true, script: `cat $HOSTTMP && echo LEGIT`, check: ok("HOST-TMP\nLEGIT")},
	{name: "git worktree add + commit", legit: true, wsOnly: true, root: "wt", script: `cd $WT && echo more >> inws && git add inws && git -c user.email=a@b -c user.name=t commit -qm wt && git log --oneline | wc -l && echo LEGIT`, check: ok("LEGIT")},
	{name: "commit in nested repo", legit: true, wsOnly: true, script: `cd $WS/vendor/lib && echo more >> f && git add f && git -c user.email=a@b -c user.name=t commit -qm c && echo LEGIT`, check: ok("LEGIT")},
	{name: "go test with httptest (network off)", legit: true, wsOnly: true, script: `cd $WS/netprog && go test -count=1 . && echo LEGIT`, check: ok("LEGIT"),
		degradedNoNS: "no private network namespace: loopback sockets are refused with the network off"},
	{name: "pnpm node_modules: cache + lock file", legit: true, wsOnly: true, script: `mkdir -p $WS/node_modules/.cache && echo x > $WS/node_modules/.cache/babel && echo more >> $WS/node_modules/.pnpm/lock.yaml && cat $WS/node_modules/.pnpm/pkg3@1.0.0/index.js && echo LEGIT`, check: ok("original\nLEGIT")},
	{name: "home root: write a project file", legit: true, wsOnly: true, root: "home", script: `echo more >> $HOME/proj/notes && mkdir -p $HOME/proj/new && echo x > $HOME/proj/new/f && echo LEGIT`, check: ok("LEGIT")},
}
