package sync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// fakeSource is an in-memory CRM.
type fakeSource struct {
	records  map[string][]zsync.Record
	deleted  map[string][]zsync.Deletion
	failRead map[string]error
	reads    []zsync.ReadOptions
	delSince []time.Time
	fields   map[string][]zsync.Field // metadata by module (default: id, Name, Modified_Time)
}

func (f *fakeSource) Modules(context.Context) ([]zsync.Module, error) { return nil, nil }

func (f *fakeSource) Fields(_ context.Context, module string) ([]zsync.Field, error) {
	if fs, ok := f.fields[module]; ok {
		return fs, nil
	}
	return []zsync.Field{
		{APIName: "id", DataType: "bigint", JSONType: "string"},
		{APIName: "Name", DataType: "text", JSONType: "string"},
		{APIName: "Modified_Time", DataType: "datetime", JSONType: "string"},
	}, nil
}

func (f *fakeSource) Records(ctx context.Context, module string, o zsync.ReadOptions) iter.Seq2[zsync.Record, error] {
	f.reads = append(f.reads, o)
	return func(yield func(zsync.Record, error) bool) {
		if err := f.failRead[module]; err != nil {
			yield(zsync.Record{}, err)
			return
		}
		for _, r := range f.records[module] {
			if !o.Since.IsZero() && !r.Modified.After(o.Since) {
				continue
			}
			if err := ctx.Err(); err != nil {
				yield(zsync.Record{}, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func (f *fakeSource) Deleted(_ context.Context, module string, since time.Time) iter.Seq2[zsync.Deletion, error] {
	f.delSince = append(f.delSince, since)
	return func(yield func(zsync.Deletion, error) bool) {
		for _, d := range f.deleted[module] {
			if d.Deleted.After(since) && !yield(d, nil) {
				return
			}
		}
	}
}

// fakeSink records what it was asked to write. Its tabs are found as the
// sheets package finds them (zsync.FindTab) and created when missing.
type fakeSink struct {
	tables    []*zsync.Table
	opts      []zsync.UpsertOptions
	states    map[string]zsync.ModuleState
	saves     int
	failWrite map[string]error
	tabs      []zsync.Tab
	created   int64 // tabs created so far: a new tab's sheetId is never one used before
}

func (f *fakeSink) Upsert(_ context.Context, t *zsync.Table, o zsync.UpsertOptions) (zsync.UpsertResult, error) {
	f.tables = append(f.tables, t)
	f.opts = append(f.opts, o)
	if err := f.failWrite[t.Sheet]; err != nil {
		return zsync.UpsertResult{}, err
	}
	res := zsync.UpsertResult{Added: t.Len(), Removed: len(t.Deleted)}
	tab, how := zsync.FindTab(f.tabs, t.Sheet, t.SheetID, t.HasSheetID)
	if how == zsync.TabMissing && !o.DryRun {
		for slices.ContainsFunc(f.tabs, func(x zsync.Tab) bool { return x.ID == f.created*7 }) {
			f.created++
		}
		tab = zsync.Tab{ID: f.created * 7, Title: t.Sheet} // ids need not follow order; 0 is one
		f.created++
		f.tabs = append(f.tabs, tab)
		res.Created = true
	}
	if how != zsync.TabMissing || !o.DryRun {
		res.Tab = tab
	}
	return res, nil
}

// rowsOf returns every row of t, appended ones included.
func rowsOf(t *zsync.Table) []zsync.Row {
	var out []zsync.Row
	for i := range t.Len() {
		out = append(out, t.Row(i, nil))
	}
	return out
}

func (f *fakeSink) Tabs(context.Context) ([]zsync.Tab, error) { return slices.Clone(f.tabs), nil }

func (f *fakeSink) LoadState(context.Context) (map[string]zsync.ModuleState, error) {
	out := map[string]zsync.ModuleState{}
	for k, v := range f.states {
		out[k] = v
	}
	return out, nil
}

func (f *fakeSink) SaveState(_ context.Context, st zsync.ModuleState) error {
	if f.states == nil {
		f.states = map[string]zsync.ModuleState{}
	}
	if st.Sheet == "" {
		return errors.New("fake sink: state without a tab title")
	}
	f.states[st.Sheet] = st
	delete(f.states, zsync.LegacyStateKey(st.Module))
	f.saves++
	return nil
}

func rec(id string, mod time.Time) zsync.Record {
	return zsync.Record{ID: id, Modified: mod, Fields: map[string]zsync.Value{"id": id, "Name": "n" + id, "Modified_Time": mod}}
}

func newJob(src *fakeSource, sink *fakeSink, now *time.Time) *zsync.Job {
	cols := []zsync.ColumnSpec{{Header: "Zoho ID", Field: "id"}, {Header: "Name", Field: "Name"}}
	return &zsync.Job{
		Source: src, Sink: sink, Logger: zerolog.Nop(),
		Now: func() time.Time { return *now },
		Modules: []zsync.ModuleJob{
			{Module: "Leads", Sheet: "Leads", Columns: cols, OnDelete: zsync.OnDeleteRemove},
			{Module: "Deals", Sheet: "Deals", Columns: cols, OnDelete: zsync.OnDeleteKeep, FullEvery: 7 * 24 * time.Hour},
		},
	}
}

// synced completes st as a run of newJob's mapping leaves it for the tab
// of st.Module (named like the module): keyed by the tab, with the
// fingerprint of the mapping.
func synced(t *testing.T, st zsync.ModuleState) zsync.ModuleState {
	t.Helper()
	now := t0
	for _, m := range newJob(&fakeSource{}, &fakeSink{}, &now).Modules {
		if m.Module != st.Module {
			continue
		}
		fields, _ := (&fakeSource{}).Fields(context.Background(), m.Module)
		mp, err := zsync.NewMapper(m.Columns, fields)
		if err != nil {
			t.Fatal(err)
		}
		st.Sheet = m.Sheet
		st.Fingerprint = zsync.NewTabSpec(m, mp.Columns(), "", zsync.MarkText).Fingerprint()
		return st
	}
	t.Fatalf("no module %s", st.Module)
	return st
}

// bothTabs are the tabs of newJob's mapping as a first run creates them.
func bothTabs() []zsync.Tab { return []zsync.Tab{{ID: 0, Title: "Leads"}, {ID: 7, Title: "Deals"}} }

func TestJobFirstRunIsFullThenIncremental(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{
		"Leads": {rec("1", t0.Add(-3*time.Hour)), rec("2", t0.Add(-2*time.Hour))},
		"Deals": {rec("9", t0.Add(-time.Hour))},
	}}
	sink := &fakeSink{}
	job := newJob(src, sink, &now)

	sum, err := job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Modules) != 2 || sum.Modules[0].Mode != zsync.ModeFull || sum.Modules[0].Read != 2 {
		t.Fatalf("first run summary = %+v", sum.Modules)
	}
	if !sink.tables[0].Full || sink.tables[0].Len() != 2 {
		t.Fatalf("first Leads table: full=%v rows=%d", sink.tables[0].Full, sink.tables[0].Len())
	}
	if got := sink.states["Leads"].Cursor; !got.Equal(t0.Add(-2 * time.Hour)) {
		t.Fatalf("Leads cursor = %v, want newest Modified_Time", got)
	}
	if !sink.states["Leads"].LastFull.Equal(t0) {
		t.Fatalf("LastFull = %v", sink.states["Leads"].LastFull)
	}

	// Second run: one record modified, one deleted.
	now = t0.Add(24 * time.Hour)
	src.records["Leads"] = append(src.records["Leads"], rec("3", now.Add(-time.Minute)))
	src.deleted = map[string][]zsync.Deletion{"Leads": {{ID: "1", Deleted: now.Add(-time.Minute)}}}
	sum, err = job.Run(context.Background(), zsync.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lead := sum.Modules[0]
	// Record 2 is the cursor record: the overlap window reads it again.
	if lead.Mode != zsync.ModeIncremental || lead.Read != 2 || lead.Deleted != 1 {
		t.Fatalf("incremental Leads summary = %+v", lead)
	}
	wantSince := t0.Add(-2 * time.Hour).Add(-zsync.DefaultOverlap)
	if !lead.Since.Equal(wantSince) || !src.reads[len(src.reads)-2].Since.Equal(wantSince) {
		t.Fatalf("since = %v, want cursor minus overlap %v", lead.Since, wantSince)
	}
	tab := sink.tables[2]
	if rows := rowsOf(tab); tab.Full || !slices.Equal(tab.Deleted, []string{"1"}) || len(rows) != 2 || rows[1].Key != "3" {
		t.Fatalf("incremental table = full %v deleted %v rows %+v", tab.Full, tab.Deleted, rows)
	}
	if got := sink.states["Leads"].Cursor; !got.Equal(now.Add(-time.Minute)) {
		t.Fatalf("cursor after incremental = %v", got)
	}
}

func TestJobModuleFailureDoesNotStopOthersAndKeepsCursor(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{
		"Leads": {rec("1", t0.Add(-time.Hour))},
		"Deals": {rec("9", t0.Add(-time.Hour))},
	}}
	old := zsync.ModuleState{Module: "Leads", Cursor: t0.Add(-48 * time.Hour), LastFull: t0.Add(-48 * time.Hour)}
	sink := &fakeSink{
		tabs:      bothTabs(),
		states:    map[string]zsync.ModuleState{"Leads": synced(t, old)},
		failWrite: map[string]error{"Leads": errors.New("quota")},
	}
	sum, err := newJob(src, sink, &now).Run(context.Background(), zsync.RunOptions{})
	var me *zsync.ModuleError
	if !errors.As(err, &me) || me.Module != "Leads" {
		t.Fatalf("err = %v, want a ModuleError for Leads", err)
	}
	if sum.Modules[1].Err != nil || sink.states["Deals"].LastStatus != "ok" {
		t.Fatalf("Deals should have synced: %+v", sum.Modules[1])
	}
	st := sink.states["Leads"]
	if !st.Cursor.Equal(old.Cursor) || st.LastStatus != "failed" || st.LastError == "" {
		t.Fatalf("failed module state = %+v: cursor must not move, failure recorded", st)
	}
}

// One module feeding two tabs: each failure names its tab, so the user
// can tell which of the two failed (a read error's own text names only the
// module); a tab named after its module stays "module Deals".
func TestJobModuleErrorNamesTheTab(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Deals": {rec("9", t0.Add(-time.Hour))}}}
	sink := &fakeSink{states: map[string]zsync.ModuleState{}, failWrite: map[string]error{
		"Deals":        errors.New("mirror quota"),
		"Deal history": errors.New("history quota"),
	}}
	job := newJob(src, sink, &now)
	mirror := job.Modules[1]
	history := mirror
	history.Sheet = "Deal history"
	job.Modules = []zsync.ModuleJob{mirror, history}
	_, err := job.Run(context.Background(), zsync.RunOptions{})
	if err == nil {
		t.Fatal("both tabs failed, Run returned no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{`module Deals: mirror quota`, `module Deals (tab Deal history): history quota`}
	if !slices.Equal(lines, want) {
		t.Errorf("error lines = %q, want %q", lines, want)
	}
	var me *zsync.ModuleError
	if !errors.As(err, &me) || me.Module != "Deals" || me.Sheet != "Deals" {
		t.Errorf("first ModuleError = %+v, want module Deals, sheet Deals", me)
	}
}

// A long error is cut for the state on a character boundary: a name in
// the message (Zoë, 株式会社) never ends as half a character.
func TestJobFailureTextCutOnCharacter(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0)}}}
	msg := strings.Repeat("x", 480) + strings.Repeat("株", 20)
	sink := &fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{}, failWrite: map[string]error{"Leads": errors.New(msg)}}
	job := newJob(src, sink, &now)
	job.Modules = job.Modules[:1]
	job.Run(context.Background(), zsync.RunOptions{})
	st := sink.states["Leads"]
	if st.LastStatus != "failed" || len(st.LastError) > 500 || len(st.LastError) < 490 || !utf8.ValidString(st.LastError) {
		t.Fatalf("last error %q (%d bytes): want ≤ 500 bytes of whole characters", st.LastError, len(st.LastError))
	}
}

