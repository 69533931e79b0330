package config

// codexOnlyTables are Codex configuration tables (and top-level keys) that
// kodex accepts and ignores, each with why; a key below one of them is
// covered too. A Codex user's config.toml then loads with one notice per
// key instead of a failure (see docs/config.md).
var codexOnlyTables = map[string]string{
	"check_for_update_on_startup":                   "kodex does not check for updates",
	"analytics":                                     "kodex sends no analytics",
	"feedback":                                      "kodex has no feedback upload",
	"otel":                                          "no OpenTelemetry export",
	"notice":                                        "Codex's TUI notices",
	"features":                                      "Codex's feature flags",
	"requires_openai_auth":                          "kodex uses the provider's env_key",
	"chatgpt_base_url":                              "no ChatGPT sign-in",
	"forced_login_method":                           "no ChatGPT sign-in",
	"forced_chatgpt_workspace_id":                   "no ChatGPT sign-in",
	"preferred_auth_method":                         "no ChatGPT sign-in",
	"cli_auth_credentials_store":                    "kodex keeps its own credentials",
	"mcp_oauth_credentials_store":                   "no MCP OAuth yet",
	"windows_wsl_setup_acknowledged":                "Windows setup notice",
	"windows":                                       "no Windows sandbox yet",
	"experimental_use_exec_command_tool":            "Codex experiment",
	"experimental_use_unified_exec_tool":            "Codex experiment",
	"experimental_use_rmcp_client":                  "Codex experiment",
	"experimental_use_freeform_apply_patch":         "Codex experiment",
	"experimental_resume":                           "Codex experiment",
	"experimental_instructions_file":                "Codex experiment",
	"experimental_compact_prompt_file":              "Codex experiment",
	"include_plan_tool":                             "the plan tool is always offered",
	"include_apply_patch_tool":                      "apply_patch is always offered",
	"include_view_image_tool":                       "use tools.view_image",
	"use_experimental_streamable_shell_tool":        "Codex experiment",
	"use_experimental_unified_exec_tool":            "Codex experiment",
	"tools_web_search_request":                      "no web search tool",
	"show_raw_agent_reasoning_content":              "Codex setting",
	"model_supports_reasoning_summaries":            "kodex keeps its own model table",
	"model_reasoning_summary_format":                "kodex keeps its own model table",
	"model_family":                                  "kodex keeps its own model table",
	"responses_originator_header_internal_override": "Codex internal",
	"ghost_snapshot":                                "no undo snapshots yet",
	"sandbox":                                       "use sandbox_mode and sandbox_workspace_write",
	"disable_paste_burst":                           "Codex TUI setting",
	"model_auto_compact_token_limit":                "no context compaction yet",
	"compact_prompt":                                "no context compaction yet",
	"developer_instructions":                        "not yet used by kodex",
	"model_instructions_file":                       "not yet used by kodex",
	"personality":                                   "not yet used by kodex",
	"review_model":                                  "no review command yet",
	"suppress_unstable_features_warning":            "Codex setting",
	"project_root_markers":                          "kodex uses .git",
	"tui.animations":                                "Codex TUI setting",
	"tui.show_tooltips":                             "Codex TUI setting",
	"tui.scroll_events_per_tick":                    "Codex TUI setting",
	"tui.scroll_wheel_lines":                        "Codex TUI setting",
	"tui.scroll_mode":                               "Codex TUI setting",
	"tui.status_line":                               "Codex TUI setting",
	"tui.theme":                                     "Codex TUI setting",
	"history.max_bytes":                             "Codex setting",
}

// codexOnly reports whether key (as dotted parts) is a Codex setting kodex
// accepts and ignores, and why. Keys inside a table entry (an MCP server, a
// profile) are matched by the part after the entry's name too, so
// profiles.fast.check_for_update_on_startup and
// mcp_servers.x.required read like their top-level forms.
func codexOnly(key []string) (string, bool) {
	for i := 0; i < len(key); i++ {
		for j := len(key); j > i; j-- {
			if why, ok := codexOnlyTables[joinKey(key[i:j])]; ok && (i == 0 || key[0] == "profiles" && i == 2) {
				return why, true
			}
		}
	}
	if len(key) >= 3 && key[0] == "mcp_servers" {
		if why, ok := codexOnlyMCP[key[2]]; ok {
			return why, true
		}
	}
	return "", false
}

// codexOnlyMCP are keys of [mcp_servers.NAME] kodex accepts and ignores.
var codexOnlyMCP = map[string]string{
	"enabled_tools":      "MCP servers are not started yet",
	"disabled_tools":     "MCP servers are not started yet",
	"env_vars":           "MCP servers are not started yet",
	"http_headers":       "MCP servers are not started yet",
	"env_http_headers":   "MCP servers are not started yet",
	"required":           "MCP servers are not started yet",
	"startup_timeout_ms": "MCP servers are not started yet",
	"bearer_token":       "MCP servers are not started yet",
	"oauth":              "MCP servers are not started yet",
	"scopes":             "MCP servers are not started yet",
}

// codexForm maps the forms Codex accepts for a key kodex types more
// narrowly onto kodex's: tui.notifications may be a list of notification
// types (kodex notifies for all: true when the list is not empty), and
// tui.alternate_screen may be "always", "never" or "auto" (the inline view
// unless asked). Anything else is returned as it is.
func codexForm(n *node, key []string) *node {
	if len(key) >= 3 && key[0] == "profiles" {
		key = key[2:]
	}
	switch joinKey(key) {
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
