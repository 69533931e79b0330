package sse

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func decodeAll(r io.Reader, maxSize int) ([]Event, error) {
	d := NewDecoder(r)
	d.MaxEventSize = maxSize
	var evs []Event
	for ev, err := range d.All() {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func TestDecoder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{"empty", "", nil},
		{"simple", "data: hello\n\n", []Event{{Data: "hello"}}},
		{"typed", "event: response.created\ndata: {\"a\":1}\n\n", []Event{{Type: "response.created", Data: `{"a":1}`}}},
		{"multiline", "data: a\ndata: b\ndata\n\n", []Event{{Data: "a\nb\n"}}},
		{"crlf", "event: x\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n", []Event{{Type: "x", Data: "1"}, {Data: "2"}}},
		{"cr", "data: 1\r\rdata: 2\r\r", []Event{{Data: "1"}, {Data: "2"}}},
		{"bom", "\xEF\xBB\xBFdata: x\n\n", []Event{{Data: "x"}}},
		{"bom only once", "\xEF\xBB\xBFdata: x\n\n\xEF\xBB\xBFdata: y\n\n", []Event{{Data: "x"}}},
		{"comments", ": ping\n\n:another\ndata: x\n\n", []Event{{Data: "x"}}},
		{"no space", "data:x\n\n", []Event{{Data: "x"}}},
		{"two spaces", "data:  x\n\n", []Event{{Data: " x"}}},
		{"id persists", "id: 7\ndata: a\n\ndata: b\n\n", []Event{{ID: "7", Data: "a"}, {ID: "7", Data: "b"}}},
		{"id with NUL ignored", "id: a\x00b\ndata: a\n\n", []Event{{Data: "a"}}},
		{"retry", "retry: 1500\ndata: a\n\nretry: x\ndata: b\n\n", []Event{{Retry: 1500 * time.Millisecond, Data: "a"}, {Data: "b"}}},
		{"no data no dispatch", "event: x\n\ndata: y\n\n", []Event{{Data: "y"}}},
		{"unterminated discarded", "data: a\n\ndata: b\n", []Event{{Data: "a"}}},
		{"unknown field", "foo: bar\ndata: a\n\n", []Event{{Data: "a"}}},
		{"done", "data: [DONE]\n\n", []Event{{Data: "[DONE]"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range []io.Reader{strings.NewReader(tt.in), iotest.OneByteReader(strings.NewReader(tt.in))} {
				got, err := decodeAll(r, 0)
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("events mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestDecoderTooLarge(t *testing.T) {
	t.Parallel()
	long := "data: " + strings.Repeat("x", 100) + "\n\n"
	if _, err := decodeAll(strings.NewReader(long), 50); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long line: err = %v, want ErrTooLarge", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("x", 20)+"\n", 10) + "\n"
	if _, err := decodeAll(strings.NewReader(many), 50); !errors.Is(err, ErrTooLarge) {
		t.Errorf("many lines: err = %v, want ErrTooLarge", err)
	}
	ok := "data: " + strings.Repeat("x", 40) + "\n\n"
	if _, err := decodeAll(strings.NewReader(ok), 50); err != nil {
		t.Errorf("within bound: %v", err)
	}
}

func TestDecoderReaderError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got, err := decodeAll(r, 0)
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
	if diff := cmp.Diff([]Event{{Data: "a"}}, got); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

// reference is a slow, obviously-correct decoder used as a fuzzing oracle.
func reference(in string) []Event {
	in = strings.TrimPrefix(in, "\xEF\xBB\xBF")
	in = strings.ReplaceAll(in, "\r\n", "\n")
	in = strings.ReplaceAll(in, "\r", "\n")
	lines := strings.Split(in, "\n")
	lines = lines[:len(lines)-1] // the last segment is unterminated
	var evs []Event
	var typ, id string
	var data []string
	var retry time.Duration
	for _, l := range lines {
		if l == "" {
			if data != nil {
				evs = append(evs, Event{Type: typ, Data: strings.Join(data, "\n"), ID: id, Retry: retry})
			}
			typ, data, retry = "", nil, 0
			continue
		}
		if strings.HasPrefix(l, ":") {
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			typ = value
		case "data":
			data = append(data, value)
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		case "retry":
			if value != "" && strings.Trim(value, "0123456789") == "" && len(value) < 12 {
				var ms int64
				for _, c := range value {
					ms = ms*10 + int64(c-'0')
				}
				retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	return evs
}

func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		"data: hello\n\n",
		"event: a\r\ndata: 1\r\ndata: 2\r\n\r\n",
		"\xEF\xBB\xBFid: 1\rretry: 10\rdata\r\r",
		": c\n\ndata:x\n",
		"data: \r\n\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := decodeAll(strings.NewReader(in), 1<<20)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		got1, err := decodeAll(iotest.OneByteReader(strings.NewReader(in)), 1<<20)
		if err != nil {
			t.Fatalf("decode one byte at a time: %v", err)
		}
		if diff := cmp.Diff(got, got1); diff != "" {
			t.Fatalf("chunking changed the result (-whole +bytewise):\n%s", diff)
		}
		if strings.Contains(in, "retry:") {
			return // the oracle's retry parsing differs only on overflow
		}
		if diff := cmp.Diff(reference(in), got); diff != "" {
			t.Fatalf("mismatch with reference (-want +got):\n%s", diff)
		}
	})
}
