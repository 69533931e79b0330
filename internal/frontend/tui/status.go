package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	md "github.com/kodex-cli/kodex/internal/frontend/tui/markdown"
	"github.com/kodex-cli/kodex/internal/protocol"
)

// statusState is what the status line and /status show: the model and
// policies in force, the tokens, context and cost, the provider's limits
// and the running turn's spinner. Its update takes the session's events;
// the root only reads it, and tells it what the UI chose (setModel,
// choosePolicy, policySent) and when a turn starts or the session is
// swapped.
type statusState struct {
	info      StatusInfo
	cwd       string
	sessionID string
	mechanism string
	rollout   string
	total     protocol.TokenUsage
	ctxUsed   int64
	limits    limitState
	// cost is the session's cost so far at the models' prices (costKnown:
	// every response had a known price).
	cost      float64
	costKnown bool
	priced    bool // some response was priced
	version   int
	// pending: the policy shown was chosen here (/approvals, the trust
	// question) and rides on the next turn, so it is what the next command
	// runs under; the session's SessionConfigured does not replace it.
	pending bool
	// price is a model's price (Options.Price; nil: unknown).
	price func(model string) (Price, bool)
	turn  turnState // the running turn, for the spinner
}

func newStatus(info StatusInfo, cwd string, price func(string) (Price, bool)) statusState {
	if info.ApprovalPreset == "" && info.ApprovalPolicy != "" {
		info.ApprovalPreset = presetName(info.ApprovalPolicy, info.SandboxMode)
	}
	return statusState{info: info, cwd: cwd, price: price}
}

// update records what an event says of the session; it returns a warning
// for each rate limit that has just run low, or nil.
func (s *statusState) update(ev protocol.EventMsg) tea.Msg {
	switch e := ev.(type) {
	case protocol.SessionConfigured:
		s.configure(e)
	case protocol.TokenCount:
		s.tokens(e)
		s.priceResponse(e.Last)
		var out results
		for _, w := range s.limits.update(e.RateLimits) {
			out = append(out, showNotice{noticeWarning, w, "/status shows the provider's limits."})
		}
		if len(out) > 0 {
			return out
		}
	case protocol.ContextCompacted:
		s.ctxUsed = e.TokensAfter
	}
	return nil
}

// reset forgets the session's usage when the session is swapped.
func (s *statusState) reset() {
	s.total, s.ctxUsed, s.sessionID = protocol.TokenUsage{}, 0, ""
	s.cost, s.priced, s.costKnown = 0, false, false
	s.turn = turnState{tickGen: s.turn.tickGen + 1}
}

// setModel shows the model and effort chosen with /model.
func (s *statusState) setModel(name, effort string) {
	s.info.Model, s.info.ReasoningEffort = name, effort
	s.version++
}

func (s *statusState) configure(e protocol.SessionConfigured) {
	s.sessionID, s.mechanism, s.rollout = e.SessionID, e.SandboxMechanism, e.RolloutPath
	if e.Model != "" {
		s.info.Model = e.Model
	}
	if e.Provider != "" {
		s.info.Provider = e.Provider
	}
	if e.ReasoningEffort != "" {
		s.info.ReasoningEffort = e.ReasoningEffort
	}
	if e.ContextWindow > 0 {
		s.info.ContextWindow = e.ContextWindow
	}
	if e.Cwd != "" {
		s.cwd = e.Cwd
	}
	if e.ApprovalPolicy != "" && !s.pending {
		// The session's resolved policy, not what the UI was started with.
		s.setPolicy(e.ApprovalPolicy, e.Sandbox.Mode)
	}
	s.version++
}

func (s *statusState) setPolicy(p protocol.ApprovalPolicy, mode protocol.SandboxMode) {
	s.info.ApprovalPolicy, s.info.SandboxMode = p, mode
	s.info.ApprovalPreset = presetName(p, mode)
	s.version++
}

// choosePolicy shows a policy chosen in the UI that the next turn carries.
func (s *statusState) choosePolicy(p protocol.ApprovalPolicy, mode protocol.SandboxMode) {
	s.setPolicy(p, mode)
	s.pending = true
}

// policySent records that the chosen policy went to the session with a
// turn: from now on the session's own reports are what is in force.
func (s *statusState) policySent() { s.pending = false }

func (s *statusState) tokens(e protocol.TokenCount) {
	s.total = e.Total
	if e.ContextWindow > 0 {
		s.info.ContextWindow = e.ContextWindow
	}
	s.ctxUsed = e.ContextUsed
	s.version++
}

