package cli

import (
	"github.com/kodex-cli/kodex/internal/tools"
	"github.com/kodex-cli/kodex/internal/tools/plan"
	"github.com/kodex-cli/kodex/internal/tools/viewimage"
)

// buildTools registers the tools the model sees.
func buildTools(rt *runtime) (*tools.Router, string, error) {
	ts := []tools.Tool{plan.New()}
	if rt.cfg.Tools.ViewImage {
		ts = append(ts, viewimage.New())
	}
	r, err := tools.NewRouter(ts...)
	return r, "none", err
}
