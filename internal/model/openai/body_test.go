package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
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

// Sending a streamed body makes next to no garbage: no copy of the body,
// not even piece by piece (what a resume of a long session sends).
func TestStreamedBodyGarbage(t *testing.T) {
	for _, wire := range []string{WireResponses, WireChat} {
		c, err := New(Options{BaseURL: "http://127.0.0.1:1/v1", APIKey: "k", WireAPI: wire})
		if err != nil {
			t.Fatal(err)
		}
		req := &model.Request{Model: "m"}
		out := strings.Repeat("internal/x.go:12:\tx := y(\"z\", 1)\n", 300) // ~10 KB, as the shell tool cuts it
		for i := range 400 {
			id := strconv.Itoa(i)
			req.Input = append(req.Input,
				model.Item{Type: model.ItemFunctionCall, Name: "shell", CallID: id, Arguments: `{"command":["ls"]}`},
				model.Item{Type: model.ItemFunctionCallOutput, CallID: id, Output: out})
		}
		b, err := c.encode(req)
		if err != nil || b.whole != nil {
			t.Fatalf("%s: not streamed (%v)", wire, err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := io.Copy(io.Discard, b.reader()); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(b.size)/4 {
			t.Errorf("%s: reading a %d-byte streamed body allocated %d bytes", wire, b.size, alloc)
		}
	}
}

// The hand-written encoding of items and chat messages is encoding/json's,
// byte for byte, for every shape and every character it escapes.
func TestWireJSONIsEncodingJSON(t *testing.T) {
	nasty := "q\"b\\s/ <a>&amp; \x00\x01\x1f\x7f \b\f\n\r\t bad\xff\xfe utf8 é 漢 🎉 \u2028\u2029 end"
	idx := 3
	items := []model.Item{
		model.UserText(nasty),
		{Type: model.ItemMessage, Role: model.RoleAssistant, ID: "msg_" + nasty, Content: []model.ContentPart{{Type: model.PartOutputText, Text: ""}, {Type: model.PartOutputText, Text: nasty}}},
		{Type: model.ItemMessage, Role: model.RoleUser, Content: []model.ContentPart{{Type: model.PartInputText, Text: "look"}, {Type: model.PartInputImage, ImageURL: "data:image/png;base64,AAAA"}, {Type: model.PartInputImage}}},
		{Type: model.ItemMessage, Role: model.RoleUser},
		{Type: model.ItemFunctionCall, Name: "shell", CallID: "c1", Arguments: `{"command":["echo","` + nasty + `"]}`},
		{Type: model.ItemFunctionCall, ID: "fc_1", Name: "", CallID: "", Arguments: ""},
		{Type: model.ItemFunctionCallOutput, CallID: "c1", Output: nasty},
		{Type: model.ItemFunctionCallOutput, CallID: "c2"},
		{Type: model.ItemCustomToolCall, ID: "ct", CallID: "c3", Name: "apply_patch", Input: "*** Begin Patch\n" + nasty},
		{Type: model.ItemCustomToolCallOutput, CallID: "c3", Output: nasty},
		{Type: model.ItemReasoning, ID: "rs", Summary: []model.ContentPart{{Type: model.PartSummaryText, Text: nasty}}, EncryptedContent: "gAAA=="},
		{Type: model.ItemReasoning},
		{Type: "something_new", ID: "x", Role: "r", Output: nasty},
	}
	for i := range items {
		want, err := marshal(respItem(items[i]))
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendRespItem([]byte("prefix"), &items[i])
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("item %d (%s):\n got %s\nwant %s (%v)", i, items[i].Type, got, want, err)
		}
	}
	msgs := chatBody(&model.Request{Model: "m", Instructions: nasty, Input: items}).Messages
	msgs = append(msgs,
		chatMessage{Role: "assistant", Content: "", ToolCalls: []chatToolCall{{Index: &idx, ID: "a", Type: "function"}, {}}},
		chatMessage{Role: "user", Content: []chatPart(nil)},
		chatMessage{Role: "user", Content: []chatPart{{Type: "text"}, {Type: "image_url", ImageURL: &chatImageURL{URL: nasty}}}},
		chatMessage{Role: "user", Content: map[string]int{"n": 1}},
	)
	if len(msgs) < 12 {
		t.Fatalf("only %d chat messages", len(msgs))
	}
	for i := range msgs {
		want, err := marshal(msgs[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendChatMessage(nil, &msgs[i])
		if err != nil || string(got) != string(want) {
			t.Errorf("chat message %d:\n got %s\nwant %s (%v)", i, got, want, err)
		}
	}
}