func TestJobReadFailureWritesNothing(t *testing.T) {
	now := t0
	src := &fakeSource{failRead: map[string]error{"Leads": errors.New("boom")}}
	sink := &fakeSink{}
	_, err := newJob(src, sink, &now).Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}})
	if err == nil {
		t.Fatal("want error")
	}
	if len(sink.tables) != 0 {
		t.Fatalf("a failed read must not write: %d upserts", len(sink.tables))
	}
}

func TestJobDryRunWritesNoState(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0)}}}
	sink := &fakeSink{}
	sum, err := newJob(src, sink, &now).Run(context.Background(), zsync.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.DryRun || sink.saves != 0 {
		t.Fatalf("dry run saved state %d times", sink.saves)
	}
	for _, o := range sink.opts {
		if !o.DryRun {
			t.Fatal("upsert not called as a dry run")
		}
	}
}

func TestJobModes(t *testing.T) {
	cursor := t0.Add(-time.Hour)
	cases := []struct {
		name   string
		module string
		state  zsync.ModuleState
		opts   zsync.RunOptions
		want   zsync.Mode
	}{
		{"no cursor is full", "Leads", zsync.ModuleState{}, zsync.RunOptions{}, zsync.ModeFull},
		{"cursor is incremental", "Leads", zsync.ModuleState{Cursor: cursor, LastFull: cursor}, zsync.RunOptions{}, zsync.ModeIncremental},
		{"--full overrides cursor", "Leads", zsync.ModuleState{Cursor: cursor}, zsync.RunOptions{Full: true}, zsync.ModeFull},
		{"--since", "Leads", zsync.ModuleState{Cursor: cursor}, zsync.RunOptions{Since: t0.Add(-100 * time.Hour)}, zsync.ModeSince},
		{"full_every due", "Deals", zsync.ModuleState{Cursor: cursor, LastFull: t0.Add(-8 * 24 * time.Hour)}, zsync.RunOptions{}, zsync.ModeFull},
		{"full_every not due", "Deals", zsync.ModuleState{Cursor: cursor, LastFull: t0.Add(-2 * 24 * time.Hour)}, zsync.RunOptions{}, zsync.ModeIncremental},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := t0
			st := tc.state
			st.Module = tc.module
			sink := &fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{tc.module: synced(t, st)}}
			opts := tc.opts
			opts.Modules = []string{tc.module}
			sum, err := newJob(&fakeSource{}, sink, &now).Run(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := sum.Modules[0].Mode; got != tc.want {
				t.Fatalf("mode = %s, want %s", got, tc.want)
			}
			if got := sink.tables[0].Full; got != (tc.want == zsync.ModeFull) {
				t.Fatalf("table.Full = %v for mode %s", got, tc.want)
			}
		})
	}
}

