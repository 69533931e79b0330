package checkpoint

import (
	"slices"

	"github.com/kodex-cli/kodex/internal/protocol"
)

// Journal is a session's undo state, rebuilt from its events in order
// (the live ones, or those of its transcript on resume): the turns whose
// changes are in place, and those undone that could be redone.
type Journal struct {
	turns  map[int]protocol.TurnCheckpoint
	done   []int // turn numbers, oldest first
	undone []int // the last undo last
	last   int   // the highest turn number seen
}

// Apply takes one event into the journal; events of other types are
// ignored.
func (j *Journal) Apply(msg protocol.EventMsg) {
	if j.turns == nil {
		j.turns = map[int]protocol.TurnCheckpoint{}
	}
	switch m := msg.(type) {
	case protocol.TurnCheckpoint:
		j.turns[m.Turn] = m
		j.done = append(j.done, m.Turn)
		j.undone = nil
		j.last = max(j.last, m.Turn)
	case protocol.FilesRestored:
		switch m.Action {
		case "undo":
			for _, n := range slices.Backward(m.Turns) {
				j.done = slices.DeleteFunc(j.done, func(d int) bool { return d == n })
				if j.turns[n].Changed() {
					j.undone = append(j.undone, n)
				}
			}
		case "redo":
			for _, n := range m.Turns {
				j.undone = slices.DeleteFunc(j.undone, func(d int) bool { return d == n })
				j.done = append(j.done, n)
			}
		case "rewind":
			j.done = slices.DeleteFunc(j.done, func(d int) bool { return slices.Contains(m.Turns, d) })
			j.undone = nil
		}
	}
}

// Last returns the highest turn number seen (0: none).
func (j *Journal) Last() int { return j.last }

// Turn returns the checkpoint of turn n.
func (j *Journal) Turn(n int) (protocol.TurnCheckpoint, bool) {
	t, ok := j.turns[n]
	return t, ok
}

// Undo returns what an undo restores: the last turn in place that changed
// files, with the turns after it that changed none (numbers, oldest
// first), and its step. ok is false when no turn in place changed files.
func (j *Journal) Undo() (turns []int, step Step, ok bool) {
	for i, n := range slices.Backward(j.done) {
		t := j.turns[n]
		if t.Changed() {
			return slices.Clone(j.done[i:]), Step{Before: t.Before, After: t.After}, true
		}
	}
	return nil, Step{}, false
}

// Redo returns the turn the last undo undid, and its step reversed.
func (j *Journal) Redo() (turn int, step Step, ok bool) {
	if len(j.undone) == 0 {
		return 0, Step{}, false
	}
	n := j.undone[len(j.undone)-1]
	t := j.turns[n]
	return n, Step{Before: t.After, After: t.Before}, true
}

// Since returns the turns in place from turn n on (oldest first) and their
// steps: what a rewind to before turn n restores.
func (j *Journal) Since(n int) (turns []int, steps []Step) {
	for _, d := range j.done {
		if d >= n {
			t := j.turns[d]
			turns = append(turns, d)
			steps = append(steps, Step{Before: t.Before, After: t.After})
		}
	}
	return turns, steps
}

// Turns returns every turn checkpoint seen, in turn order.
func (j *Journal) Turns() []protocol.TurnCheckpoint {
	out := make([]protocol.TurnCheckpoint, 0, len(j.turns))
	for _, t := range j.turns {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b protocol.TurnCheckpoint) int { return a.Turn - b.Turn })
	return out
}
