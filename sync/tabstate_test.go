package sync_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func hasNote(ms zsync.ModuleSummary, sub string) bool {
	return slices.ContainsFunc(ms.Notes, func(n string) bool { return strings.Contains(n, sub) })
}

// firstRun runs newJob's mapping once and returns the job and its sink.
func firstRun(t *testing.T, now *time.Time) (*zsync.Job, *fakeSink, *fakeSource) {
	t.Helper()
	src := &fakeSource{records: map[string][]zsync.Record{
		"Leads": {rec("1", t0.Add(-3*time.Hour)), rec("2", t0.Add(-2*time.Hour))},
		"Deals": {rec("9", t0.Add(-time.Hour))},
	}}
	sink := &fakeSink{}
	job := newJob(src, sink, now)
	if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	st := sink.states["Leads"]
	if !st.HasSheetID() || st.SheetTitle != "Leads" || st.Fingerprint == "" || st.Sheet != "Leads" {
		t.Fatalf("state after the first run = %+v: want the tab's id, title and fingerprint", st)
	}
	*now = now.Add(time.Hour)
	return job, sink, src
}

func TestJobFollowsRenamedTabByID(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	id := sink.states["Leads"].SheetID
	sink.tabs[slices.IndexFunc(sink.tabs, func(tb zsync.Tab) bool { return tb.ID == id })].Title = "Leads (EU team)"

	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms := sum.Modules[0]
	tb := sink.tables[len(sink.tables)-2]
	if ms.Mode != zsync.ModeIncremental || !tb.HasSheetID || tb.SheetID != id {
		t.Fatalf("mode %s, table id %d (%v): want an incremental write to sheetId %d", ms.Mode, tb.SheetID, tb.HasSheetID, id)
	}
	if !hasNote(ms, `tab renamed to "Leads (EU team)": following it`) || len(sink.tabs) != 2 {
		t.Fatalf("notes %q, tabs %v: want the rename said and no second tab", ms.Notes, sink.tabs)
	}
	if st := sink.states["Leads"]; st.SheetTitle != "Leads (EU team)" || st.SheetID != id {
		t.Fatalf("state %+v should remember the new title", st)
	}
	sum, _ = job.Run(context.Background(), zsync.RunOptions{})
	if len(sum.Modules[0].Notes) != 0 {
		t.Fatalf("the rename is said once, then %q", sum.Modules[0].Notes)
	}
}

func TestJobDeletedTabIsReadInFull(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	sink.tabs = slices.DeleteFunc(sink.tabs, func(tb zsync.Tab) bool { return tb.Title == "Leads" })
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms := sum.Modules[0]
	if ms.Mode != zsync.ModeFull || !sink.tables[len(sink.tables)-2].Full || sink.tables[len(sink.tables)-2].HasSheetID {
		t.Fatalf("mode %s: a deleted tab is recreated from a full read", ms.Mode)
	}
	if !hasNote(ms, `tab "Leads" was deleted: recreating it`) || !hasNote(ms, "tab recreated → full read") {
		t.Fatalf("notes %q", ms.Notes)
	}
	// A tab deleted and made again by hand: not the one the state knew.
	sink.tabs = slices.DeleteFunc(sink.tabs, func(tb zsync.Tab) bool { return tb.Title == "Leads" })
	sink.tabs = append(sink.tabs, zsync.Tab{ID: 99, Title: "Leads"})
	sum, _ = job.Run(context.Background(), zsync.RunOptions{})
	if ms := sum.Modules[0]; ms.Mode != zsync.ModeFull || !hasNote(ms, "now titled \"Leads\" (sheetId 99)") {
		t.Fatalf("replaced tab: mode %s notes %q", ms.Mode, ms.Notes)
	}
}

// A tab that vanishes between the run's look and its write is created with
// the changed records only: the next run must read everything.
func TestJobTabCreatedByAnIncrementalWriteForcesFullNext(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	sink.states["Leads"] = func(st zsync.ModuleState) zsync.ModuleState {
		st.SheetID, st.SheetTitle = 12345, "Leads"
		return st
	}(sink.states["Leads"])
	sink.tabs = append(sink.tabs[:0:0], zsync.Tab{ID: 12345, Title: "Leads"}, sink.tabs[1])
	job.Sink = &vanishing{fakeSink: sink, gone: "Leads"}
	sum, err := job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Modules[0].Mode != zsync.ModeIncremental || !sink.states["Leads"].Cursor.IsZero() || !hasNote(sum.Modules[0], "next run reads in full") {
		t.Fatalf("mode %s cursor %v notes %q", sum.Modules[0].Mode, sink.states["Leads"].Cursor, sum.Modules[0].Notes)
	}
}

// vanishing deletes a tab right after the job listed the tabs.
type vanishing struct {
	*fakeSink
	gone string
}