// approvalLabel names what kodex may do: the preset, or for a policy and
// sandbox that match none (such as -a untrusted alone), the approval
// policy, since "custom" says nothing (the sandbox is shown beside it).
func (i StatusInfo) approvalLabel() string {
	if i.ApprovalPreset == "custom" && i.ApprovalPolicy != "" {
		return string(i.ApprovalPolicy)
	}
	return i.ApprovalPreset
}

// contextPercent is how full the context window is, or -1 if unknown.
func (s *statusState) contextPercent() int {
	if s.info.ContextWindow <= 0 || s.ctxUsed <= 0 {
		return -1
	}
	return int(min(100, s.ctxUsed*100/s.info.ContextWindow))
}

// line renders the status line: model, preset, sandbox, context, tokens.
func (s *statusState) line(width int, hint string) string {
	var parts []string
	modelName := s.info.Model
	if s.info.ReasoningEffort != "" {
		modelName += " " + s.info.ReasoningEffort
	}
	if modelName != "" {
		parts = append(parts, modelName)
	}
	if l := s.info.approvalLabel(); l != "" {
		parts = append(parts, l)
	}
	if s.info.SandboxMode != "" {
		parts = append(parts, string(s.info.SandboxMode))
	}
	if p := s.contextPercent(); p >= 0 {
		parts = append(parts, fmt.Sprintf("%d%% context used", p))
	}
	if s.total.TotalTokens > 0 {
		parts = append(parts, formatTokens(s.total.TotalTokens)+" tokens")
	}
	left := " " + strings.Join(parts, " · ")
	if hint == "" {
		return md.Faint(ansi.Truncate(left, width, "…"))
	}
	gap := width - ansi.StringWidth(left) - ansi.StringWidth(hint) - 1
	if gap < 1 {
		return md.Faint(ansi.Truncate(left, max(width-ansi.StringWidth(hint)-2, 0), "…")) + "  " + hint
	}
	return md.Faint(left) + strings.Repeat(" ", gap) + hint
}

func formatTokens(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// spinnerFrames animate the "Working" line while a turn runs.
var spinnerFrames = [...]string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// start starts a turn's spinner; the command ticks it.
func (t *turnState) start(now time.Time) tea.Cmd {
	*t = turnState{running: true, started: now, tickGen: t.tickGen + 1}
	return t.nextTick()
}

// tick advances the spinner; it only runs while a turn runs (ticks of an
// older turn are dropped).
func (t *turnState) tick(msg tickMsg, now time.Time) tea.Cmd {
	if !t.running || msg.gen != t.tickGen {
		return nil
	}
	t.frame++
	t.elapsed = now.Sub(t.started)
	return t.nextTick()
}

func (t *turnState) nextTick() tea.Cmd {
	gen := t.tickGen
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{gen} })
}

func (t *turnState) line() string {
	secs := int(t.elapsed.Seconds())
	return md.Fg(md.Cyan, spinnerFrames[t.frame%len(spinnerFrames)]) + " " + md.Bold("Working") +
		md.Faint(fmt.Sprintf(" (%ds · esc to interrupt)", secs))
}

// report is the /status cell's text.
func (s *statusState) report() string {
	rows := [][2]string{
		{"Model", s.info.Model + ifSet(" (", s.info.ReasoningEffort, ")")},
		{"Provider", s.info.Provider},
		{"Directory", s.cwd},
		{"Approvals", fmt.Sprintf("%s (%s)", s.info.ApprovalPreset, s.info.ApprovalPolicy)},
		{"Sandbox", fmt.Sprintf("%s — %s", s.info.SandboxMode, orUnknown(s.mechanism))},
		{"Session", orUnknown(s.sessionID)},
		{"Tokens", fmt.Sprintf("%s total (%s in, %s cached, %s out)", formatTokens(s.total.TotalTokens),
			formatTokens(s.total.InputTokens), formatTokens(s.total.CachedInputTokens), formatTokens(s.total.OutputTokens))},
	}
	if p := s.contextPercent(); p >= 0 {
		rows = append(rows, [2]string{"Context", fmt.Sprintf("%d%% used, %s of %s left", p,
			formatTokens(s.info.ContextWindow-s.ctxUsed), formatTokens(s.info.ContextWindow))})
	}
	if s.priced {
		est := fmt.Sprintf("≈ $%.2f at list prices", s.cost)
		if !s.costKnown {
			est += " (some responses' model has no known price)"
		}
		rows = append(rows, [2]string{"Cost", est})
	}
	rows = append(rows, s.limits.rows()...)
	w := 0
	for _, r := range rows {
		w = max(w, len(r[0])+1)
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s %s\n", w, r[0]+":", r[1])
	}
	return b.String()
}

func ifSet(pre, s, post string) string {
	if s == "" {
		return ""
	}
	return pre + s + post
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
