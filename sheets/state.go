package sheets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Sync state lives in spreadsheet-level developer metadata, one entry per
// tab under TabStateKeyPrefix+title (the title the mapping configures), its
// value the JSON of zsync.ModuleState. Why there and not in a tab or a file:
//
//   - it is invisible to humans: nobody edits, sorts or "cleans up" it, and
//     it takes no room in the 10M-cell budget;
//   - it survives anything done to the tabs (sorting, inserting, deleting
//     rows or whole tabs), since it is attached to the spreadsheet itself;
//   - there is no hidden "_state" tab for someone to unhide and delete;
//   - it travels with the spreadsheet (copies, owners, backups), so a
//     stateless runner such as a GitHub Actions job needs no other storage.
//
// DOCUMENT visibility lets any project with access to the document read
// it: a new service account or a key in another project still finds the
// cursor.
const TabStateKeyPrefix = "zoho2sheets.tab."

// StateKeyPrefix+module is where versions before per-tab state kept one
// state per module. LoadState returns such entries under
// zsync.LegacyStateKey(module); SaveState of a tab of the module removes
// them.
const StateKeyPrefix = "zoho2sheets.state."

const checkKey = "zoho2sheets.check"

func stateKey(module string) string { return StateKeyPrefix + module }

func tabStateKey(sheet string) string { return TabStateKeyPrefix + sheet }

// spreadsheetLocation is the whole-spreadsheet metadata location.
func spreadsheetLocation() *sheets.DeveloperMetadataLocation {
	return &sheets.DeveloperMetadataLocation{Spreadsheet: true}
}

// searchMetadata returns spreadsheet-level developer metadata with any of
// the keys; no key means every entry.
func (s *Spreadsheet) searchMetadata(ctx context.Context, keys ...string) ([]*sheets.DeveloperMetadata, error) {
	req := &sheets.SearchDeveloperMetadataRequest{}
	for _, k := range keys {
		req.DataFilters = append(req.DataFilters, &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{LocationType: "SPREADSHEET", MetadataKey: k}})
	}
	if len(keys) == 0 {
		req.DataFilters = []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{LocationType: "SPREADSHEET"}}}
	}
	var resp *sheets.SearchDeveloperMetadataResponse
	err := s.c.call(ctx, "developerMetadata.search", kindRead, nil, func() (err error) {
		resp, err = s.c.svc.Spreadsheets.DeveloperMetadata.Search(s.id, req).Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, s.apiErr("read sync state", err)
	}
	var out []*sheets.DeveloperMetadata
	seen := map[int64]bool{}
	for _, m := range resp.MatchedDeveloperMetadata {
		d := m.DeveloperMetadata
		if d == nil || seen[d.MetadataId] || len(keys) > 0 && !slices.Contains(keys, d.MetadataKey) {
			continue
		}
		seen[d.MetadataId] = true
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MetadataId < out[j].MetadataId })
	return out, nil
}

// LoadState returns the stored state of every tab, keyed by its configured
// title, and states stored per module by older versions under
// zsync.LegacyStateKey(module). An entry whose JSON cannot be read is
// skipped with a warning: the tab then runs in full, which repairs it.
func (s *Spreadsheet) LoadState(ctx context.Context) (map[string]zsync.ModuleState, error) {
	all, err := s.searchMetadata(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]zsync.ModuleState{}
	saved := map[string]savedState{}
	for _, m := range all {
		e := saved[m.MetadataKey]
		e.n++
		e.id, e.value = m.MetadataId, m.MetadataValue
		saved[m.MetadataKey] = e
	}
	s.mu.Lock()
	s.saved = saved
	s.mu.Unlock()
	for _, m := range all {
		var key string
		sheet, tab := strings.CutPrefix(m.MetadataKey, TabStateKeyPrefix)
		mod, legacy := strings.CutPrefix(m.MetadataKey, StateKeyPrefix)
		switch {
		case tab:
			key = sheet
		case legacy:
			key = zsync.LegacyStateKey(mod)
		default:
			continue
		}
		var st zsync.ModuleState
		if err := json.Unmarshal([]byte(m.MetadataValue), &st); err != nil {
			s.c.log.Warn().Str("key", m.MetadataKey).Msg("sheets: unreadable sync state ignored; the tab will run in full")
			continue
		}
		if tab {
			st.Sheet = sheet
		} else {
			st.Sheet = ""
			if st.Module == "" {
				st.Module = mod
			}
		}
		if _, dup := out[key]; !dup {
			out[key] = st
		}
	}
	return out, nil
}

