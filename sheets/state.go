package sheets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Sync state lives in spreadsheet-level developer metadata, one entry per
// module under StateKeyPrefix+module, its value the JSON of
// zsync.ModuleState. Why there and not in a tab or a file:
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
const StateKeyPrefix = "zoho2sheets.state."

const checkKey = "zoho2sheets.check"

func stateKey(module string) string { return StateKeyPrefix + module }

// spreadsheetLocation is the whole-spreadsheet metadata location.
func spreadsheetLocation() *sheets.DeveloperMetadataLocation {
	return &sheets.DeveloperMetadataLocation{Spreadsheet: true}
}

// searchMetadata returns spreadsheet-level developer metadata; key "" means
// every entry.
func (s *Spreadsheet) searchMetadata(ctx context.Context, key string) ([]*sheets.DeveloperMetadata, error) {
	lookup := &sheets.DeveloperMetadataLookup{LocationType: "SPREADSHEET"}
	if key != "" {
		lookup.MetadataKey = key
	}
	req := &sheets.SearchDeveloperMetadataRequest{DataFilters: []*sheets.DataFilter{{DeveloperMetadataLookup: lookup}}}
	var resp *sheets.SearchDeveloperMetadataResponse
	err := s.c.call(ctx, "developerMetadata.search", kindRead, nil, func() (err error) {
		resp, err = s.c.svc.Spreadsheets.DeveloperMetadata.Search(s.id, req).Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, s.apiErr("read sync state", err)
	}
	var out []*sheets.DeveloperMetadata
	for _, m := range resp.MatchedDeveloperMetadata {
		if m.DeveloperMetadata == nil {
			continue
		}
		if key != "" && m.DeveloperMetadata.MetadataKey != key {
			continue
		}
		out = append(out, m.DeveloperMetadata)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MetadataId < out[j].MetadataId })
	return out, nil
}

// LoadState returns the stored state of every module. An entry whose JSON
// cannot be read is skipped with a warning: the module then runs in full,
// which repairs it.
func (s *Spreadsheet) LoadState(ctx context.Context) (map[string]zsync.ModuleState, error) {
	all, err := s.searchMetadata(ctx, "")
	if err != nil {
		return nil, err
	}
	out := map[string]zsync.ModuleState{}
	for _, m := range all {
		mod, ok := strings.CutPrefix(m.MetadataKey, StateKeyPrefix)
		if !ok {
			continue
		}
		var st zsync.ModuleState
		if err := json.Unmarshal([]byte(m.MetadataValue), &st); err != nil {
			s.c.log.Warn().Str("module", mod).Msg("sheets: unreadable sync state ignored; the module will run in full")
			continue
		}
		if st.Module == "" {
			st.Module = mod
		}
		if _, dup := out[mod]; !dup {
			out[mod] = st
		}
	}
	return out, nil
}

// SaveState stores one module's state, updating its entry in place (or
// creating it). A create that fails ambiguously is checked by reading the
// metadata again, so a retry never leaves two entries.
func (s *Spreadsheet) SaveState(ctx context.Context, st zsync.ModuleState) error {
	if st.Module == "" {
		return errors.New("sheets: save state: empty module name")
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("sheets: save state of %s: %w", st.Module, err)
	}
	key, val := stateKey(st.Module), string(b)
	for try := 0; ; try++ {
		found, err := s.searchMetadata(ctx, key)
		if err != nil {
			return err
		}
		var reqs []*sheets.Request
		kind := kindWrite
		if len(found) == 0 {
			kind = kindWriteOnce
			reqs = append(reqs, &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{
				DeveloperMetadata: &sheets.DeveloperMetadata{MetadataKey: key, MetadataValue: val,
					Location: spreadsheetLocation(), Visibility: "DOCUMENT"}}})
		} else {
			if found[0].MetadataValue == val && len(found) == 1 {
				return nil
			}
			reqs = append(reqs, &sheets.Request{UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{
				DataFilters:       []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: found[0].MetadataId}}},
				DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: val},
				Fields:            "metadataValue"}})
			for _, extra := range found[1:] { // left by an earlier ambiguous create
				kind = kindWriteOnce
				reqs = append(reqs, &sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{
					DataFilter: &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: extra.MetadataId}}}})
			}
		}
		err = s.batchUpdate(ctx, "save sync state of "+st.Module, kind, nil, reqs)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrAmbiguous) || try >= 2 {
			return err
		}
		s.c.log.Warn().Str("module", st.Module).Msg("sheets: saving the sync state failed ambiguously; checking what was stored")
	}
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
