package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// A project's .kodex/config.toml is written by whoever wrote the repository,
// so it is held to an allow-list (restricter.check): it may tune the model and the
// output, and narrow, never widen, the sandbox, the approvals and the
// environment commands get. It may not touch model providers (endpoints,
// headers, keys), start programs (notify, mcp_servers) or pick profiles.
// Everything else it sets is dropped with a warning naming its file and
// line; nothing is ignored silently.

// restricter checks one project layer against the layers below it.
type restricter struct {
	lower     *Config // defaults, OPENAI_BASE_URL and the user file, decoded
	lowerTree *node   // the same, as merged nodes (for origins and lists)
	userFile  string
	d         *decoder // for ~ in paths
	warns     []*FieldError
}

// restrictProject removes from project layer n what a project may not set,
// rewrites the lists it may only add to, and returns the warnings.
func (l *loader) restrictProject(n, user *node) []*FieldError {
	lowerTree := newTable(origin{})
	for _, layer := range []*node{l.builtins(), l.env(), user} {
		if layer != nil {
			merge(lowerTree, layer)
		}
	}
	lower := &Config{}
	d := &decoder{home: l.userHome, defaults: true, fields: l.fields}
	d.table(lowerTree, reflect.ValueOf(lower).Elem(), nil) // the layers are valid: no errors
	r := &restricter{lower: lower, lowerTree: lowerTree, userFile: l.userFile, d: &decoder{home: l.userHome}}
	for _, k := range slices.Clone(n.keys) {
		v := n.tbl[k]
		switch k {
		case "sandbox_workspace_write", "shell_environment_policy", "tools", "tui":
			for _, sk := range slices.Clone(v.keys) {
				if nv := r.check(k+"."+sk, v.tbl[sk]); nv != nil {
					v.set(sk, nv)
				} else {
					v.del(sk)
				}
			}
			continue
		}
		if r.check(k, v) == nil {
			n.del(k)
		}
	}
	return r.warns
}

