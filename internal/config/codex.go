package config

import (
	"slices"
	"strings"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// codexOnly reports whether key (as dotted parts, up to the first part
// kodex does not know) is a Codex setting kodex accepts and ignores, and a
// word on why when there is one to say.
func codexOnly(key []string) (string, bool) {
	norm := slices.Clone(key)
	if len(norm) >= 2 {
		switch norm[0] {
		case "model_providers", "mcp_servers", "profiles":
			norm[1] = "*"
		case "features": // every feature flag but unified_exec, shell_tool and remote_compaction
			norm = norm[:1]
		}
	}
	k := strings.Join(norm, ".")
	if _, ok := slices.BinarySearch(codexKeys, k); !ok {
		return "", false
	}
	if len(norm) >= 3 && norm[0] == "profiles" {
		k = strings.Join(norm[2:], ".")
	}
	return codexWhy(k), true
}

// codexWhy says why kodex does without a Codex setting, where a word helps.
func codexWhy(key string) string {
	switch key {
	case "check_for_update_on_startup":
		return "kodex does not check for updates"
	case "analytics", "feedback", "otel":
		return "kodex sends no telemetry"
	case "notice", "tui.model_availability_nux":
		return "Codex's own notices"
	case "features":
		return "Codex's feature flags"
	case "forced_login_method", "forced_chatgpt_workspace_id", "chatgpt_base_url", "cli_auth_credentials_store":
		return "kodex uses the provider's API key; no ChatGPT sign-in"
	case "compact_prompt", "experimental_compact_prompt_file":
		return "kodex compacts with its own prompt"
	case "instructions", "personality":
		return "use model_instructions_file or developer_instructions"
	case "mcp_servers.*.oauth_resource":
		return "kodex sends the server's URL as the OAuth resource"
	case "project_root_markers":
		return "kodex finds the project root by .git"
	}
	return ""
}

// codexForm maps the forms Codex accepts for a key kodex types more
// narrowly onto kodex's: tui.notifications may be a list of notification
// types (kodex notifies for all: true when the list is not empty), and
// tui.alternate_screen may be "always", "never" or "auto" (the inline view
// unless asked). Anything else is returned as it is.
func codexForm(d *decoder, n *node, key []string) *node {
	full := key
	if len(key) >= 3 && key[0] == "profiles" {
		key = key[2:]
	}
	switch joinKey(key) {
	case "approval_policy":
		// Codex 0.169's { granular = { sandbox_approval = …, rules = …,
		// mcp_elicitations = …, request_permissions = …, skill_approval = … } }
		// is on-request with some kinds of question answered "no" without
		// asking. kodex asks them all, as on-request: never wider.
		if g, ok := n.tbl["granular"]; n.kind == kTable && ok && len(n.keys) == 1 && g.kind == kTable {
			for _, k := range g.keys {
				if g.tbl[k].kind != kBool {
					return n // reported as a bad value
				}
			}
			d.noticeAt(n, full, "approval_policy.granular is treated as \"on-request\": kodex asks every question Codex's granular policy may answer \"no\" to without asking")
			return &node{kind: kString, str: string(protocol.ApprovalOnRequest), org: n.org}
		}
	case "tui.notifications":
		if n.kind == kArray {
			return &node{kind: kBool, b: len(n.items) > 0, org: n.org}
		}
	case "tui.alternate_screen":
		if n.kind == kString {
			switch n.str {
			case "always":
				return &node{kind: kBool, b: true, org: n.org}
			case "never", "auto":
				return &node{kind: kBool, b: false, org: n.org}
			}
		}
	}
	return n
}
