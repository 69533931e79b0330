package appserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// noBackend is a Backend with nothing recorded that cannot open threads.
type noBackend struct{}

func (noBackend) Open(context.Context, OpenRequest) (Thread, error) {
	return nil, errors.New("no threads here")
}
func (noBackend) List(context.Context, ListRequest) ([]ThreadInfo, string, error) {
	return nil, "", nil
}
func (noBackend) Read(context.Context, string, bool) (ThreadInfo, error) {
	return ThreadInfo{}, errors.New("no such thread")
}
func (noBackend) Archive(string) error { return errors.New("no such thread") }
func (noBackend) Unarchive(string) (ThreadInfo, error) {
	return ThreadInfo{}, errors.New("no such thread")
}
func (noBackend) Delete(string) error          { return errors.New("no such thread") }
func (noBackend) SetName(string, string) error { return errors.New("no such thread") }
func (noBackend) Models() []string             { return []string{"m"} }
func (noBackend) Config() map[string]any       { return map[string]any{} }
func (noBackend) Files(context.Context, string) []string {
	return nil
}
func (noBackend) MCPServers(context.Context, Thread) ([]MCPServer, error) { return nil, nil }

// serve runs a connection over in, after initialize, and returns what the
// server wrote.
func serve(t testing.TB, in string) []map[string]any {
	t.Helper()
	input := `{"id":"init","method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}` + "\n" + in
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(context.Background(), strings.NewReader(input), pw, Options{Backend: noBackend{}})
		pw.Close()
	}()
	var out []map[string]any
	sc := bufio.NewScanner(pr)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("the server wrote a line that is not JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	return out
}

// TestEveryRequestAnswered: each request gets one response (a result or
// an error), whatever its params, and the server goes on.
func TestEveryRequestAnswered(t *testing.T) {
	t.Parallel()
	var in strings.Builder
	for i, m := range Methods() {
		for j, params := range []string{`{}`, `null`, `[]`, `{"threadId":5}`, `{"threadId":"x","input":"no"}`} {
			in.WriteString(`{"id":` + itoa(i*10+j) + `,"method":"` + m + `","params":` + params + "}\n")
		}
	}
	out := serve(t, in.String())
	answered := map[string]int{}
	for _, m := range out {
		if id, ok := m["id"]; ok && m["method"] == nil {
			b, _ := json.Marshal(id)
			answered[string(b)]++
		}
	}
	for i := range Methods() {
		for j := range 5 {
			if n := answered[itoa(i*10+j)]; n != 1 {
				t.Errorf("request %d (%s) answered %d times", i*10+j, Methods()[i], n)
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// FuzzServe: no input line makes the server panic or write anything but
// JSON; a request is answered.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"method":"thread/list","params":{"cwd":["a",1]}}`,
		`{"id":2,"method":"turn/start","params":{"threadId":"t","input":[{"type":"image"}]}}`,
		`{"id":3,"method":"fuzzyFileSearch","params":{"query":"x","roots":[]}}`,
		`{"id":"kodex-1","result":{"decision":{"acceptWithExecpolicyAmendment":{}}}}`,
		`{"method":"initialized"}`, `[1,2]`, `{`, `{"id":4,"method":"thread/read","params":{"threadId":"x","includeTurns":"yes"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n\r") {
			return
		}
		_ = serve(t, line+"\n")
	})
}
