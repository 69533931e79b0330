package modeltest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeTB records errors instead of failing the real test.
type fakeTB struct {
	testing.TB
	errs []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, format)
}

func post(t *testing.T, url, body string) (*http.Response, []string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "data: ") {
			lines = append(lines, strings.TrimPrefix(l, "data: "))
		}
	}
	return resp, lines
}

func TestScriptOrderAndRecording(t *testing.T) {
	t.Parallel()
	srv := New(t, Text("one"), Calls(FunctionCall("shell", `{"command":["ls"]}`)))
	_, evs := post(t, srv.URL()+"/responses", `{"model":"m1","input":[]}`)
	if !strings.Contains(evs[len(evs)-1], "response.completed") {
		t.Errorf("last event = %s, want response.completed", evs[len(evs)-1])
	}
	_, chunks := post(t, srv.URL()+"/chat/completions", `{"model":"m2","messages":[]}`)
	if chunks[len(chunks)-1] != "[DONE]" || !strings.Contains(strings.Join(chunks, "\n"), `"name":"shell"`) {
		t.Errorf("chat chunks = %v", chunks)
	}
	reqs := srv.Requests()
	got := []string{reqs[0].Path, reqs[0].Body["model"].(string), reqs[1].Wire(), reqs[1].Body["model"].(string)}
	if diff := cmp.Diff([]string{"/v1/responses", "m1", "chat", "m2"}, got); diff != "" {
		t.Errorf("recorded requests mismatch (-want +got):\n%s", diff)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ft := &fakeTB{TB: t}
	srv := NewServer(Options{Script: []Response{Text("a"), Text("b")}})
	defer srv.Close()
	post(t, srv.URL()+"/responses", `{}`)
	srv.Verify(ft)
	if len(ft.errs) != 1 || !strings.Contains(ft.errs[0], "never requested") {
		t.Errorf("Verify errors = %q, want one about unrequested responses", ft.errs)
	}
}

func TestUnexpectedRequest(t *testing.T) {
	t.Parallel()
	ft := &fakeTB{TB: t}
	srv := NewServer(Options{T: nil})
	defer srv.Close()
	srv.t = ft
	resp, _ := post(t, srv.URL()+"/responses", `{}`)
	if resp.StatusCode != 500 {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	if len(ft.errs) != 1 {
		t.Errorf("errors = %q, want one", ft.errs)
	}
}

func TestFuncAndEcho(t *testing.T) {
	t.Parallel()
	srv := New(t, Response{Text: "got: ", EchoToolOutput: true}, ShellThenAnswer([]string{"true"}, "done"), ShellThenAnswer([]string{"true"}, "done"))
	_, evs := post(t, srv.URL()+"/responses", `{"input":[{"type":"function_call_output","call_id":"c","output":"hello"}]}`)
	if !strings.Contains(strings.Join(evs, "\n"), `"text":"got: hello"`) {
		t.Errorf("echo events = %v", evs)
	}
	_, evs = post(t, srv.URL()+"/chat/completions", `{"messages":[{"role":"user","content":"hi"}]}`)
	if !strings.Contains(strings.Join(evs, "\n"), `"name":"shell"`) {
		t.Errorf("first turn should call shell: %v", evs)
	}
	_, evs = post(t, srv.URL()+"/chat/completions", `{"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"c","content":"x"}]}`)
	if !strings.Contains(strings.Join(evs, "\n"), `"content":"done"`) {
		t.Errorf("second turn should answer: %v", evs)
	}
}

func TestParseScript(t *testing.T) {
	t.Parallel()
	s, err := ParseScript([]byte(`{"loop": true, "responses": [
		{"calls": [{"name": "shell", "arguments": {"command": ["ls"]}}, {"name": "apply_patch", "custom": true, "input": "x"}]},
		{"status": 429, "retry_after": "1"},
		{"text": "hi", "cut": true, "cut_after": 2, "delay_ms": 1}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Script{Loop: true, Responses: []Response{
		{Calls: []Call{{Name: "shell", Arguments: `{"command": ["ls"]}`}, {Name: "apply_patch", Custom: true, Input: "x"}}},
		{Status: 429, RetryAfter: "1"},
		{Text: "hi", Cut: true, CutAfter: 2, DelayMS: 1},
	}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("script mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseScript([]byte(`[{"text": "a"}]`)); err != nil {
		t.Errorf("array form: %v", err)
	}
	if _, err := ParseScript([]byte(`{"responsez": []}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestLoop(t *testing.T) {
	t.Parallel()
	srv := NewServer(Options{T: t, Script: []Response{Text("a")}, Loop: true})
	for range 3 {
		if resp, _ := post(t, srv.URL()+"/responses", `{}`); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// The compaction endpoint takes its response from the script like the
// other paths, answers JSON in the Responses API's shape and is recorded.
func TestCompactionEndpoint(t *testing.T) {
	srv := New(t, Compacted("ENC"), Response{CompactOutput: []json.RawMessage{json.RawMessage(`{"type":"compaction","encrypted_content":"X"}`)}}, HTTPError(400, "bad", "no"))
	body := `{"model":"m","input":[{"type":"message","role":"developer","content":[{"type":"input_text","text":"dev"}]},{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"yo"}]}]}`
	decode := func(url string) (int, map[string]any) {
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := decode(srv.URL() + "/responses/compact")
	want := []any{
		map[string]any{"type": "message", "role": "user", "content": []any{map[string]any{"type": "input_text", "text": "hi"}}},
		map[string]any{"type": "compaction", "id": "cmp_1", "encrypted_content": "ENC"},
	}
	if diff := cmp.Diff(want, out["output"]); status != 200 || diff != "" {
		t.Errorf("status %d, output (-want +got):\n%s", status, diff)
	}
	if out["object"] != "response.compaction" || out["usage"] == nil {
		t.Errorf("answer %v lacks object or usage", out)
	}
	if _, out = decode(srv.URL() + "/responses/compact"); !cmp.Equal([]any{map[string]any{"type": "compaction", "encrypted_content": "X"}}, out["output"]) {
		t.Errorf("scripted output = %v", out["output"])
	}
	if status, _ = decode(srv.URL() + "/responses/compact"); status != 400 {
		t.Errorf("status %d, want the scripted 400", status)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/v1/responses/compact" || reqs[0].Wire() != "compact" || len(reqs[0].Input()) != 3 {
		t.Errorf("recorded %+v", reqs)
	}
}
