package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kodex-cli/kodex/internal/model"
)

// A request whose input passes streamAbove is encoded as it is read, and
// reads, byte for byte and in length, as the whole encoding would be.
func TestStreamedBodyIsTheWholeEncoding(t *testing.T) {
	for _, wire := range []string{WireResponses, WireChat} {
		t.Run(wire, func(t *testing.T) { testStreamedBody(t, wire) })
	}
}

func testStreamedBody(t *testing.T, wire string) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1/v1", APIKey: "k", WireAPI: wire})
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Repeat("line \"quoted\" <tag> é\t\n", 20<<10) // ~480 KB, escaped
	req := &model.Request{Model: "m", Instructions: `say "input":[] <b>`, SessionID: "s", Reasoning: &model.Reasoning{Effort: "low"}}
	for i := range 8 {
		id := string(rune('a' + i))
		req.Input = append(req.Input,
			model.UserText("step "+id),
			model.Item{Type: model.ItemReasoning, Summary: []model.ContentPart{{Type: model.PartSummaryText, Text: "think"}}, EncryptedContent: "enc"},
			model.Item{Type: model.ItemFunctionCall, Name: "shell", CallID: id, Arguments: `{"command":["ls"]}`},
			model.Item{Type: model.ItemFunctionCallOutput, CallID: id, Output: out},
		)
	}
	req.Tools = []model.ToolSpec{{Kind: model.ToolFunction, Name: "shell", Description: "run"}}
	if inputSize(req.Input) <= streamAbove {
		t.Fatalf("input of %d bytes does not exercise streaming", inputSize(req.Input))
	}
	want, err := marshal(responsesBody(req))
	if wire == WireChat {
		want, err = marshal(chatBody(req))
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.encode(req)
	if err != nil {
		t.Fatal(err)
	}
	if b.whole != nil {
		t.Fatal("a large request was encoded whole")
	}
	if b.size != int64(len(want)) {
		t.Errorf("size %d, want %d", b.size, len(want))
	}
	for _, r := range []io.Reader{b.reader(), iotest.OneByteReader(b.reader()), iotest.HalfReader(b.reader())} {
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("streamed body differs from the whole encoding (%d vs %d bytes)", len(got), len(want))
		}
	}
	if !json.Valid(want) {
		t.Fatal("the body is not JSON")
	}
	// Small requests stay whole.
	req.Input = req.Input[:2]
	if b, err := c.encode(req); err != nil || b.whole == nil {
		t.Fatalf("a small request was streamed (%v)", err)
	}
}

// Over HTTP, a streamed body arrives whole, with its Content-Length.
func TestStreamedBodyOverHTTP(t *testing.T) {
	var got []byte
	var length int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		length = r.ContentLength
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":{"message":"seen"}}`)
	}))
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL + "/v1", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	req := &model.Request{Model: "m"}
	for i := range 6 {
		req.Input = append(req.Input, model.UserText(strings.Repeat("x\n", 300<<10)+string(rune('a'+i))))
	}
	for _, err := range c.Stream(context.Background(), req) {
		if err == nil || !strings.Contains(err.Error(), "seen") {
			t.Fatalf("want the server's error, got %v", err)
		}
	}
	want, _ := marshal(responsesBody(req))
	if !bytes.Equal(got, want) || length != int64(len(want)) {
		t.Fatalf("the server got %d bytes (Content-Length %d), want %d", len(got), length, len(want))
	}
}
