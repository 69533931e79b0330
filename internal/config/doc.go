// Package config owns kodex's configuration: it reads $KODEX_HOME/config.toml
// (Codex-compatible key names), a trusted project's <root>/.kodex/config.toml
// (held to an allow-list: it may narrow but never widen the sandbox,
// approvals and environment, and never touch providers or start programs;
// what it may not set is dropped with a warning in Config.Warnings), the
// active [profiles.NAME], -c key=value overrides and flag values; merges them
// (flags > -c > --oss > profile > project > user file > defaults); validates
// them strictly, with every problem reported at its file and line with the
// allowed values and a "did you mean"; and returns an immutable *Config whose
// every effective value remembers where it came from (`kodex config show`).
// It also reads $KODEX_HOME/.env (LoadDotEnv), records project trust
// (SetProjectTrust), keeps the API key `kodex login` stores in
// $KODEX_HOME/auth.json (ReadAuth, WriteAuthKey, RemoveAuth), decides which
// key a provider uses (ResolveProvider), and checks a Codex config file for
// `kodex import codex` (ReadCodexFile).
//
// It must not touch the network, change the process environment (the caller
// applies what LoadDotEnv returns), hold package-level mutable state, or do
// work at init: Load runs at every start-up and must stay fast. It imports
// only internal/protocol from kodex.
package config
