package tui

// maxRemembered bounds the commands remembered from approval requests.
const maxRemembered = 64

// liveArea holds the cells still running (commands, patches), in start
// order. version bumps on every change so the view can cache.
type liveArea struct {
	ids     []string
	cells   []cell
	version int
	// commands remembers approval requests' commands, so a command declined
	// before it began still shows what it was.
	commands map[string][]string
}

func (l *liveArea) add(id string, c cell) {
	l.ids = append(l.ids, id)
	l.cells = append(l.cells, c)
	l.version++
}

func (l *liveArea) get(id string) cell {
	for i, x := range l.ids {
		if x == id {
			return l.cells[i]
		}
	}
	return nil
}

// take removes and returns the cell with the id (nil if none).
func (l *liveArea) take(id string) cell {
	for i, x := range l.ids {
		if x == id {
			c := l.cells[i]
			l.ids = append(l.ids[:i], l.ids[i+1:]...)
			l.cells = append(l.cells[:i], l.cells[i+1:]...)
			l.version++
			return c
		}
	}
	return nil
}

// drain removes and returns all cells.
func (l *liveArea) drain() []cell {
	cells := l.cells
	l.ids, l.cells = nil, nil
	l.version++
	clear(l.commands)
	return cells
}

func (l *liveArea) remember(id string, cmd []string) {
	if l.commands == nil {
		l.commands = map[string][]string{}
	}
	if len(l.commands) >= maxRemembered {
		clear(l.commands)
	}
	l.commands[id] = cmd
}

func (l *liveArea) command(id string) []string { return l.commands[id] }