// SaveState stores one tab's state, updating its entry in place (or
// creating it), and deletes the module's legacy per-module entry in the
// same request. A create that fails ambiguously is checked by reading the
// metadata again, so a retry never leaves two entries.
func (s *Spreadsheet) SaveState(ctx context.Context, st zsync.ModuleState) error {
	if st.Sheet == "" {
		return errors.New("sheets: save state: empty tab title")
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("sheets: save state of tab %q: %w", st.Sheet, err)
	}
	key, val := tabStateKey(st.Sheet), string(b)
	keys := []string{key}
	if st.Module != "" {
		keys = append(keys, stateKey(st.Module))
	}
	if s.saveKnownState(ctx, st.Sheet, key, val, keys[1:]) {
		return nil
	}
	absent := s.knownAbsent(keys) // a new tab: nothing to look up
	for try := 0; ; try++ {
		var all []*sheets.DeveloperMetadata
		if try > 0 || !absent {
			if all, err = s.searchMetadata(ctx, keys...); err != nil {
				return err
			}
		}
		var found, legacy []*sheets.DeveloperMetadata
		for _, m := range all {
			if m.MetadataKey == key {
				found = append(found, m)
			} else {
				legacy = append(legacy, m)
			}
		}
		var reqs []*sheets.Request
		kind := kindWrite
		if len(found) == 0 {
			kind = kindWriteOnce
			reqs = append(reqs, &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{
				DeveloperMetadata: &sheets.DeveloperMetadata{MetadataKey: key, MetadataValue: val,
					Location: spreadsheetLocation(), Visibility: "DOCUMENT"}}})
		} else {
			if found[0].MetadataValue == val && len(found) == 1 && len(legacy) == 0 {
				return nil
			}
			reqs = append(reqs, &sheets.Request{UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{
				DataFilters:       []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: found[0].MetadataId}}},
				DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: val},
				Fields:            "metadataValue"}})
			for _, extra := range found[1:] { // left by an earlier ambiguous create
				kind = kindWriteOnce
				reqs = append(reqs, deleteMetadata(extra.MetadataId))
			}
		}
		for _, old := range legacy { // migrated: this entry now holds it
			kind = kindWriteOnce
			reqs = append(reqs, deleteMetadata(old.MetadataId))
		}
		replies, err := s.batchUpdateReplies(ctx, fmt.Sprintf("save sync state of tab %q", st.Sheet), kind, nil, reqs)
		s.remember(key, keys[1:], found, replies, val, err)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrAmbiguous) || try >= 2 {
			return err
		}
		s.c.log.Warn().Str("sheet", st.Sheet).Msg("sheets: saving the sync state failed ambiguously; checking what was stored")
	}
}

// savedState is one metadata key as LoadState read it (and saves since
// left it): how many entries hold it (-1: unknown), and the id and value
// of the last one.
type savedState struct {
	n     int
	id    int64
	value string
}

// saveKnownState saves the state val under key in one request, without
// searching for its entry first, when LoadState found exactly one entry
// for key and none of the legacy keys (the run lease keeps other runs
// from changing them since). It reports false when SaveState must search:
// an entry never read, doubled, to migrate, or gone since (the update's
// answer names no entry, or it failed).
func (s *Spreadsheet) saveKnownState(ctx context.Context, sheet, key, val string, legacy []string) (done bool) {
	s.mu.Lock()
	e, known := s.saved[key]
	for _, k := range legacy {
		if s.saved[k].n != 0 {
			known = false
		}
	}
	s.mu.Unlock()
	if !known || e.n != 1 {
		return false
	}
	if e.value == val {
		return true
	}
	replies, err := s.batchUpdateReplies(ctx, fmt.Sprintf("save sync state of tab %q", sheet), kindWrite, nil,
		[]*sheets.Request{{UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{
			DataFilters:       []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: e.id}}},
			DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: val},
			Fields:            "metadataValue"}}})
	if err != nil {
		// Whether Google refuses an update matching no entry, or answers
		// it with none, is not documented: either way the long way finds
		// out (and meets a lasting error again).
		s.c.log.Debug().Err(err).Str("sheet", sheet).Msg("sheets: saving the state in place failed; looking its entry up")
		return false
	}
	if len(replies) != 1 || replies[0].UpdateDeveloperMetadata == nil || len(replies[0].UpdateDeveloperMetadata.DeveloperMetadata) != 1 {
		return false
	}
	s.mu.Lock()
	e.value = val
	s.saved[key] = e
	s.mu.Unlock()
	return true
}

