package tools

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kodex-cli/kodex/internal/model"
)

type fakeTool struct {
	name     string
	readOnly bool
	out      string
	err      error
}

func (f fakeTool) Spec() model.ToolSpec {
	return model.ToolSpec{Kind: model.ToolFunction, Name: f.name}
}
func (f fakeTool) Handle(context.Context, *Env, Call) (Result, error) {
	return Result{Output: f.out}, f.err
}

type roTool struct{ fakeTool }

func (r roTool) ReadOnly(c Call) bool { return r.readOnly }

func TestRouter(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r, err := NewRouter(fakeTool{name: "b", out: "from b"}, roTool{fakeTool{name: "a", out: "from a", readOnly: true}}, fakeTool{name: "c", err: boom})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, r.Names()); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	var specs []string
	for _, s := range r.Specs() {
		specs = append(specs, s.Name)
	}
	if diff := cmp.Diff([]string{"b", "a", "c"}, specs); diff != "" {
		t.Errorf("specs keep registration order (-want +got):\n%s", diff)
	}
	tests := []struct {
		call     string
		want     Result
		wantErr  error
		readOnly bool
	}{
		{call: "a", want: Result{Output: "from a"}, readOnly: true},
		{call: "b", want: Result{Output: "from b"}},
		{call: "c", want: Result{}, wantErr: boom},
	}
	for _, tt := range tests {
		got, err := r.Handle(context.Background(), &Env{}, Call{Name: tt.call})
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Handle(%s) error = %v, want %v", tt.call, err, tt.wantErr)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Handle(%s) (-want +got):\n%s", tt.call, diff)
		}
		if got := r.ReadOnly(Call{Name: tt.call}); got != tt.readOnly {
			t.Errorf("ReadOnly(%s) = %v, want %v", tt.call, got, tt.readOnly)
		}
	}
	// An unknown tool is an error the model sees, naming what exists.
	got, err := r.Handle(context.Background(), &Env{}, Call{Name: "nope"})
	if err != nil || !got.Failed || !strings.Contains(got.Output, `unsupported tool "nope"`) || !strings.Contains(got.Output, "[a b c]") {
		t.Errorf("unknown tool: got %+v, %v", got, err)
	}
	if r.ReadOnly(Call{Name: "nope"}) {
		t.Error("unknown tool reported read-only")
	}
}

func TestNewRouterRejectsDuplicates(t *testing.T) {
	t.Parallel()
	if _, err := NewRouter(fakeTool{name: "x"}, fakeTool{name: "x"}); err == nil {
		t.Error("NewRouter accepted two tools named x")
	}
}

func TestDecodeArgs(t *testing.T) {
	t.Parallel()
	var v struct{ N int }
	if _, ok := DecodeArgs(Call{Name: "t", Input: `{"N": 3}`}, &v); !ok || v.N != 3 {
		t.Errorf("DecodeArgs valid: ok=%v v=%+v", ok, v)
	}
	res, ok := DecodeArgs(Call{Name: "t", Input: `{"N": `}, &v)
	if ok || !res.Failed || !strings.Contains(res.Output, "failed to parse function arguments for t") {
		t.Errorf("DecodeArgs invalid: ok=%v res=%+v", ok, res)
	}
}
