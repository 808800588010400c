package sync

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DefaultStatusTab is the title of the tab that tells people how fresh the
// sheet is.
const DefaultStatusTab = "Sync status"

// TabStatus is one synced tab's line in the status tab.
type TabStatus struct {
	Tab, Module string
	// SheetID is the tab's sheetId when known (0: find it by Tab): a tab a
	// person renamed still gets its note.
	SheetID int64
	// KeyHeader is the header of the tab's key column: after a successful
	// run it carries a note saying where the data comes from and when.
	KeyHeader string
	// LastSuccess is when the last successful sync of the tab started
	// (zero: never).
	LastSuccess time.Time
	// Records is the number of records in the tab.
	Records int
	// Added, Updated and Removed are what the last run changed.
	Added, Updated, Removed int
	// OK is whether the last run of the tab succeeded; Result says so in
	// plain words ("ok", "failed since …: … — fix").
	OK     bool
	Result string
	// NextRun is the next scheduled run (zero: not known).
	NextRun time.Time
}

// StatusSink writes the status tab. sheets.Spreadsheet implements it.
type StatusSink interface {
	// WriteStatus makes the tab title hold one row per entry of rows
	// (found by tab name, so people may sort or annotate it) and notes the
	// key header of each tab whose run succeeded.
	WriteStatus(ctx context.Context, title string, rows []TabStatus) error
}

// maxResultText bounds the error text shown in the status tab.
const maxResultText = 300

// Statuses returns the status rows of a run: one per module that ran,
// times shown in loc. A dry run has none (it writes nothing).
func (s *Summary) Statuses(loc *time.Location, next time.Time) []TabStatus {
	if s.DryRun {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	out := make([]TabStatus, 0, len(s.Modules))
	for _, m := range s.Modules {
		if m.Err == ErrInterrupted {
			continue // a requested stop: the tab is as the last run left it
		}
		st := m.State
		ts := TabStatus{Tab: m.Sheet, Module: m.Module, SheetID: st.SheetID, KeyHeader: m.KeyHeader, LastSuccess: st.LastOK,
			Records: st.Rows, Added: m.Result.Added, Updated: m.Result.Updated, Removed: m.Result.Removed,
			OK: m.Err == nil, NextRun: next}
		if ts.LastSuccess.IsZero() && st.LastStatus == "ok" {
			ts.LastSuccess = st.LastRun // state saved before LastOK existed
		}
		if m.Err == nil {
			ts.Result = "ok"
		} else {
			since := st.FailedSince
			if since.IsZero() {
				since = s.Started
			}
			msg := m.Err.Error()
			if h := Hint(m.Err); h != "" && !strings.Contains(msg, h) {
				msg += " — " + h
			}
			if r := []rune(msg); len(r) > maxResultText {
				msg = string(r[:maxResultText-1]) + "…"
			}
			ts.Result = fmt.Sprintf("failed since %s: %s", since.In(loc).Format("2006-01-02 15:04"), msg)
		}
		out = append(out, ts)
	}
	return out
}

// writeStatus hands the run's status rows to j.Status. It is best effort:
// a sheet that cannot be written is already the modules' error.
func (j *Job) writeStatus(ctx context.Context, sum *Summary) {
	if j.Status == nil || j.StatusTab == "" || sum.DryRun {
		return
	}
	var next time.Time
	if j.NextRun != nil {
		next = j.NextRun()
	}
	if err := j.Status.WriteStatus(ctx, j.StatusTab, sum.Statuses(j.zone(), next)); err != nil {
		j.Logger.Warn().Err(err).Str("sheet", j.StatusTab).Msg("could not update the status tab")
	}
}
