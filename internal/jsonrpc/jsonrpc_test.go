package jsonrpc

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	t.Parallel()
	in := `{"id":1,"method":"initialize","params":{}}` + "\n\n" +
		`{"jsonrpc":"2.0","method":"initialized"}` + "\n" +
		`{"id":"kodex-1","result":{"decision":"accept"}}` + "\n" +
		`{not json` + "\n" +
		`{"jsonrpc":"1.0","id":2,"method":"x"}` + "\n" +
		`{"id":{"a":1},"method":"x"}` + "\n" +
		`[{"id":1,"method":"x"}]` + "\n" +
		`{"id":3,"method":"last"}` // no newline at EOF
	r := NewReader(strings.NewReader(in))
	type want struct {
		kind string // request, notification, response, or an error code
		code int
	}
	for i, w := range []want{{kind: "request"}, {kind: "notification"}, {kind: "response"}, {code: CodeParseError}, {code: CodeInvalidRequest}, {code: CodeInvalidRequest}, {code: CodeInvalidRequest}, {kind: "request"}} {
		m, err := r.Read()
		if w.code != 0 {
			var re *Error
			if !errors.As(err, &re) || re.Code != w.code {
				t.Errorf("message %d: err %v, want code %d", i, err, w.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		got := map[bool]string{m.IsRequest(): "request", m.IsNotification(): "notification", m.IsResponse(): "response"}[true]
		if got != w.kind {
			t.Errorf("message %d is a %s, want a %s", i, got, w.kind)
		}
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last message: %v, want EOF", err)
	}
}

func TestWriterReply(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := NewWriter(&b)
	_ = w.Reply([]byte("7"), map[string]int{"a": 1}, nil)
	_ = w.Reply(nil, nil, Errorf(CodeParseError, "parse error"))
	_ = w.Reply([]byte(`"x"`), nil, errors.New("boom"))
	want := `{"jsonrpc":"2.0","id":7,"result":{"a":1}}` + "\n" +
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}` + "\n" +
		`{"jsonrpc":"2.0","id":"x","error":{"code":-32603,"message":"boom"}}` + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// FuzzParse: no input makes Parse panic, and what it accepts is a request,
// a notification or a response.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"id":1,"method":"a"}`, `{"method":"n"}`, `{"id":"x","result":null}`, `{"id":1,"error":{"code":1,"message":"m"}}`, `[]`, `null`, `{"id":1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		if !m.IsRequest() && !m.IsNotification() && !m.IsResponse() {
			t.Errorf("accepted %q as neither a request, a notification nor a response", b)
		}
	})
}
