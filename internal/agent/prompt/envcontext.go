package prompt

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// EnvContext describes where and under which rules the agent works.
type EnvContext struct {
	Cwd            string
	ApprovalPolicy protocol.ApprovalPolicy
	Sandbox        protocol.SandboxPolicy
	Shell          string    // e.g. "bash"; empty: omitted
	Now            time.Time // zero: omitted; its date is sent as current_date
	Timezone       string    // IANA name; empty: omitted (see LocalTimezone)
}

// EnvironmentContext renders e as the <environment_context> user message.
// Writable roots are listed in workspace-write mode only; network access is
// "enabled" in danger-full-access mode or when the policy allows it.
func EnvironmentContext(e EnvContext) string {
	var b strings.Builder
	b.WriteString(EnvironmentContextPrefix + "\n")
	tag := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString("  <" + name + ">")
		b.WriteString(escape(value))
		b.WriteString("</" + name + ">\n")
	}
	tag("cwd", e.Cwd)
	tag("approval_policy", string(e.ApprovalPolicy))
	tag("sandbox_mode", string(e.Sandbox.Mode))
	if e.Sandbox.Mode != "" {
		network := "restricted"
		if e.Sandbox.Mode == protocol.SandboxDangerFullAccess ||
			(e.Sandbox.Mode == protocol.SandboxWorkspaceWrite && e.Sandbox.NetworkAccess) {
			network = "enabled"
		}
		tag("network_access", network)
	}
	if e.Sandbox.Mode == protocol.SandboxWorkspaceWrite && len(e.Sandbox.WritableRoots) > 0 {
		b.WriteString("  <writable_roots>\n")
		for _, r := range e.Sandbox.WritableRoots {
			b.WriteString("    <root>" + escape(r) + "</root>\n")
		}
		b.WriteString("  </writable_roots>\n")
	}
	tag("shell", e.Shell)
	if !e.Now.IsZero() {
		tag("current_date", e.Now.Format(time.DateOnly))
	}
	tag("timezone", e.Timezone)
	b.WriteString("</environment_context>")
	return b.String()
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return escaper.Replace(s) }

// LocalTimezone returns the IANA name of the local time zone: $TZ if set,
// else the target of /etc/localtime, else the name Go reports.
func LocalTimezone() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" && !filepath.IsAbs(tz) {
		return tz
	}
	if p, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(p, "zoneinfo/"); ok {
			return name
		}
	}
	if n := time.Now().Location().String(); n != "Local" {
		return n
	}
	name, _ := time.Now().Zone()
	return name
}

// ShellName returns the base name of $SHELL ("bash" if unset).
func ShellName() string {
	if s := os.Getenv("SHELL"); s != "" {
		return filepath.Base(s)
	}
	return "bash"
}