// remember records what a save made of the entries LoadState read, so
// that a later save of the same tab in this run takes the short way too:
// the entry found or created holds val, legacy entries are gone. After a
// failed save nothing is known (the next save searches).
func (s *Spreadsheet) remember(key string, legacy []string, found []*sheets.DeveloperMetadata, replies []*sheets.Response, val string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saved == nil {
		return
	}
	e := savedState{n: -1} // unknown
	switch {
	case err != nil:
	case len(found) > 0:
		e = savedState{n: 1, id: found[0].MetadataId, value: val}
	case len(replies) > 0 && replies[0].CreateDeveloperMetadata != nil && replies[0].CreateDeveloperMetadata.DeveloperMetadata != nil:
		e = savedState{n: 1, id: replies[0].CreateDeveloperMetadata.DeveloperMetadata.MetadataId, value: val}
	}
	s.saved[key] = e
	if err == nil {
		for _, k := range legacy {
			delete(s.saved, k)
		}
	}
}

// knownAbsent reports whether LoadState read the metadata and found none
// of keys (the run lease keeps other runs from adding them since).
func (s *Spreadsheet) knownAbsent(keys []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saved == nil {
		return false
	}
	for _, k := range keys {
		if s.saved[k].n != 0 {
			return false
		}
	}
	return true
}

func deleteMetadata(id int64) *sheets.Request {
	return &sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{
		DataFilter: &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: id}}}}
}

// CheckWritable proves the identity may edit the spreadsheet with a write
// that leaves nothing behind: one batch that creates and deletes a
// developer metadata entry. Errors implement zsync.HintError.
func (s *Spreadsheet) CheckWritable(ctx context.Context) error {
	reqs := []*sheets.Request{
		{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &sheets.DeveloperMetadata{
			MetadataKey: checkKey, MetadataValue: "ok", Location: spreadsheetLocation(), Visibility: "DOCUMENT"}}},
		{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{DataFilter: &sheets.DataFilter{
			DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataKey: checkKey}}}},
	}
	// Repeating the pair yields the same spreadsheet, so it may be retried.
	return s.batchUpdate(ctx, "check the spreadsheet is writable", kindWrite, nil, reqs)
}

// batchUpdate sends one spreadsheets.batchUpdate.
func (s *Spreadsheet) batchUpdate(ctx context.Context, op string, kind callKind, requests *int, reqs []*sheets.Request) error {
	_, err := s.batchUpdateReplies(ctx, op, kind, requests, reqs)
	return err
}

func (s *Spreadsheet) batchUpdateReplies(ctx context.Context, op string, kind callKind, requests *int, reqs []*sheets.Request) ([]*sheets.Response, error) {
	var resp *sheets.BatchUpdateSpreadsheetResponse
	body := &sheets.BatchUpdateSpreadsheetRequest{Requests: reqs}
	err := s.c.call(ctx, "spreadsheets.batchUpdate", kind, requests, s.fenced(ctx, func() (err error) {
		resp, err = s.c.svc.Spreadsheets.BatchUpdate(s.id, body).Context(ctx).Do()
		return err
	}))
	if err != nil {
		if errors.Is(err, ErrAmbiguous) {
			return nil, fmt.Errorf("sheets: %s: %w", op, err)
		}
		return nil, s.apiErr(op, err)
	}
	return resp.Replies, nil
}
