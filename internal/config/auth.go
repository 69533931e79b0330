package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// AuthFileName is the file in $KODEX_HOME where `kodex login --with-api-key`
// stores the API key.
const AuthFileName = "auth.json"

// Auth is $KODEX_HOME/auth.json, in the shape of Codex's auth.json so the
// file reads the same in both: {"auth_mode": "apikey", "OPENAI_API_KEY":
// "sk-…"}. The ChatGPT tokens Codex may keep there are not read: kodex has no
// ChatGPT sign-in.
type Auth struct {
	Mode   string `json:"auth_mode,omitempty"`
	APIKey string `json:"OPENAI_API_KEY"`
	// Path is the file the key was read from.
	Path string `json:"-"`
}

// AuthModeAPIKey is Codex's auth_mode for a stored API key.
const AuthModeAPIKey = "apikey"

// AuthPath is $KODEX_HOME/auth.json.
func AuthPath(home string) string { return filepath.Join(home, AuthFileName) }

// ReadAuth reads home/auth.json. It returns nil and no error when the file
// does not exist; a file that is not valid JSON is an error naming it.
func ReadAuth(home string) (*Auth, error) {
	path := AuthPath(home)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var a Auth
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("reading %s: %w (remove it with kodex logout, then log in again)", path, err)
	}
	a.Path = path
	a.APIKey = strings.TrimSpace(a.APIKey)
	return &a, nil
}

// CheckAPIKey says what is wrong with key as an API key kodex would store
// and send in a header: empty, or containing spaces or control characters.
func CheckAPIKey(key string) error {
	if key == "" {
		return errors.New("the API key is empty")
	}
	if strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return errors.New("the API key contains spaces or control characters")
	}
	return nil
}

// WriteAuthKey stores key in home/auth.json (Codex's shape, auth_mode
// "apikey"), replacing the file atomically, with mode 0600; home is created
// with mode 0700 if it does not exist. It returns the file's path.
func WriteAuthKey(home, key string) (string, error) {
	if err := CheckAPIKey(key); err != nil {
		return "", err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", fmt.Errorf("creating %s: %w", home, err)
	}
	data, err := json.MarshalIndent(Auth{Mode: AuthModeAPIKey, APIKey: key}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding auth: %w", err)
	}
	path := AuthPath(home)
	if err := writeFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// RemoveAuth deletes home/auth.json and reports whether there was one.
func RemoveAuth(home string) (bool, error) {
	err := os.Remove(AuthPath(home))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("removing %s: %w", AuthPath(home), err)
	}
	return true, nil
}

// MaskKey shows an API key as its first three and last four characters
// ("sk-...abcd"), or "****" when it is too short for that to hide most of it.
func MaskKey(key string) string {
	if len(key) < 16 {
		return "****"
	}
	return key[:3] + "..." + key[len(key)-4:]
}

// UsesOpenAIAuth reports whether the key stored by `kodex login` (and the
// KODEX_API_KEY / CODEX_API_KEY variables) apply to the provider: one with
// requires_openai_auth = true, as the built-in openai provider has (as in
// Codex; config.toml may set it to false there to opt out).
func (p ProviderInfo) UsesOpenAIAuth() bool {
	return p.RequiresOpenAIAuth
}

// resolveKey finds p's API key: p.EnvKey's variable; then, for a provider
// that uses OpenAI's auth, KODEX_API_KEY, CODEX_API_KEY (Codex's exec mode
// and SDK pass the key so) and the key in auth. It returns the key and where
// it came from: the variable's name or the auth file's path.
func resolveKey(p ProviderInfo, getenv func(string) string, auth *Auth) (key, from string) {
	if p.EnvKey != "" {
		if v := getenv(p.EnvKey); v != "" {
			return v, p.EnvKey
		}
	}
	if !p.UsesOpenAIAuth() {
		return "", ""
	}
	for _, n := range []string{"KODEX_API_KEY", "CODEX_API_KEY"} {
		if v := getenv(n); v != "" {
			return v, n
		}
	}
	if auth != nil && auth.APIKey != "" {
		return auth.APIKey, auth.Path
	}
	return "", ""
}