func TestJobUnknownModuleIsConfigError(t *testing.T) {
	now := t0
	_, err := newJob(&fakeSource{}, &fakeSink{}, &now).Run(context.Background(), zsync.RunOptions{Modules: []string{"Leeds"}})
	var ce *zsync.ConfigError
	if !errors.As(err, &ce) || ce.Key != "Leeds" {
		t.Fatalf("err = %v, want ConfigError naming Leeds", err)
	}
	// A module feeding two tabs is offered once.
	job := newJob(&fakeSource{}, &fakeSink{}, &now)
	job.Modules = append(job.Modules, zsync.ModuleJob{Module: "Leads", Sheet: "Leads (EU)", Columns: job.Modules[0].Columns})
	_, err = job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leeds"}})
	if !errors.As(err, &ce) || !strings.Contains(ce.Hint, "use one of ") ||
		strings.Count(ce.Hint[strings.Index(ce.Hint, "use one of "):], "Leads") != 1 {
		t.Fatalf("err = %v, want each module named once in the hint's list", err)
	}
	if !strings.Contains(ce.Hint, "did you mean Leads?") {
		t.Fatalf("err = %v, want a did you mean for a near miss", err)
	}
}

func TestJobInterruptSkipsRemainingModules(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0)}, "Deals": {rec("2", t0)}}}
	sink := &fakeSink{}
	job := newJob(src, sink, &now)
	interrupt := make(chan struct{})
	job.ModuleDone = func(m zsync.ModuleSummary) {
		if m.Module == "Leads" {
			close(interrupt) // a SIGTERM arrives while Leads is finishing
		}
	}
	sum, err := job.Run(context.Background(), zsync.RunOptions{Interrupt: interrupt})
	if !errors.Is(err, zsync.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if sum.Modules[0].Err != nil || len(sink.tables) != 1 || sink.tables[0].Sheet != "Leads" {
		t.Fatalf("Leads must finish and Deals must not start: %+v, %d upserts", sum.Modules, len(sink.tables))
	}
}