func (v *vanishing) Tabs(ctx context.Context) ([]zsync.Tab, error) {
	tabs, err := v.fakeSink.Tabs(ctx)
	v.fakeSink.tabs = slices.DeleteFunc(v.fakeSink.tabs, func(tb zsync.Tab) bool { return tb.Title == v.gone })
	return tabs, err
}

func TestJobMigratesModuleState(t *testing.T) {
	now := t0
	cursor := t0.Add(-2 * time.Hour)
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0.Add(-3*time.Hour)), rec("2", cursor)}}}
	legacy := zsync.ModuleState{Module: "Leads", Cursor: cursor, LastFull: cursor, LastStatus: "ok", Rows: 2}
	sink := &fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{zsync.LegacyStateKey("Leads"): legacy}}
	job := newJob(src, sink, &now)
	// A second tab of the module: the legacy state goes to the first only.
	job.Modules = append(job.Modules, zsync.ModuleJob{Module: "Leads", Sheet: "Leads (copy)", Columns: job.Modules[0].Columns})
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first, second := sum.Modules[0], sum.Modules[2]
	if first.Mode != zsync.ModeFull || !hasNote(first, "migrated to the per-tab format") || !hasNote(first, "older version") {
		t.Fatalf("migrated tab: mode %s notes %q", first.Mode, first.Notes)
	}
	if hasNote(second, "migrated") || second.Mode != zsync.ModeFull {
		t.Fatalf("second tab of the module: mode %s notes %q", second.Mode, second.Notes)
	}
	if _, left := sink.states[zsync.LegacyStateKey("Leads")]; left {
		t.Fatal("the legacy state was not removed")
	}
	st := sink.states["Leads"]
	if st.Sheet != "Leads" || st.LastStatus != "ok" || st.Fingerprint == "" || !st.Cursor.Equal(cursor) {
		t.Fatalf("migrated state %+v", st)
	}
	sum, _ = job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}})
	if sum.Modules[0].Mode != zsync.ModeIncremental {
		t.Fatalf("after migration: mode %s", sum.Modules[0].Mode)
	}
}

// A --since run writes the new mapping into some rows only: the stored
// fingerprint stays the old one, so the next normal run reads in full.
func TestJobSinceRunKeepsMappingChangePending(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	job.Modules[0].Columns = append(job.Modules[0].Columns, zsync.ColumnSpec{Header: "Changed", Field: "Modified_Time"})
	sum, err := job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}, Since: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(sum.Modules[0], "1 column added (Changed); the next run without --since reads in full") {
		t.Fatalf("notes %q", sum.Modules[0].Notes)
	}
	sum, _ = job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}})
	if ms := sum.Modules[0]; ms.Mode != zsync.ModeFull || !hasNote(ms, "mapping changed: 1 column added (Changed) → full read") {
		t.Fatalf("mode %s notes %q", ms.Mode, ms.Notes)
	}
	if sum, _ = job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}}); sum.Modules[0].Mode != zsync.ModeIncremental {
		t.Fatalf("after the full read: mode %s", sum.Modules[0].Mode)
	}
	_ = sink
}

// A tab renamed to the title another entry writes is still its own
// entry's tab (with the rows and notes people keep on them): the other
// entry, whose tab is gone, does not write its records over them but fails
// and says how to untangle the titles.
func TestJobNeverWritesOverAnotherEntrysRenamedTab(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	leadsID := sink.states["Leads"].SheetID
	// A person deletes Deals and renames Leads to "Deals".
	sink.tabs = []zsync.Tab{{ID: leadsID, Title: "Deals"}}
	writes := len(sink.tables)
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	leads, deals := sum.Modules[0], sum.Modules[1]
	if !hasNote(leads, `tab renamed to "Deals": following it`) || leads.Mode != zsync.ModeIncremental || leads.Err != nil {
		t.Fatalf("Leads: mode %s err %v notes %q", leads.Mode, leads.Err, leads.Notes)
	}
	if got := sink.tables[writes:]; len(got) != 1 || got[0].Sheet != "Leads" || !got[0].HasSheetID || got[0].SheetID != leadsID {
		t.Fatalf("tables written %+v: want only Leads, into its own tab", got)
	}
	var taken *zsync.TabTakenError
	if !errors.As(deals.Err, &taken) || !errors.As(err, &taken) || !strings.Contains(zsync.Hint(deals.Err), `rename that tab back to "Leads"`) {
		t.Fatalf("Deals: err %v: want a TabTakenError with the fix", deals.Err)
	}
}

