package sheets

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func fakeSheet(t testing.TB) (*Spreadsheet, *fakeSheets) {
	t.Helper()
	f := newFake()
	c, _ := stubClient(t, f)
	s, err := c.Open(context.Background(), "sheet123", "")
	if err != nil {
		t.Fatal(err)
	}
	return s, f
}

var testCols = []zsync.Column{
	{Header: "Id", Kind: zsync.KindText},
	{Header: "Name", Kind: zsync.KindText},
	{Header: "Amount", Kind: zsync.KindNumber},
}

func row(id, name string, amt float64) zsync.Row {
	return zsync.Row{Key: id, Cells: []zsync.Cell{zsync.Text(id), zsync.Text(name), zsync.Number(amt)}}
}

func table(rows ...zsync.Row) *zsync.Table {
	return &zsync.Table{Sheet: "Leads", Columns: testCols, Key: 0, Rows: rows}
}

func upsertOK(t *testing.T, s *Spreadsheet, tb *zsync.Table) zsync.UpsertResult {
	t.Helper()
	res, err := s.Upsert(context.Background(), tb, zsync.UpsertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantValues(t *testing.T, f *fakeSheets, want [][]string) {
	t.Helper()
	if d := cmp.Diff(want, f.values("Leads"), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("tab (-want +got):\n%s", d)
	}
}

func TestFakeUpsertCreatesAndIsIdempotent(t *testing.T) {
	s, f := fakeSheet(t)
	res := upsertOK(t, s, table(row("1", "Acme", 10), row("2", "=IMPORTDATA(\"x\")", 20)))
	// the tab, its header style, widths and formats record in one batch; values
	if res.Added != 2 || res.Requests != 2 || res.CellsWritten != 9 {
		t.Errorf("first run %+v", res)
	}
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "10"}, {"2", "=IMPORTDATA(\"x\")", "20"}})
	if f.tab("Leads").props.GridProperties.FrozenRowCount != 1 {
		t.Error("header not frozen")
	}
	w := f.writes
	res = upsertOK(t, s, table(row("1", "Acme", 10), row("2", "=IMPORTDATA(\"x\")", 20)))
	if res.Unchanged != 2 || res.Requests != 0 || f.writes != w {
		t.Errorf("second run %+v, %d writes", res, f.writes-w)
	}
}

func TestFakeUpsertHumanEditsBetweenRuns(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	// A human moves Amount first, adds a Notes column between, sorts descending.
	f.mu.Lock()
	tab := f.tab("Leads")
	for i, r := range tab.cells {
		note := any("note " + r[0].(string))
		if i == 0 {
			note = "Notes"
		}
		tab.cells[i] = []any{r[2], note, r[0], r[1]}
	}
	f.mu.Unlock()
	f.sortRows("Leads", 2, true)
	res := upsertOK(t, s, table(row("2", "B2", 2), row("4", "D", 4)))
	if res.Added != 1 || res.Updated != 1 || res.CellsWritten != 4 {
		t.Errorf("%+v", res)
	}
	wantValues(t, f, [][]string{
		{"Amount", "Notes", "Id", "Name"},
		{"3", "note 3", "3", "C"},
		{"2", "note 2", "2", "B2"},
		{"1", "note 1", "1", "A"},
		{"4", "", "4", "D"},
	})
}

func TestFakeUpsertSortDuringWrite(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	sorted := false
	f.before = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "values:batchUpdate") && !sorted {
			sorted = true
			f.mu.Lock()
			f.sortRows("Leads", 0, true)
			f.mu.Unlock()
		}
	}
	upsertOK(t, s, table(row("1", "A1", 11)))
	if !sorted {
		t.Fatal("hook did not run")
	}
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"3", "C", "3"}, {"2", "B", "2"}, {"1", "A1", "11"}})
}

