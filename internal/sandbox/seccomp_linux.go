//go:build amd64 || arm64

package sandbox

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A small classic-BPF assembler for seccomp filters. Arguments are compared
// on their low 32-bit word only (the kernel truncates int arguments to 32
// bits, so a 64-bit compare would be bypassed by setting the high bits).
// Offsets assume a little-endian struct seccomp_data (amd64, arm64).

const (
	offNr   = 0
	offArch = 4
	offArgs = 16 // args[i] low word at offArgs + 8*i
)

// condOp is how a syscall argument's low word is compared.
type condOp int

const (
	opEq     condOp = iota // (arg & mask) == val
	opNe                   // (arg & mask) != val
	opAnySet               // arg & val != 0
)

type cond struct {
	arg  int
	op   condOp
	mask uint32 // 0 means all bits
	val  uint32
}

// rule returns action for syscall nr when every cond holds.
type rule struct {
	nr     int
	conds  []cond
	action uint32
}

func deny(nr int, conds ...cond) rule {
	return rule{nr: nr, conds: conds, action: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)}
}

// bpfProg is a program under construction; jumps name labels resolved by
// assemble.
type bpfProg struct {
	ins    []unix.SockFilter
	fixups map[int][2]string // instruction index → jt, jf label ("" = next)
	labels map[string]int
}

func (p *bpfProg) stmt(code uint16, k uint32) {
	p.ins = append(p.ins, unix.SockFilter{Code: code, K: k})
}

func (p *bpfProg) jump(code uint16, k uint32, jt, jf string) {
	if p.fixups == nil {
		p.fixups = map[int][2]string{}
	}
	p.fixups[len(p.ins)] = [2]string{jt, jf}
	p.ins = append(p.ins, unix.SockFilter{Code: code, K: k})
}

func (p *bpfProg) label(name string) {
	if p.labels == nil {
		p.labels = map[string]int{}
	}
	p.labels[name] = len(p.ins)
}

func (p *bpfProg) assemble() ([]unix.SockFilter, error) {
	for i, f := range p.fixups {
		for j, l := range f {
			if l == "" {
				continue
			}
			t, ok := p.labels[l]
			if !ok {
				return nil, fmt.Errorf("bpf: undefined label %q", l)
			}
			off := t - i - 1
			if off < 0 || off > 255 {
				return nil, fmt.Errorf("bpf: jump to %q out of range (%d)", l, off)
			}
			if j == 0 {
				p.ins[i].Jt = uint8(off)
			} else {
				p.ins[i].Jf = uint8(off)
			}
		}
	}
	return p.ins, nil
}

const (
	ldW  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	jset = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	andK = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K
	ret  = unix.BPF_RET | unix.BPF_K
)

// buildFilter compiles the rules behind the architecture check: a syscall
// from any other ABI (i386 int 0x80 on amd64, x32, AArch32) kills the
// process before any rule is looked at.
func buildFilter(rules []rule) ([]unix.SockFilter, error) {
	var p bpfProg
	p.stmt(ldW, offArch)
	p.jump(jeq, seccompArch, "", "kill")
	p.stmt(ldW, offNr)
	if foreignNrBit != 0 {
		p.jump(jset, foreignNrBit, "kill", "")
	}
	for i, r := range rules {
		next := fmt.Sprintf("r%d", i+1)
		p.stmt(ldW, offNr)
		p.jump(jeq, uint32(r.nr), "", next)
		for _, c := range r.conds {
			p.stmt(ldW, uint32(offArgs+8*c.arg))
			switch c.op {
			case opAnySet:
				p.jump(jset, c.val, "", next)
			case opEq, opNe:
				if c.mask != 0 {
					p.stmt(andK, c.mask)
				}
				if c.op == opEq {
					p.jump(jeq, c.val, "", next)
				} else {
					p.jump(jeq, c.val, next, "")
				}
			}
		}
		p.stmt(ret, r.action)
		p.label(next)
	}
	p.stmt(ret, unix.SECCOMP_RET_ALLOW)
	p.label("kill")
	p.stmt(ret, unix.SECCOMP_RET_KILL_PROCESS)
	return p.assemble()
}

