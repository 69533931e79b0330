package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/kodex-cli/kodex/internal/agent/prompt"
	"github.com/kodex-cli/kodex/internal/model"
	"github.com/kodex-cli/kodex/internal/protocol"
	"github.com/kodex-cli/kodex/internal/rollout"
)

// Store is the recorded sessions of a home: listing (paged), reading,
// archiving, deleting and naming them. Archived sessions keep their
// rollout, moved from $KODEX_HOME/sessions/YYYY/MM/DD to
// $KODEX_HOME/archived/sessions/… (listing and resuming see only the
// unarchived ones). Names live in $KODEX_HOME/session_names.json.
type Store struct {
	Home string
	mu   sync.Mutex // serialises this process's updates of the names
}

// ArchivedHome is the home whose sessions directory holds the archived
// sessions of home.
func ArchivedHome(home string) string { return filepath.Join(home, "archived") }

// Page is one page of a listing.
type Page struct {
	Sessions []rollout.Summary
	// Next is the cursor of the next page; "" at the end.
	Next string
}

// ListPage lists the sessions of home (archived: the archived ones),
// newest first, limit per page from cursor (an opaque string from a
// previous Page; "" for the first), keeping those started in one of cwds
// (none: all).
func (st *Store) ListPage(archived bool, cwds []string, limit int, cursor string) (Page, error) {
	home := st.Home
	if archived {
		home = ArchivedHome(home)
	}
	skip := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return Page{}, &NotFoundError{Msg: fmt.Sprintf("cursor %q is not one this server gave", cursor)}
		}
		skip = n
	}
	var all []rollout.Summary
	for _, cwd := range orAll(cwds) {
		f := rollout.Filter{Cwd: cwd}
		if limit > 0 && len(cwds) <= 1 {
			f.Limit = skip + limit + 1
		}
		list, err := rollout.List(home, f)
		if err != nil {
			return Page{}, err
		}
		all = append(all, list...)
	}
	if len(cwds) > 1 {
		sortNewest(all)
	}
	if skip > len(all) {
		skip = len(all)
	}
	all = all[skip:]
	var p Page
	if limit > 0 && len(all) > limit {
		all, p.Next = all[:limit], strconv.Itoa(skip+limit)
	}
	p.Sessions = all
	return p, nil
}

func orAll(cwds []string) []string {
	if len(cwds) == 0 {
		return []string{""}
	}
	return cwds
}

