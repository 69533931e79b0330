package config

import "testing"

// TestServerCompaction: the providers that compact on their server are the
// ones Codex compacts remotely with (the provider named OpenAI, whatever its
// base_url, and Azure OpenAI), on the Responses wire only; the others, and
// every provider with features.remote_compaction = false, compact locally.
func TestServerCompaction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		user     string
		override []string
		want     bool
	}{
		{name: "built-in openai", want: true},
		{name: "openai at a local base_url", override: []string{`openai_base_url="http://127.0.0.1:9/v1"`}, want: true},
		{name: "openai on the chat wire", user: "[model_providers.openai]\nwire_api = \"chat\"\n", want: false},
		{name: "disabled", user: "[features]\nremote_compaction = false\n", want: false},
		{name: "ollama", override: []string{`model_provider="ollama"`}, want: false},
		{name: "custom", user: "model_provider = \"mine\"\n[model_providers.mine]\nname = \"Mine\"\nbase_url = \"https://llm.example.com/v1\"\n", want: false},
		{name: "azure by name", user: "model_provider = \"az\"\n[model_providers.az]\nname = \"Azure\"\nbase_url = \"https://proxy.example.com/v1\"\n", want: true},
		{name: "azure by host", user: "model_provider = \"az\"\n[model_providers.az]\nname = \"Work\"\nbase_url = \"https://acme.openai.azure.com/openai\"\n", want: true},
		{name: "azure on the chat wire", user: "model_provider = \"az\"\n[model_providers.az]\nname = \"azure\"\nbase_url = \"https://acme.openai.azure.com/openai\"\nwire_api = \"chat\"\n", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			writeFile(t, f.userFile(), tt.user)
			o := f.opts()
			o.Overrides = tt.override
			c := mustLoad(t, o)
			if got := c.ServerCompaction(); got != tt.want {
				t.Errorf("server compaction = %v, want %v (provider %+v)", got, tt.want, c.Provider)
			}
		})
	}
}