// A --since run that starts after the stored cursor has not read the
// records modified between the cursor and --since: advancing the cursor
// would make every later incremental run skip them.
func TestJobSinceAfterCursorKeepsCursor(t *testing.T) {
	now := t0
	cursor := t0.Add(-48 * time.Hour)
	gap := rec("1", t0.Add(-30*time.Hour)) // modified after the cursor, before --since
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {gap, rec("2", t0.Add(-time.Hour))}}}
	sink := &fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{"Leads": synced(t, zsync.ModuleState{Module: "Leads", Cursor: cursor, LastFull: cursor})}}
	job := newJob(src, sink, &now)
	if _, err := job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}, Since: t0.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := sink.states["Leads"].Cursor; !got.Equal(cursor) {
		t.Fatalf("cursor after --since later than it = %v, want it kept at %v", got, cursor)
	}
	now = t0.Add(time.Hour)
	if _, err := job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}}); err != nil {
		t.Fatal(err)
	}
	last := sink.tables[len(sink.tables)-1]
	if rows := rowsOf(last); len(rows) != 2 || rows[0].Key != "1" {
		t.Fatalf("next incremental run wrote %+v, want record 1 (modified between cursor and --since) too", rows)
	}

	// Never synced: a --since run must leave the first full run to come.
	sink = &fakeSink{}
	job = newJob(src, sink, &now)
	if _, err := job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}, Since: t0.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := sink.states["Leads"].Cursor; !got.IsZero() {
		t.Fatalf("cursor after a --since run on a never-synced module = %v, want none (next run full)", got)
	}

	// A --since at or before the cursor covers everything after it: advance.
	sink = &fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{"Leads": synced(t, zsync.ModuleState{Module: "Leads", Cursor: cursor, LastFull: cursor})}}
	job = newJob(src, sink, &now)
	if _, err := job.Run(context.Background(), zsync.RunOptions{Modules: []string{"Leads"}, Since: cursor.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := sink.states["Leads"].Cursor; !got.Equal(t0.Add(-time.Hour)) {
		t.Fatalf("cursor after --since before it = %v, want newest Modified_Time", got)
	}
}

func TestJobEmptyFullReadDoesNotEmptyTheTab(t *testing.T) {
	now := t0
	lastFull := t0.Add(-8 * 24 * time.Hour)
	src := &fakeSource{
		records: map[string][]zsync.Record{"Leads": nil},
		deleted: map[string][]zsync.Deletion{"Leads": {{ID: "7", Deleted: t0.Add(-time.Hour)}}},
	}
	sink := &fakeSink{tabs: bothTabs(), states: map[string]zsync.ModuleState{
		"Leads": synced(t, zsync.ModuleState{Module: "Leads", Cursor: t0.Add(-time.Hour), LastFull: lastFull, Rows: 120}),
	}}
	_, err := newJob(src, sink, &now).Run(context.Background(), zsync.RunOptions{Full: true, Modules: []string{"Leads"}})
	if err != nil {
		t.Fatal(err)
	}
	tab := sink.tables[0]
	if tab.Full {
		t.Fatal("an empty full read must not reconcile: it would delete every row")
	}
	if !slices.Equal(tab.Deleted, []string{"7"}) || !src.delSince[0].Equal(lastFull) {
		t.Fatalf("deleted = %v since %v, want the records Zoho lists as deleted since the last full run", tab.Deleted, src.delSince)
	}
}

func TestEntryName(t *testing.T) {
	for _, tc := range []struct{ module, sheet, want string }{
		{"Leads", "", "Leads"},
		{"Leads", "Leads", "Leads"},
		{"Deals", "Pipeline history", "Deals (tab Pipeline history)"},
	} {
		if got := zsync.EntryName(tc.module, tc.sheet); got != tc.want {
			t.Errorf("EntryName(%q, %q) = %q, want %q", tc.module, tc.sheet, got, tc.want)
		}
	}
}

// prefetching is a source that reads ahead (see zsync.Prefetcher).
type prefetching struct {
	*fakeSource
	mu        gosync.Mutex
	asked     [][]string
	done      bool // the prefetch finished
	readEarly bool // a module read before it did
}

func (p *prefetching) Prefetch(_ context.Context, reads []zsync.PrefetchRead) {
	time.Sleep(20 * time.Millisecond) // slower than the spreadsheet's answers
	p.mu.Lock()
	defer p.mu.Unlock()
	var tabs []string
	for _, r := range reads {
		tabs = append(tabs, fmt.Sprintf("%s %v %v %v", r.Module, r.Fields, r.Unformatted, r.Links))
	}
	p.asked = append(p.asked, tabs)
	p.done = true
}

func (p *prefetching) Fields(ctx context.Context, module string) ([]zsync.Field, error) {
	p.mu.Lock()
	if !p.done {
		p.readEarly = true
	}
	p.mu.Unlock()
	return p.fakeSource.Fields(ctx, module)
}

// A source that reads ahead is asked once, with what each tab reads (the
// fields its columns start from, those without a format or type, links),
// and the modules run only once it is done.
func TestJobPrefetches(t *testing.T) {
	now := t0
	src := &prefetching{fakeSource: &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0.Add(-time.Hour))}}}}
	sink := &fakeSink{tabs: bothTabs()}
	job := newJob(src.fakeSource, sink, &now)
	job.Source = src
	job.Modules = append(job.Modules, zsync.ModuleJob{Module: "Leads", Sheet: "Leads (copy)", Columns: []zsync.ColumnSpec{
		{Header: "Zoho ID", Field: "id", Link: true}, {Header: "Name", Field: "Name", Type: "text"}}})
	if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Leads [id Name] [id Name] false", "Deals [id Name] [id Name] false",
		"Leads [id Name] [id] true"}}
	if !slices.EqualFunc(src.asked, want, slices.Equal) || src.readEarly {
		t.Errorf("prefetched %q (want %q); a module read before the prefetch finished: %v", src.asked, want, src.readEarly)
	}
}