func sortNewest(list []rollout.Summary) {
	for i := 1; i < len(list); i++ { // insertion sort: a few lists merged
		for j := i; j > 0 && list[j].Created.After(list[j-1].Created); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// Recorded is a recorded session read back.
type Recorded struct {
	Meta    rollout.Meta
	Path    string
	Summary rollout.Summary
	Turns   []Turn
}

// Turn is one turn of a recorded conversation: what the user said and
// what the agent answered.
type Turn struct {
	User    []string
	Answers []string
}

// Read reads the session id of home (the unarchived ones first, then the
// archived), with its turns when turns is set.
func (st *Store) Read(id string, turns bool) (Recorded, error) {
	home, path, err := st.findAny(id)
	if err != nil {
		return Recorded{}, err
	}
	var r Recorded
	r.Path = path
	if r.Meta, err = rollout.ReadMeta(path); err != nil {
		return r, err
	}
	if s, err := rollout.Summarize(home, path); err == nil {
		r.Summary = s
	}
	if turns {
		if r.Turns, err = TurnsOf(path); err != nil {
			return r, fmt.Errorf("loading session: %w", err)
		}
	}
	return r, nil
}

// maxConversationSteps bounds the messages TurnsOf keeps (the last ones).
const maxConversationSteps = 20000

// TurnsOf returns the turns of the recorded session at path: the whole
// conversation as the user saw it, from the first line, also where a
// compaction has replaced the history the model is sent (and, for a fork,
// the conversation it copied), less the turns a rewind took back.
func TurnsOf(path string) ([]Turn, error) {
	steps, err := rollout.Conversation(path, maxConversationSteps, prompt.IsInjected)
	if err != nil {
		return nil, err
	}
	var out []Turn
	at := map[int]int{} // a checkpointed turn's number → its index in out
	for _, st := range steps {
		switch e := st.Event.(type) {
		case nil:
			out = append(out, Turn{User: []string{st.User}})
		case protocol.AgentMessage:
			if len(out) > 0 {
				out[len(out)-1].Answers = append(out[len(out)-1].Answers, e.Text)
			}
		case protocol.TurnCheckpoint: // recorded as its turn ends
			if len(out) > 0 {
				at[e.Turn] = len(out) - 1
			}
		case protocol.ConversationRewound: // the conversation ends before turn e.Turn
			if i, ok := at[e.Turn]; ok && i <= len(out) {
				out = out[:i]
			}
		}
	}
	return out, nil
}

// Turns groups a conversation into turns: each user message (not injected
// context) opens one; the assistant's messages are its answers.
func Turns(history []model.Item) []Turn {
	var out []Turn
	for _, it := range history {
		if it.Type != model.ItemMessage {
			continue
		}
		text := it.Text()
		switch {
		case it.Role == model.RoleUser && !prompt.IsInjected(text):
			out = append(out, Turn{User: []string{text}})
		case it.Role == model.RoleAssistant && len(out) > 0:
			out[len(out)-1].Answers = append(out[len(out)-1].Answers, text)
		}
	}
	return out
}

// findAny finds the session id, unarchived or archived, and the home it
// is in.
func (st *Store) findAny(id string) (string, string, error) {
	home := st.Home
	path, err := rollout.Find(home, id)
	if errors.Is(err, rollout.ErrNotFound) {
		home = ArchivedHome(st.Home)
		path, err = rollout.Find(home, id)
	}
	if errors.Is(err, rollout.ErrNotFound) {
		return "", "", &NotFoundError{Msg: fmt.Sprintf("no session %q", id)}
	}
	return home, path, err
}

// Archive moves the session id out of the listing, into the archive.
func (st *Store) Archive(id string) error {
	home := st.Home
	path, err := rollout.Find(home, id)
	if errors.Is(err, rollout.ErrNotFound) {
		return &NotFoundError{Msg: fmt.Sprintf("no unarchived session %q", id)}
	}
	if err != nil {
		return err
	}
	return move(path, rollout.SessionsDir(home), rollout.SessionsDir(ArchivedHome(home)))
}

// Unarchive moves the session id back from the archive and returns its
// path.
func (st *Store) Unarchive(id string) (string, error) {
	home := st.Home
	path, err := rollout.Find(ArchivedHome(home), id)
	if errors.Is(err, rollout.ErrNotFound) {
		return "", &NotFoundError{Msg: fmt.Sprintf("no archived session %q", id)}
	}
	if err != nil {
		return "", err
	}
	if err := move(path, rollout.SessionsDir(ArchivedHome(home)), rollout.SessionsDir(home)); err != nil {
		return "", err
	}
	return rollout.Find(home, id)
}

// move renames path from under the directory from to the same place under
// to (the YYYY/MM/DD folders are kept).
func move(path, from, to string) error {
	rel, err := filepath.Rel(from, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("%s is not under %s", path, from)
	}
	dst := filepath.Join(to, rel)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("archiving: %w", err)
	}
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("archiving: %w", err)
	}
	_ = os.Remove(filepath.Dir(path)) // the day directory, when empty
	return nil
}

// Delete removes the session id, archived or not, its name, and the
// checkpoints only it kept (see PruneCheckpoints).
func (st *Store) Delete(id string) error {
	_, path, err := st.findAny(id)
	if err != nil {
		return err
	}
	meta, _ := rollout.ReadMeta(path)
	workspaces := SessionWorkspaces(path)
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing session: %w", err)
	}
	_ = os.Remove(filepath.Dir(path))
	if meta.ID != "" {
		_ = st.SetName(meta.ID, "")
	}
	if len(workspaces) > 0 { // best effort: the session is gone either way
		_, _ = PruneCheckpoints(context.Background(), st.Home, PruneOptions{Workspaces: workspaces})
	}
	return nil
}

func namesFile(home string) string { return filepath.Join(home, "session_names.json") }

// Names returns the names given to sessions, by id.
func (st *Store) Names() map[string]string {
	b, err := os.ReadFile(namesFile(st.Home))
	names := map[string]string{}
	if err == nil {
		_ = json.Unmarshal(b, &names)
	}
	return names
}

// SetName names the session id ("" removes the name).
func (st *Store) SetName(id, name string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	names := st.Names()
	if name == "" {
		delete(names, id)
	} else {
		names[id] = name
	}
	b, err := json.MarshalIndent(names, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(st.Home, ".session_names-*")
	if err != nil {
		return fmt.Errorf("naming the session: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("naming the session: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("naming the session: %w", err)
	}
	if err := os.Rename(tmp.Name(), namesFile(st.Home)); err != nil {
		return fmt.Errorf("naming the session: %w", err)
	}
	return nil
}
