package sandbox

import "sync"

// NetNS is the private network namespace that the sandboxed commands of
// one session share when the network is off, so that a server one command
// starts on the loopback is reachable by the next (a dev server and curl).
// It exists only at the namespace level on Linux and is started on first
// use; elsewhere, and when it cannot be started, each command gets a
// private loopback of its own. Close ends it and every command still in it.
type NetNS struct {
	mu     sync.Mutex
	h      *netHolder // started on first use
	err    error      // why it could not be started
	closed bool
}

// NewNetNS returns a namespace to be shared through Request.NetNS.
func NewNetNS() *NetNS { return &NetNS{} }

// Close ends the namespace's holder and with it every command started in
// it. It is safe to call more than once and on nil.
func (n *NetNS) Close() {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	if n.h != nil {
		n.h.close()
		n.h = nil
	}
}