// check applies the rule for a dotted key to the project's value v. It
// returns the value to use, or nil when v is dropped (with a warning if
// it would have changed anything).
func (r *restricter) check(key string, v *node) *node {
	lo := r.lower
	sw, env := lo.SandboxWorkspaceWrite, lo.ShellEnvironmentPolicy
	switch key {
	case "model", "review_model", "model_reasoning_effort", "model_reasoning_summary", "model_verbosity",
		"model_context_window", "model_max_output_tokens", "model_auto_compact_token_limit",
		"project_doc_max_bytes",
		"hide_agent_reasoning", "show_raw_agent_reasoning", "file_opener", "web_search",
		"tui.alternate_screen", "tui.notifications",
		"sandbox_workspace_write.exclude_tmpdir_env_var", "sandbox_workspace_write.exclude_slash_tmp":
		return v
	case "sandbox_mode":
		return r.ordered(key, v, string(lo.SandboxMode), string(protocol.SandboxReadOnly),
			string(protocol.SandboxWorkspaceWrite), string(protocol.SandboxDangerFullAccess))
	case "approval_policy":
		return r.ordered(key, v, string(lo.ApprovalPolicy), string(protocol.ApprovalUntrusted),
			string(protocol.ApprovalOnRequest), string(protocol.ApprovalOnFailure), string(protocol.ApprovalNever))
	case "shell_environment_policy.inherit":
		return r.ordered(key, v, env.Inherit, "none", "core", "all")
	case "sandbox_workspace_write.network_access":
		return r.flag(key, v, sw.NetworkAccess, true)
	case "sandbox_workspace_write.allow_git_writes":
		return r.flag(key, v, sw.AllowGitWrites, true)
	case "shell_environment_policy.ignore_default_excludes":
		return r.flag(key, v, env.IgnoreDefaultExcludes, true)
	case "disable_response_storage":
		return r.flag(key, v, lo.DisableResponseStorage, false)
	case "tools.view_image":
		return r.flag(key, v, lo.Tools.ViewImage, true)
	case "tools.web_search":
		return r.flag(key, v, lo.Tools.WebSearch, true)
	case "project_doc_fallback_filenames":
		for _, it := range v.items {
			if it.str == "" || it.str == "." || it.str == ".." || strings.ContainsAny(it.str, `/\`) {
				return r.widen(key, v, fmt.Sprintf("%s is not a file name (a path could reach files outside the project)", quote(it.str)))
			}
		}
		return v
	case "shell_timeout_ms_max":
		if v.i <= lo.ShellTimeoutMsMax {
			return v
		}
		return r.widen(key, v, "larger than "+r.lowerValue(key, strconv.FormatInt(lo.ShellTimeoutMsMax, 10)))
	case "sandbox_workspace_write.writable_roots":
		return r.subset(key, v, sw.WritableRoots, true)
	case "shell_environment_policy.allow":
		return r.subset(key, v, env.Allow, false)
	case "shell_environment_policy.include_only":
		if len(env.IncludeOnly) == 0 {
			return v // any filter narrows
		}
		if len(v.items) == 0 {
			return r.widen(key, v, "an empty list lifts "+r.lowerValue(key, renderList(env.IncludeOnly)))
		}
		return r.subset(key, v, env.IncludeOnly, false)
	case "sandbox_workspace_write.deny_read", "shell_environment_policy.exclude":
		return r.union(key, v)
	}
	r.warn(v, key, fmt.Sprintf("ignoring %s from the project: only your user config (%s) or the command line may set it", key, r.userFile))
	return nil
}

func (r *restricter) warn(v *node, key, msg string) {
	r.warns = append(r.warns, &FieldError{Where: v.org.where(), Key: key, Msg: msg})
}

// widen drops v, saying why it would widen what the lower layers set.
func (r *restricter) widen(key string, v *node, why string) *node {
	r.warn(v, key, fmt.Sprintf("ignoring %s = %s from the project: %s, and a project may only narrow it", key, clip(render(v)), why))
	return nil
}

// lowerValue describes the value below the project and where it came
// from: `"workspace-write" (default)`.
func (r *restricter) lowerValue(key, value string) string {
	where := "default"
	if n := r.lowerTree.lookup(strings.Split(key, ".")...); n != nil {
		where = n.org.String()
	}
	return fmt.Sprintf("%s (%s)", clip(value), where)
}

func renderList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// ordered keeps v if it is narrower than lower in order (narrowest first).
// A value equal to lower is dropped without a warning: it changes nothing
// here, and kept it would count as an explicit choice, which overrides the
// narrower start kodex exec makes when nothing is chosen (read-only).
func (r *restricter) ordered(key string, v *node, lower string, order ...string) *node {
	i, j := slices.Index(order, stringOf(v)), slices.Index(order, lower)
	switch {
	case i >= 0 && i < j:
		return v
	case i == j:
		return nil
	}
	return r.widen(key, v, "wider than "+r.lowerValue(key, quote(lower)))
}

// flag keeps v unless it turns lower into the wide value.
func (r *restricter) flag(key string, v *node, lower, wide bool) *node {
	if v.b != wide || lower == wide {
		return v
	}
	return r.widen(key, v, "wider than "+r.lowerValue(key, strconv.FormatBool(lower)))
}

// subset keeps list v if it only removes entries from lower.
func (r *restricter) subset(key string, v *node, lower []string, paths bool) *node {
	var extra []string
	for _, it := range v.items {
		s := it.str
		if paths {
			s, _ = r.d.absPath(it, nil, s) // validated already
		}
		if !slices.Contains(lower, s) {
			extra = append(extra, quote(s))
		}
	}
	if len(extra) == 0 {
		return v
	}
	return r.widen(key, v, fmt.Sprintf("it adds %s to %s", strings.Join(extra, ", "), r.lowerValue(key, renderList(lower))))
}

// union adds the project's entries of list v to the lower layers' list
// instead of replacing it: a project may deny more, never less.
func (r *restricter) union(key string, v *node) *node {
	lower := r.lowerTree.lookup(strings.Split(key, ".")...)
	if lower == nil || len(lower.items) == 0 {
		return v
	}
	out := &node{kind: kArray, org: v.org}
	for _, it := range lower.items {
		out.items = append(out.items, it.clone())
	}
	for _, it := range v.items {
		if !slices.ContainsFunc(out.items, func(o *node) bool { return o.str == it.str }) {
			out.items = append(out.items, it.clone())
		}
	}
	return out
}