// Changing sheet: in the mapping starts a new tab; the run says how to keep
// the old one instead, and following that advice works.
func TestJobSheetRenamedInMappingSaysHowToKeepTheOldTab(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	oldID := sink.states["Leads"].SheetID
	job.Modules[0].Sheet = "Leads EU"
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ms := sum.Modules[0]; !hasNote(ms, `delete the new tab and rename "Leads" to "Leads EU" in Google Sheets`) {
		t.Fatalf("notes %q", ms.Notes)
	}
	sink.tabs = slices.DeleteFunc(sink.tabs, func(tb zsync.Tab) bool { return tb.Title == "Leads EU" })
	sink.tabs[slices.IndexFunc(sink.tabs, func(tb zsync.Tab) bool { return tb.ID == oldID })].Title = "Leads EU"
	sum, _ = job.Run(context.Background(), zsync.RunOptions{})
	if ms := sum.Modules[0]; ms.Mode != zsync.ModeFull || sink.states["Leads EU"].SheetID != oldID || len(sink.tabs) != 2 {
		t.Fatalf("mode %s, state %+v, tabs %v: want the old tab, read in full", ms.Mode, sink.states["Leads EU"], sink.tabs)
	}
	if sum, _ = job.Run(context.Background(), zsync.RunOptions{}); len(sum.Modules[0].Notes) != 0 || sum.Modules[0].Mode != zsync.ModeIncremental {
		t.Fatalf("then quiet and incremental: %s %q", sum.Modules[0].Mode, sum.Modules[0].Notes)
	}
}

// Two tabs whose titles a person swapped are each still their entry's tab
// (each state finds its own by sheetId): each entry follows its own, and
// neither writes its records over the other's rows.
func TestJobTabsThatSwappedTitlesAreEachFollowed(t *testing.T) {
	now := t0
	job, sink, _ := firstRun(t, &now)
	leadsID, dealsID := sink.states["Leads"].SheetID, sink.states["Deals"].SheetID
	sink.tabs = []zsync.Tab{{ID: leadsID, Title: "Deals"}, {ID: dealsID, Title: "Leads"}}
	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		id    int64
		title string
	}{{leadsID, "Deals"}, {dealsID, "Leads"}} {
		ms, tb := sum.Modules[i], sink.tables[len(sink.tables)-2+i]
		if !tb.HasSheetID || tb.SheetID != want.id || ms.Mode != zsync.ModeIncremental {
			t.Errorf("%s wrote sheetId %d (%v) in mode %s: want its own tab %d, incremental", ms.Module, tb.SheetID, tb.HasSheetID, ms.Mode, want.id)
		}
		if !hasNote(ms, `tab renamed to "`+want.title+`": following it`) {
			t.Errorf("%s notes %q", ms.Module, ms.Notes)
		}
	}
	if len(sink.tabs) != 2 {
		t.Fatalf("tabs %v: no tab is created", sink.tabs)
	}
}

// Tabs renamed along a chain whose last tab is gone: each entry keeps its
// own tab, no two entries ever write one tab, and the entry left without
// a tab says why.
func TestJobNeverWritesAnotherEntrysTabFoundByTitle(t *testing.T) {
	now := t0
	job, sink, src := firstRun(t, &now)
	src.records["Contacts"] = []zsync.Record{rec("5", t0.Add(-time.Hour))}
	job.Modules = append(job.Modules, zsync.ModuleJob{Module: "Contacts", Sheet: "Contacts", Columns: job.Modules[0].Columns})
	if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, m := range []string{"Leads", "Deals", "Contacts"} {
		ids[m] = sink.states[m].SheetID
	}
	// Contacts is deleted; Deals is renamed "Contacts", Leads "Deals".
	sink.tabs = []zsync.Tab{{ID: ids["Leads"], Title: "Deals"}, {ID: ids["Deals"], Title: "Contacts"}}
	writes := len(sink.tables)
	sum, _ := job.Run(context.Background(), zsync.RunOptions{})
	by := map[int64]string{}
	for _, tb := range sink.tables[writes:] {
		id := tb.SheetID
		if !tb.HasSheetID {
			id = -1
			for _, x := range sink.tabs {
				if x.Title == tb.Sheet {
					id = x.ID
				}
			}
		}
		if other, dup := by[id]; dup && id >= 0 {
			t.Fatalf("tab %d written by %s and %s", id, other, tb.Sheet)
		}
		by[id] = tb.Sheet
	}
	for i, m := range []string{"Leads", "Deals"} {
		if tb := sink.tables[writes+i]; tb.Sheet != m || !tb.HasSheetID || tb.SheetID != ids[m] {
			t.Errorf("%s wrote %+v: want its own tab", m, tb)
		}
	}
	var taken *zsync.TabTakenError
	if contacts := sum.Modules[2]; !errors.As(contacts.Err, &taken) || taken.Owner != "Deals" || !strings.Contains(zsync.Hint(contacts.Err), `rename that tab back to "Deals"`) {
		t.Errorf("Contacts: err %v, want the tab named as Deals's with a fix", contacts.Err)
	}
}
