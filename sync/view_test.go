package sync_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/filter"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// crm is an in-memory CRM that answers ReadOptions.Where as COQL does
// (through the filter package), and returns related records' fields under
// their dotted paths.
type crm struct {
	fields  map[string][]zsync.Field
	records map[string]map[string]*zsync.Record // module → id → record
	reads   []zsync.ReadOptions
	// onRead, when set, is called as a read starts, with its number (0 first).
	onRead func(n int)
	noMeta string // a module whose field metadata cannot be read
}

func (c *crm) Modules(context.Context) ([]zsync.Module, error) { return nil, nil }

func (c *crm) Fields(_ context.Context, module string) ([]zsync.Field, error) {
	if module == c.noMeta {
		return nil, fmt.Errorf("HTTP 403 NO_PERMISSION for %s", module)
	}
	return c.fields[module], nil
}

func (c *crm) Deleted(context.Context, string, time.Time) iter.Seq2[zsync.Deletion, error] {
	return func(func(zsync.Deletion, error) bool) {}
}

func (c *crm) Records(_ context.Context, module string, o zsync.ReadOptions) iter.Seq2[zsync.Record, error] {
	c.reads = append(c.reads, o)
	n := len(c.reads) - 1
	return func(yield func(zsync.Record, error) bool) {
		if c.onRead != nil {
			c.onRead(n)
		}
		var cond zsync.Condition
		paths := slices.Clone(o.Fields)
		if o.Where != "" {
			f, err := filter.New(o.Where)
			if err == nil {
				cond, err = f.Bind(zsync.Schema{Module: module, Fields: c.fields[module], Related: c.fields})
				paths = append(paths, f.Paths()...)
			}
			if err != nil {
				yield(zsync.Record{}, err)
				return
			}
		}
		ids := make([]string, 0, len(c.records[module]))
		for id := range c.records[module] {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			r := c.records[module][id]
			if !o.Since.IsZero() && r.Modified.Before(o.Since) {
				continue
			}
			joined := zsync.Record{ID: r.ID, Modified: r.Modified, Fields: map[string]zsync.Value{}}
			for _, p := range paths {
				joined.Fields[p] = c.at(module, r, p)
			}
			if cond != nil && !cond.Match(joined, time.Now()) {
				continue
			}
			out := zsync.Record{ID: r.ID, Modified: r.Modified, Fields: map[string]zsync.Value{}}
			for _, p := range o.Fields {
				out.Fields[p] = joined.Fields[p]
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// at walks a dotted path through lookups.
func (c *crm) at(module string, r *zsync.Record, path string) zsync.Value {
	head, rest, more := strings.Cut(path, ".")
	var v zsync.Value
	if head == "Modified_Time" {
		v = r.Modified
	} else {
		v = r.Fields[head]
	}
	if !more {
		return v
	}
	l, ok := v.(zsync.Lookup)
	if !ok {
		return nil
	}
	for _, f := range c.fields[module] {
		if f.APIName == head && f.LookupModule != "" {
			if rel := c.records[f.LookupModule][l.ID]; rel != nil {
				return c.at(f.LookupModule, rel, rest)
			}
		}
	}
	return nil
}

func (c *crm) put(module string, r zsync.Record) {
	if c.records == nil {
		c.records = map[string]map[string]*zsync.Record{}
	}
	if c.records[module] == nil {
		c.records[module] = map[string]*zsync.Record{}
	}
	c.records[module][r.ID] = &r
}

// tabSink keeps tabs as maps of rows and applies a table as the sheets
// package does: rows upserted by key, rows of deleted (or, in a full
// table, absent) records removed, kept or marked per on_delete.
type tabSink struct {
	list   []zsync.Tab
	tabs   map[string]map[string]zsync.Row
	marks  map[string]map[string]string
	states map[string]zsync.ModuleState
	tables []*zsync.Table
}

func (s *tabSink) Upsert(_ context.Context, t *zsync.Table, _ zsync.UpsertOptions) (zsync.UpsertResult, error) {
	s.tables = append(s.tables, t)
	if s.tabs == nil {
		s.tabs, s.marks = map[string]map[string]zsync.Row{}, map[string]map[string]string{}
	}
	if s.tabs[t.Sheet] == nil {
		s.tabs[t.Sheet], s.marks[t.Sheet] = map[string]zsync.Row{}, map[string]string{}
	}
	tab, marks := s.tabs[t.Sheet], s.marks[t.Sheet]
	var res zsync.UpsertResult
	found, how := zsync.FindTab(s.list, t.Sheet, t.SheetID, t.HasSheetID)
	if how == zsync.TabMissing {
		found = zsync.Tab{ID: int64(len(s.list)) + 100, Title: t.Sheet}
		s.list = append(s.list, found)
		res.Created = true
	}
	res.Tab = found
	want := map[string]bool{}
	for i := range t.Len() {
		r := t.Row(i, nil)
		want[r.Key] = true
		if _, had := tab[r.Key]; had {
			res.Updated++
		} else {
			res.Added++
		}
		tab[r.Key] = r
		delete(marks, r.Key)
	}
	gone := map[string]bool{}
	for _, k := range t.Deleted {
		gone[k] = true
	}
	if t.Full {
		for k := range tab {
			gone[k] = gone[k] || !want[k]
		}
	}
	for k := range gone {
		if _, ok := tab[k]; !ok || want[k] {
			continue
		}
		switch t.OnDelete {
		case zsync.OnDeleteRemove:
			delete(tab, k)
			res.Removed++
		case zsync.OnDeleteMark:
			marks[k] = t.MarkText
			res.Marked++
		}
	}
	return res, nil
}

func (s *tabSink) Tabs(context.Context) ([]zsync.Tab, error) { return slices.Clone(s.list), nil }

func (s *tabSink) LoadState(context.Context) (map[string]zsync.ModuleState, error) {
	return maps(s.states), nil
}

func maps(m map[string]zsync.ModuleState) map[string]zsync.ModuleState {
	out := map[string]zsync.ModuleState{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *tabSink) SaveState(_ context.Context, st zsync.ModuleState) error {
	if s.states == nil {
		s.states = map[string]zsync.ModuleState{}
	}
	s.states[st.Sheet] = st
	return nil
}

// keys returns the keys of a tab, sorted.
func (s *tabSink) keys(sheet string) []string {
	var out []string
	for k := range s.tabs[sheet] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// cell returns the text of a row's cell.
func (s *tabSink) cell(sheet, key string, col int) string {
	r, ok := s.tabs[sheet][key]
	if !ok || col >= len(r.Cells) {
		return ""
	}
	return r.Cells[col].S
}

var (
	dealFields = []zsync.Field{
		{APIName: "Deal_Name", DataType: "text"},
		{APIName: "Stage", DataType: "picklist"},
		{APIName: "Amount", DataType: "currency", JSONType: "double"},
		{APIName: "Modified_Time", DataType: "datetime"},
		{APIName: "Account_Name", DataType: "lookup", LookupModule: "Accounts"},
	}
	accountFields = []zsync.Field{
		{APIName: "Account_Name", DataType: "text"},
		{APIName: "Industry", DataType: "picklist"},
		{APIName: "Modified_Time", DataType: "datetime"},
	}
	v0 = time.Date(2024, 8, 1, 9, 0, 0, 0, time.UTC)
)

func deal(id, stage string, amount float64, account string, mod time.Time) zsync.Record {
	return zsync.Record{ID: id, Modified: mod, Fields: map[string]zsync.Value{
		"Deal_Name": "deal " + id, "Stage": stage, "Amount": amount,
		"Account_Name": zsync.Lookup{ID: account, Name: "acct " + account},
	}}
}

func account(id, industry string, mod time.Time) zsync.Record {
	return zsync.Record{ID: id, Modified: mod, Fields: map[string]zsync.Value{"Account_Name": "acct " + id, "Industry": industry}}
}

func mustFilter(t *testing.T, src string) zsync.Filter {
	t.Helper()
	f, err := filter.New(src)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// viewWorld is a CRM of four deals at two accounts and a job with one
// filtered tab "Pipeline" over Deals.
func viewWorld(t *testing.T, filterSrc string, onDelete zsync.OnDelete) (*crm, *tabSink, *zsync.Job, *time.Time) {
	c := &crm{fields: map[string][]zsync.Field{"Deals": dealFields, "Accounts": accountFields}}
	c.put("Accounts", account("a1", "Retail", v0))
	c.put("Accounts", account("a2", "Tech", v0))
	c.put("Deals", deal("d1", "Open", 500, "a1", v0))
	c.put("Deals", deal("d2", "Open", 50, "a1", v0))
	c.put("Deals", deal("d3", "Closed Won", 900, "a2", v0))
	c.put("Deals", deal("d4", "Open", 700, "a2", v0))
	sink := &tabSink{}
	now := v0.Add(time.Hour)
	mark := ""
	if onDelete == zsync.OnDeleteMark {
		mark = "Gone"
	}
	j := &zsync.Job{Source: c, Sink: sink, Logger: zerolog.Nop(), Now: func() time.Time { return now },
		Modules: []zsync.ModuleJob{{Module: "Deals", Sheet: "Pipeline", OnDelete: onDelete, MarkColumn: mark,
			Filter: mustFilter(t, filterSrc),
			Columns: []zsync.ColumnSpec{{Header: "ID", Field: "id"}, {Header: "Stage", Field: "Stage"},
				{Header: "Industry", Field: "Account_Name.Industry"}}}}}
	return c, sink, j, &now
}

func run(t *testing.T, j *zsync.Job) *zsync.Summary {
	t.Helper()
	sum, err := j.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestViewFullReadPushesFilterDown(t *testing.T) {
	c, sink, j, _ := viewWorld(t, "Stage != 'Closed Won' and Amount >= 100", zsync.OnDeleteRemove)
	sum := run(t, j)
	if sum.Modules[0].Mode != zsync.ModeFull {
		t.Fatalf("first run is %s", sum.Modules[0].Mode)
	}
	if got := c.reads[0].Where; got != "Stage != 'Closed Won' and Amount >= 100" {
		t.Errorf("full read Where = %q, want the filter", got)
	}
	if got := sum.Modules[0].Read; got != 2 {
		t.Errorf("read %d records, want the 2 matching (the filter is applied by the CRM)", got)
	}
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1,d4" {
		t.Errorf("tab holds %s, want d1,d4", got)
	}
	if got := sink.cell("Pipeline", "d4", 2); got != "Tech" {
		t.Errorf("Industry of d4 = %q, want the related account's Tech", got)
	}
	if !slices.Contains(c.reads[0].Fields, "Account_Name.Industry") {
		t.Errorf("read fields %v lack the related path", c.reads[0].Fields)
	}
}

// TestViewIncrementalMoves: a record that stops matching leaves the tab
// per on_delete, and one that starts matching appears, on an incremental
// run.
func TestViewIncrementalMoves(t *testing.T) {
	for _, od := range []zsync.OnDelete{zsync.OnDeleteRemove, zsync.OnDeleteKeep, zsync.OnDeleteMark} {
		t.Run(string(od), func(t *testing.T) {
			c, sink, j, now := viewWorld(t, "Stage != 'Closed Won' and Amount >= 100", od)
			run(t, j)
			*now = now.Add(time.Hour)
			c.put("Deals", deal("d1", "Closed Won", 500, "a1", now.Add(-time.Minute))) // leaves
			c.put("Deals", deal("d2", "Open", 5000, "a1", now.Add(-time.Minute)))      // enters
			sum := run(t, j)
			if sum.Modules[0].Mode != zsync.ModeIncremental {
				t.Fatalf("second run is %s", sum.Modules[0].Mode)
			}
			want := map[zsync.OnDelete]string{zsync.OnDeleteRemove: "d2,d4", zsync.OnDeleteKeep: "d1,d2,d4",
				zsync.OnDeleteMark: "d1,d2,d4"}[od]
			if got := strings.Join(sink.keys("Pipeline"), ","); got != want {
				t.Errorf("tab holds %s, want %s", got, want)
			}
			if od == zsync.OnDeleteMark {
				if got := sink.marks["Pipeline"]["d1"]; got != zsync.ViewMarkText {
					t.Errorf("d1 marked %q, want %q", got, zsync.ViewMarkText)
				}
			} else if len(sink.marks["Pipeline"]) > 0 {
				t.Errorf("marks %v", sink.marks["Pipeline"])
			}
			if od == zsync.OnDeleteKeep && sink.cell("Pipeline", "d1", 1) != "Open" {
				t.Errorf("a kept row was rewritten: %q", sink.cell("Pipeline", "d1", 1))
			}
			// The ids of the changed records were read without the filter,
			// first, then the changed records with it.
			if n := len(c.reads); n != 3 {
				t.Fatalf("%d reads, want 3 (full, changed ids, changed with filter)", n)
			}
			if r := c.reads[1]; r.Fields != nil || strings.Contains(r.Where, "Stage") || !strings.Contains(r.Where, "Modified_Time >= ") {
				t.Errorf("id read %+v", r)
			}
			if r := c.reads[2]; !strings.Contains(r.Where, "Stage != 'Closed Won'") {
				t.Errorf("changed read %+v", r)
			}
			// Back in the view: the row returns (and its mark goes).
			*now = now.Add(time.Hour)
			c.put("Deals", deal("d1", "Open", 500, "a1", now.Add(-time.Minute)))
			run(t, j)
			if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1,d2,d4" || len(sink.marks["Pipeline"]) > 0 {
				t.Errorf("after d1 reopened: tab %s, marks %v", got, sink.marks["Pipeline"])
			}
		})
	}
}

// TestViewRelatedChange: the account's industry is edited, the deal is
// not: the next normal run updates the deal's row, and a deal whose
// filter reads the account's industry leaves the view.
func TestViewRelatedChange(t *testing.T) {
	c, sink, j, now := viewWorld(t, "Account_Name.Industry = 'Retail' or Amount >= 600", zsync.OnDeleteRemove)
	run(t, j)
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1,d2,d3,d4" {
		t.Fatalf("tab holds %s", got)
	}
	*now = now.Add(time.Hour)
	c.put("Accounts", account("a1", "Media", now.Add(-time.Minute)))
	c.put("Accounts", account("a2", "Retail Tech", now.Add(-time.Minute)))
	sum := run(t, j)
	if sum.Modules[0].Mode != zsync.ModeIncremental {
		t.Fatalf("second run is %s", sum.Modules[0].Mode)
	}
	// d1 (500) and d2 (50) were in only through their account's industry.
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d3,d4" {
		t.Errorf("tab holds %s, want d3,d4", got)
	}
	if got := sink.cell("Pipeline", "d4", 2); got != "Retail Tech" {
		t.Errorf("Industry of d4 = %q after the account's edit, want Retail Tech", got)
	}
	if w := c.reads[2].Where; !strings.Contains(w, "Account_Name.Modified_Time >= ") || !c.reads[2].Since.IsZero() {
		t.Errorf("incremental read %q (since %v) does not watch the account", w, c.reads[2].Since)
	}
}

// TestRelatedColumnsWithoutFilter: a tab without a filter but with a
// related column also follows the related record's changes.
func TestRelatedColumnsWithoutFilter(t *testing.T) {
	c, sink, j, now := viewWorld(t, "Amount > 0", zsync.OnDeleteRemove)
	j.Modules[0].Filter = nil
	run(t, j)
	*now = now.Add(time.Hour)
	c.put("Accounts", account("a2", "Energy", now.Add(-time.Minute)))
	run(t, j)
	if got := sink.cell("Pipeline", "d3", 2); got != "Energy" {
		t.Errorf("Industry of d3 = %q, want Energy", got)
	}
	if n := len(c.reads); n != 2 {
		t.Errorf("%d reads, want 2: no id read without a filter", n)
	}
	if w := c.reads[1].Where; w == "" || strings.Contains(w, "Amount") {
		t.Errorf("incremental Where %q", w)
	}
}

func TestViewFilterBindErrorFailsTheTab(t *testing.T) {
	_, sink, j, _ := viewWorld(t, "Stag = 'x'", zsync.OnDeleteRemove)
	sum, err := j.Run(context.Background(), zsync.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "filter: line 1, column 1: Stag: no such field") ||
		!strings.Contains(err.Error(), "did you mean Stage?") || len(sink.tables) != 0 {
		t.Fatalf("err %v, tables %d", err, len(sink.tables))
	}
	if sum.Modules[0].Err == nil {
		t.Error("the tab's summary has no error")
	}
}

// TestModuleSelectsEveryTabOfTheModule: --module Deals runs every tab fed
// by Deals.
func TestModuleSelectsEveryTabOfTheModule(t *testing.T) {
	c, sink, j, _ := viewWorld(t, "Amount >= 100", zsync.OnDeleteRemove)
	second := j.Modules[0]
	second.Sheet, second.Filter = "All deals", nil
	j.Modules = append(j.Modules, second, zsync.ModuleJob{Module: "Accounts", Sheet: "Accounts",
		Columns: []zsync.ColumnSpec{{Header: "ID", Field: "id"}}})
	sum, err := j.Run(context.Background(), zsync.RunOptions{Modules: []string{"Deals"}})
	if err != nil {
		t.Fatal(err)
	}
	var sheets []string
	for _, m := range sum.Modules {
		sheets = append(sheets, m.Sheet)
	}
	if got := strings.Join(sheets, ","); got != "Pipeline,All deals" {
		t.Errorf("ran %s, want both Deals tabs and not Accounts", got)
	}
	if got := strings.Join(sink.keys("All deals"), ","); got != "d1,d2,d3,d4" || len(c.reads) != 2 {
		t.Errorf("All deals holds %s after %d reads", got, len(c.reads))
	}
}

// TestViewWindowAgesOut: a relative window moves with no record modified;
// the next run reads the view in full and the row that aged out leaves.
func TestViewWindowAgesOut(t *testing.T) {
	c, sink, j, now := viewWorld(t, "Amount > 0", zsync.OnDeleteRemove)
	c.fields["Deals"] = append(slices.Clone(dealFields), zsync.Field{APIName: "Closing_Date", DataType: "date"})
	for id, day := range map[string]int{"d1": 1, "d2": 31, "d3": 30} {
		d := deal(id, "Open", 10, "a1", v0.Add(-48*time.Hour))
		d.Fields["Closing_Date"] = zsync.Date{Year: 2024, Month: time.August, Day: day}
		if day > 1 {
			d.Fields["Closing_Date"] = zsync.Date{Year: 2024, Month: time.July, Day: day}
		}
		c.put("Deals", d)
	}
	delete(c.records["Deals"], "d4")
	j.Modules[0].Filter = mustFilter(t, "Closing_Date >= today - 1d")
	run(t, j) // 2024-08-01: today - 1d is 31 July
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1,d2" {
		t.Fatalf("tab holds %s, want d1,d2", got)
	}
	*now = now.Add(2 * time.Hour) // same day: the window did not move
	if sum := run(t, j); sum.Modules[0].Mode != zsync.ModeIncremental {
		t.Fatalf("run on the same day is %s", sum.Modules[0].Mode)
	}
	*now = now.Add(24 * time.Hour) // 2 August: d2 (31 July) ages out, no record changed
	sum := run(t, j)
	ms := sum.Modules[0]
	if ms.Mode != zsync.ModeFull || !slices.ContainsFunc(ms.Notes, func(n string) bool {
		return n == "the filter's relative dates moved → full read"
	}) {
		t.Fatalf("run a day later: mode %s, notes %q", ms.Mode, ms.Notes)
	}
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1" {
		t.Errorf("tab holds %s, want d1 (d2 aged out)", got)
	}
	if w := c.reads[len(c.reads)-1].Where; w != "Closing_Date >= '2024-08-01'" {
		t.Errorf("last read Where = %q", w)
	}
	// An edited filter is a mapping change, said once, not as a moved window.
	j.Modules[0].Filter = mustFilter(t, "Closing_Date >= today - 3d")
	*now = now.Add(24 * time.Hour)
	ms = run(t, j).Modules[0]
	if ms.Mode != zsync.ModeFull || len(ms.Notes) != 1 || ms.Notes[0] != "mapping changed: filter changed → full read" {
		t.Errorf("edited filter: mode %s, notes %q", ms.Mode, ms.Notes)
	}
}

// TestTwoViewsOfOneModule: two tabs of one module keep their own state:
// each its own cursor and fingerprint, and editing one's filter makes only
// that one read in full.
func TestTwoViewsOfOneModule(t *testing.T) {
	c, sink, j, now := viewWorld(t, "Stage != 'Closed Won' and Amount >= 100", zsync.OnDeleteRemove)
	big := j.Modules[0]
	big.Sheet, big.Filter = "Big deals", mustFilter(t, "Amount >= 600")
	j.Modules = append(j.Modules, big)
	run(t, j)
	if a, b := strings.Join(sink.keys("Pipeline"), ","), strings.Join(sink.keys("Big deals"), ","); a != "d1,d4" || b != "d3,d4" {
		t.Fatalf("Pipeline %s, Big deals %s", a, b)
	}
	p, bd := sink.states["Pipeline"], sink.states["Big deals"]
	if p.Sheet != "Pipeline" || bd.Sheet != "Big deals" || p.Fingerprint == bd.Fingerprint || p.Rows != 2 || bd.Rows != 2 {
		t.Fatalf("states %+v / %+v", p, bd)
	}
	*now = now.Add(time.Hour)
	c.put("Deals", deal("d3", "Closed Won", 100, "a2", now.Add(-time.Minute)))
	j.Modules[0].Filter = mustFilter(t, "Stage != 'Closed Won' and Amount >= 50")
	sum := run(t, j)
	if sum.Modules[0].Mode != zsync.ModeFull || sum.Modules[1].Mode != zsync.ModeIncremental {
		t.Errorf("modes %s, %s: only the edited tab reads in full", sum.Modules[0].Mode, sum.Modules[1].Mode)
	}
	if a, b := strings.Join(sink.keys("Pipeline"), ","), strings.Join(sink.keys("Big deals"), ","); a != "d1,d2,d4" || b != "d4" {
		t.Errorf("Pipeline %s, Big deals %s; want d1,d2,d4 and d4", a, b)
	}
}

// TestViewRelativeDatesInTheTabsZone: today is the day in the zone the tab
// shows datetimes in, not in UTC.
func TestViewRelativeDatesInTheTabsZone(t *testing.T) {
	c, _, j, now := viewWorld(t, "Amount > 0", zsync.OnDeleteRemove)
	c.fields["Deals"] = append(slices.Clone(dealFields), zsync.Field{APIName: "Closing_Date", DataType: "date"})
	j.Modules[0].Filter = mustFilter(t, "Closing_Date >= today")
	*now = time.Date(2024, 8, 1, 13, 0, 0, 0, time.UTC) // already 2 August in Auckland
	for zone, want := range map[string]string{"": "2024-08-01", "Pacific/Auckland": "2024-08-02", "America/Los_Angeles": "2024-08-01"} {
		j.Timezone = zone
		c.reads = nil
		run(t, j)
		if got := c.reads[0].Where; got != "Closing_Date >= '"+want+"'" {
			t.Errorf("zone %q: Where %q, want the day %s", zone, got, want)
		}
	}
}

// TestViewRecordChangedDuringTheRunStays: a record in the view that is
// saved again (still matching) while the run reads is never taken for one
// that left: its row, and a human's notes on it, stay.
func TestViewRecordChangedDuringTheRunStays(t *testing.T) {
	c, sink, j, now := viewWorld(t, "Stage != 'Closed Won' and Amount >= 100", zsync.OnDeleteRemove)
	run(t, j)
	*now = now.Add(time.Hour)
	c.put("Deals", deal("d2", "Open", 5000, "a1", now.Add(-time.Minute)))
	c.onRead = func(n int) {
		if n == 2 { // between the two reads of the incremental run
			c.put("Deals", deal("d4", "Open", 800, "a2", *now))
		}
	}
	run(t, j)
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1,d2,d4" {
		t.Errorf("tab holds %s, want d1,d2,d4 (d4 still matches)", got)
	}
}

// TestViewFilterEditedToMatchNothing: a filter edited so that no record
// matches now empties the tab; an empty answer is what the user asked for,
// not a sign of lost permissions.
func TestViewFilterEditedToMatchNothing(t *testing.T) {
	_, sink, j, now := viewWorld(t, "Amount >= 100", zsync.OnDeleteRemove)
	run(t, j)
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "d1,d3,d4" {
		t.Fatalf("tab holds %s, want d1,d3,d4", got)
	}
	*now = now.Add(time.Hour)
	j.Modules[0].Filter = mustFilter(t, "Amount >= 1000000")
	if ms := run(t, j).Modules[0]; ms.Mode != zsync.ModeFull || ms.Err != nil {
		t.Fatalf("run after the edit: mode %s, error %v", ms.Mode, ms.Err)
	}
	if got := strings.Join(sink.keys("Pipeline"), ","); got != "" {
		t.Errorf("tab holds %s after its filter was edited to match nothing", got)
	}
	*now = now.Add(time.Hour)
	if ms := run(t, j).Modules[0]; ms.Mode != zsync.ModeIncremental {
		t.Errorf("the run after is %s, want incremental (the edit is settled)", ms.Mode)
	}
}

// TestLookupNameWithoutRelatedMetadata: a lookup's name column whose
// module's metadata cannot be read (no permission) still syncs; only the
// watching of the related records' changes is lost.
func TestLookupNameWithoutRelatedMetadata(t *testing.T) {
	c, sink, j, _ := viewWorld(t, "Amount > 0", zsync.OnDeleteRemove)
	c.noMeta = "Accounts"
	j.Modules[0].Filter = nil
	j.Modules[0].Columns = []zsync.ColumnSpec{{Header: "ID", Field: "id"}, {Header: "Account", Field: "Account_Name.name"}}
	if ms := run(t, j).Modules[0]; ms.Err != nil {
		t.Fatalf("run: %v", ms.Err)
	}
	if got := sink.cell("Pipeline", "d3", 1); got != "acct a2" {
		t.Errorf("Account of d3 = %q, want acct a2", got)
	}
}