// nsFlags are the namespace-creating clone flags (CLONE_NEWTIME is left
// out: in clone's flags its bit is part of the exit signal).
const nsFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// filterRules is the hardening filter, plus the network filter: with netOff
// only AF_UNIX stream sockets and socketpairs can be made, and no socket can
// connect, bind, listen or accept (so host Unix sockets such as docker.sock,
// ssh-agent, D-Bus and /dev/log are unreachable); with netLoopback IP sockets
// work (the namespace has only a private loopback), socketpair gives AF_UNIX
// stream pairs, and socket(2) cannot make an AF_UNIX socket (which could
// connect to the host's socket files) or any other family.
func filterRules(net netMode) []rule {
	eperm := func(nrs ...int) []rule {
		var rs []rule
		for _, nr := range nrs {
			rs = append(rs, deny(nr))
		}
		return rs
	}
	rs := eperm(unix.SYS_PTRACE, unix.SYS_PROCESS_VM_READV, unix.SYS_PROCESS_VM_WRITEV,
		unix.SYS_IO_URING_SETUP, unix.SYS_IO_URING_ENTER, unix.SYS_IO_URING_REGISTER,
		unix.SYS_UNSHARE, unix.SYS_SETNS, unix.SYS_MOUNT, unix.SYS_UMOUNT2, unix.SYS_PIVOT_ROOT,
		unix.SYS_MOVE_MOUNT, unix.SYS_OPEN_TREE, unix.SYS_FSOPEN, unix.SYS_FSCONFIG,
		unix.SYS_FSMOUNT, unix.SYS_FSPICK, unix.SYS_MOUNT_SETATTR, unix.SYS_BPF,
		unix.SYS_PERF_EVENT_OPEN, unix.SYS_KEYCTL, unix.SYS_ADD_KEY, unix.SYS_REQUEST_KEY,
		unix.SYS_USERFAULTFD, unix.SYS_KEXEC_LOAD, unix.SYS_INIT_MODULE, unix.SYS_FINIT_MODULE)
	rs = append(rs,
		deny(unix.SYS_CLONE, cond{arg: 0, op: opAnySet, val: nsFlags}),
		// clone3 passes flags in memory the filter cannot read: ENOSYS makes
		// libc and Go fall back to clone, which is checked above.
		rule{nr: unix.SYS_CLONE3, action: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		deny(unix.SYS_IOCTL, cond{arg: 1, op: opEq, val: unix.TIOCSTI}),
		deny(unix.SYS_IOCTL, cond{arg: 1, op: opEq, val: unix.TIOCLINUX}),
		// personality: only queries and plain Linux (± ADDR_NO_RANDOMIZE).
		deny(unix.SYS_PERSONALITY,
			cond{arg: 0, op: opNe, val: 0xffffffff}, cond{arg: 0, op: opNe, val: 0 /* PER_LINUX */},
			cond{arg: 0, op: opNe, val: 0x0040000 /* ADDR_NO_RANDOMIZE */}),
	)
	switch net {
	case netLoopback:
		rs = append(rs,
			deny(unix.SYS_SOCKET, cond{arg: 0, op: opNe, val: unix.AF_INET}, cond{arg: 0, op: opNe, val: unix.AF_INET6}),
			deny(unix.SYS_SOCKETPAIR, cond{arg: 0, op: opNe, val: unix.AF_UNIX}),
			deny(unix.SYS_SOCKETPAIR, cond{arg: 1, op: opNe, mask: 0xf, val: unix.SOCK_STREAM}))
	case netOff:
		for _, nr := range []int{unix.SYS_SOCKET, unix.SYS_SOCKETPAIR} {
			rs = append(rs,
				deny(nr, cond{arg: 0, op: opNe, val: unix.AF_UNIX}),
				deny(nr, cond{arg: 1, op: opNe, mask: 0xf, val: unix.SOCK_STREAM}))
		}
		rs = append(rs, eperm(unix.SYS_CONNECT, unix.SYS_BIND, unix.SYS_LISTEN,
			unix.SYS_ACCEPT, unix.SYS_ACCEPT4)...)
	case netOn: // no network filter
	}
	return rs
}

// applySeccomp installs the filter on the calling thread (no_new_privs must
// already be set).
func applySeccomp(net netMode) error {
	if seccompArch == 0 {
		return fmt.Errorf("no seccomp filter for this architecture")
	}
	ins, err := buildFilter(filterRules(net))
	if err != nil {
		return err
	}
	prog := unix.SockFprog{Len: uint16(len(ins)), Filter: &ins[0]}
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog)))
	if errno != 0 {
		return fmt.Errorf("seccomp: %w", errno)
	}
	return nil
}