// interruptingSource asks the run to stop while a module is being read,
// then waits for the read to be abandoned.
type interruptingSource struct {
	*fakeSource
	interrupt chan struct{}
}

func (s *interruptingSource) Records(ctx context.Context, module string, o zsync.ReadOptions) iter.Seq2[zsync.Record, error] {
	return func(yield func(zsync.Record, error) bool) {
		close(s.interrupt) // a SIGTERM arrives mid-read
		<-ctx.Done()
		yield(zsync.Record{}, ctx.Err())
	}
}

// A module abandoned on a requested stop is not a failure: it is logged
// as stopped (warn), never as "module failed", and its state keeps no
// failure.
func TestJobInterruptMidReadIsNoFailure(t *testing.T) {
	now := t0
	src := &interruptingSource{fakeSource: &fakeSource{}, interrupt: make(chan struct{})}
	sink := &fakeSink{states: map[string]zsync.ModuleState{}}
	job := newJob(src.fakeSource, sink, &now)
	job.Source = src
	job.Modules = job.Modules[:1]
	var logs bytes.Buffer
	job.Logger = zerolog.New(&logs)
	_, err := job.Run(context.Background(), zsync.RunOptions{Interrupt: src.interrupt})
	if !errors.Is(err, zsync.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if strings.Contains(logs.String(), "module failed") || !strings.Contains(logs.String(), `"level":"warn","module":"Leads","sheet":"Leads","mode":"full","message":"module stopped on request`) {
		t.Fatalf("want the stop logged as such, not as a failure:\n%s", logs.String())
	}
	if st, ok := sink.states["Leads"]; ok && st.LastStatus == "failed" {
		t.Fatalf("the stop was recorded as a failure: %+v", st)
	}
}