func TestFakeUpsertDeletes(t *testing.T) {
	seed := func(t *testing.T) (*Spreadsheet, *fakeSheets) {
		s, f := fakeSheet(t)
		upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3), row("4", "D", 4)))
		return s, f
	}
	t.Run("Remove", func(t *testing.T) {
		s, f := seed(t)
		tb := table()
		tb.Deleted = []string{"2", "3", "99"}
		res := upsertOK(t, s, tb)
		if res.Removed != 2 {
			t.Errorf("%+v", res)
		}
		wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"1", "A", "1"}, {"4", "D", "4"}})
	})
	t.Run("Keep", func(t *testing.T) {
		s, f := seed(t)
		tb := table()
		tb.Deleted, tb.OnDelete = []string{"2"}, zsync.OnDeleteKeep
		w := f.writes
		upsertOK(t, s, tb)
		if f.writes != w {
			t.Error("keep wrote")
		}
	})
	t.Run("Mark", func(t *testing.T) {
		s, f := seed(t)
		tb := table()
		tb.Deleted, tb.OnDelete, tb.MarkColumn, tb.MarkText = []string{"2"}, zsync.OnDeleteMark, "Deleted", "deleted in Zoho"
		res := upsertOK(t, s, tb)
		if res.Marked != 1 {
			t.Errorf("%+v", res)
		}
		wantValues(t, f, [][]string{{"Id", "Name", "Amount", "Deleted"}, {"1", "A", "1"}, {"2", "B", "2", "deleted in Zoho"}, {"3", "C", "3"}, {"4", "D", "4"}})
		res = upsertOK(t, s, tb)
		if res.Marked != 0 || res.Requests != 0 {
			t.Errorf("re-mark: %+v", res)
		}
		tb = table(row("2", "B", 2))
		tb.OnDelete, tb.MarkColumn, tb.MarkText = zsync.OnDeleteMark, "Deleted", "deleted in Zoho"
		upsertOK(t, s, tb)
		wantValues(t, f, [][]string{{"Id", "Name", "Amount", "Deleted"}, {"1", "A", "1"}, {"2", "B", "2"}, {"3", "C", "3"}, {"4", "D", "4"}})
	})
	t.Run("Full", func(t *testing.T) {
		s, f := seed(t)
		tb := table(row("1", "A", 1), row("3", "C", 3))
		tb.Full = true
		res := upsertOK(t, s, tb)
		if res.Removed != 2 || res.Unchanged != 2 {
			t.Errorf("%+v", res)
		}
		wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"1", "A", "1"}, {"3", "C", "3"}})
	})
	t.Run("Duplicates", func(t *testing.T) {
		s, f := seed(t)
		f.mu.Lock()
		f.tab("Leads").cells = append(f.tab("Leads").cells, []any{"2", "B copy", 2.0})
		f.tab("Leads").props.GridProperties.RowCount = 10
		f.mu.Unlock()
		upsertOK(t, s, table())
		wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"1", "A", "1"}, {"2", "B", "2"}, {"3", "C", "3"}, {"4", "D", "4"}})
	})
	t.Run("DryRun", func(t *testing.T) {
		s, f := seed(t)
		tb := table(row("5", "E", 5), row("1", "A!", 1))
		tb.Deleted = []string{"2"}
		w := f.writes
		res, err := s.Upsert(context.Background(), tb, zsync.UpsertOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if f.writes != w || res.Added != 1 || res.Updated != 1 || res.Removed != 1 || res.Requests != 0 {
			t.Errorf("%+v, %d writes", res, f.writes-w)
		}
	})
}

func TestFakeDatesAndState(t *testing.T) {
	s, f := fakeSheet(t)
	tb := &zsync.Table{Sheet: "Leads", Key: 0, Columns: []zsync.Column{{Header: "Id"}, {Header: "Closing", Kind: zsync.KindDate}, {Header: "Created", Kind: zsync.KindDateTime}},
		Rows: []zsync.Row{{Key: "1", Cells: []zsync.Cell{zsync.Text("1"), zsync.DateCell(zsync.Date{Year: 2024, Month: 1, Day: 15}), zsync.DateTime(time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC))}}}}
	upsertOK(t, s, tb)
	wantValues(t, f, [][]string{{"Id", "Closing", "Created"}, {"1", "45306", "45306.4375"}})
	if f.tab("Leads").format[[2]int{1, 1}] != "DATE" || f.tab("Leads").format[[2]int{1, 2}] != "DATE_TIME" {
		t.Errorf("formats %v", f.tab("Leads").format)
	}
	st := zsync.ModuleState{Module: "Leads", Sheet: "Leads", Cursor: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), LastStatus: "ok", Rows: 3}
	for range 2 {
		if err := s.SaveState(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		st.Rows++
	}
	got, err := s.LoadState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stateEntries := func() int {
		n := 0
		for _, m := range f.meta {
			if strings.HasPrefix(m.MetadataKey, TabStateKeyPrefix) {
				n++
			}
		}
		return n
	}
	if stateEntries() != 1 || got["Leads"].Rows != 4 || !got["Leads"].Cursor.Equal(st.Cursor) {
		t.Errorf("state %+v, %d entries", got, stateEntries())
	}
	n := len(f.meta)
	if err := s.CheckWritable(context.Background()); err != nil || len(f.meta) != n {
		t.Errorf("check: %v, %d entries", err, len(f.meta))
	}
}
