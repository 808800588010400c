package sheets

import (
	"context"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Tabs lists the spreadsheet's tabs: their sheetId and current title.
func (s *Spreadsheet) Tabs(ctx context.Context) ([]zsync.Tab, error) {
	ss, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	var out []zsync.Tab
	for _, sh := range ss.Sheets {
		if p := sh.Properties; p != nil {
			out = append(out, zsync.Tab{ID: p.SheetId, Title: p.Title})
		}
	}
	return out, nil
}

// findTab returns the properties of the tab an upsert writes: the tab with
// sheetId id when byID (a person may have renamed it), else the one titled
// title; nil when there is none. The rule is zsync.FindTab's, so the job
// and the upsert agree on the tab.
func findTab(ss *sheets.Spreadsheet, title string, id int64, byID bool) *sheets.SheetProperties {
	var tabs []zsync.Tab
	for _, sh := range ss.Sheets {
		if p := sh.Properties; p != nil {
			tabs = append(tabs, zsync.Tab{ID: p.SheetId, Title: p.Title})
		}
	}
	t, how := zsync.FindTab(tabs, title, id, byID)
	if how == zsync.TabMissing {
		return nil
	}
	for _, sh := range ss.Sheets {
		if p := sh.Properties; p != nil && p.SheetId == t.ID {
			return p
		}
	}
	return nil
}

// retitle finds the upsert's tab again after a request named a title the
// spreadsheet no longer has (a person renamed the tab mid-run) and
// follows it under its new title. found is false when the tab is gone.
func (u *upsert) retitle(ctx context.Context) (found bool, err error) {
	ss, err := u.s.get(ctx)
	if err != nil {
		return false, err
	}
	p := findTab(ss, u.t.Sheet, u.sheetID, u.byID)
	if p == nil {
		return false, nil
	}
	if p.Title != u.title {
		u.s.c.log.Warn().Str("sheet", u.t.Sheet).Str("title", p.Title).Msg("sheets: the tab was renamed while being written; following it")
	}
	u.title = p.Title
	return true, nil
}
