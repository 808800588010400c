package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// onceBefore runs f (under the fake's lock) before the first request whose
// path ends in suffix.
func onceBefore(fk *fakeSheets, suffix string, f func()) *bool {
	done := new(bool)
	fk.before = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, suffix) && !*done {
			*done = true
			fk.mu.Lock()
			f()
			fk.mu.Unlock()
		}
	}
	return done
}

func TestFakeInsertRowsDuringWrite(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	done := onceBefore(f, "values:batchUpdate", func() {
		tab := f.tab("Leads")
		tab.cells = append(tab.cells[:1], append([][]any{nil, nil}, tab.cells[1:]...)...)
		tab.props.GridProperties.RowCount += 2
	})
	upsertOK(t, s, table(row("1", "A1", 11), row("2", "B", 22)))
	if !*done {
		t.Fatal("hook did not run")
	}
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {}, {}, {"1", "A1", "11"}, {"2", "B", "22"}, {"3", "C", "3"}})
}

func TestFakeMoveColumnDuringWrite(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2)))
	done := onceBefore(f, "values:batchUpdate", func() {
		for i, r := range f.tab("Leads").cells { // swap Name and Amount
			f.tab("Leads").cells[i] = []any{r[0], r[2], r[1]}
		}
	})
	upsertOK(t, s, table(row("1", "A", 100)))
	if !*done {
		t.Fatal("hook did not run")
	}
	wantValues(t, f, [][]string{{"Id", "Amount", "Name"}, {"1", "100", "A"}, {"2", "2", "B"}})
}

func TestFakeSortBeforeDelete(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	f.mu.Lock()
	for i, r := range f.tab("Leads").cells { // a human's column
		f.tab("Leads").cells[i] = append(r, fmt.Sprintf("human %d", i))
	}
	f.tab("Leads").cells[0][3] = "Notes"
	f.mu.Unlock()
	done := onceBefore(f, ":batchUpdate", func() { f.sortRows("Leads", 0, true) })
	tb := table()
	tb.Deleted = []string{"1"}
	upsertOK(t, s, tb)
	if !*done {
		t.Fatal("hook did not run")
	}
	got := f.values("Leads")
	want := map[string]bool{"2 B 2 human 2": true, "3 C 3 human 3": true}
	if len(got) != 3 {
		t.Fatalf("tab %v", got)
	}
	for _, r := range got[1:] {
		if !want[strings.Join(r, " ")] {
			t.Errorf("row %v: the wrong record was deleted and not put back", r)
		}
	}
}

func TestFakeTruncationLogsNoText(t *testing.T) {
	f := newFake()
	var logs bytes.Buffer
	c, _ := stubClient(t, f, WithLogger(zerolog.New(&logs)))
	s, err := c.Open(context.Background(), "sheet123", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	secret := "SECRET-NOTE-" + strings.Repeat("x", MaxCellChars)
	upsertOK(t, s, table(row("1", secret, 1)))
	v := f.values("Leads")[1][1]
	if !strings.HasSuffix(v, TruncatedMarker) || len([]rune(v)) != MaxCellChars {
		t.Errorf("cell has %d chars", len([]rune(v)))
	}
	mustContain(t, logs.String(), "truncated", `"key":"1"`, `"column":"Name"`)
	if strings.Contains(logs.String(), "SECRET-NOTE") {
		t.Error("log contains the cell text")
	}
}

func TestFakeCellLimit(t *testing.T) {
	s, f := fakeSheet(t)
	f.mu.Lock()
	f.addTab("Big", 999_000, 10)
	f.mu.Unlock()
	var rows []zsync.Row
	for i := range 5000 {
		rows = append(rows, row(fmt.Sprint(i), "n", 1))
	}
	w := f.writes
	_, err := s.Upsert(context.Background(), table(rows...), zsync.UpsertOptions{})
	var he zsync.HintError
	if err == nil || !errors.As(err, &he) || !strings.Contains(err.Error(), "10000000") {
		t.Fatalf("got %v", err)
	}
	mustContain(t, he.Hint(), "another spreadsheet")
	if f.writes != w {
		t.Error("wrote before failing")
	}
}

func TestFakeTokenNeverLogged(t *testing.T) {
	f := newFake()
	var logs bytes.Buffer
	c, _ := stubClientAuth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, 503, "UNAVAILABLE", "backendError", "busy")
	}), WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ya29.SECRET"})), WithLogger(zerolog.New(&logs)), WithMaxRetries(1))
	_, err := c.Open(context.Background(), "sheet123", "")
	if err == nil {
		t.Fatal("no error")
	}
	_ = f
	if strings.Contains(logs.String()+err.Error(), "ya29.SECRET") {
		t.Error("token leaked")
	}
}

func TestFakeUpsertRecoversFromQuotaAndServerErrors(t *testing.T) {
	f := newFake()
	c, sl := stubClient(t, f)
	s, err := c.Open(context.Background(), "sheet123", "")
	if err != nil {
		t.Fatal(err)
	}
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	f.faults = []fakeFault{{suffix: "values:batchUpdate", status: 429}, {suffix: "values:batchGet", status: 503}, {suffix: "values:batchUpdate", status: 500}}
	res := upsertOK(t, s, table(row("1", "A", 10), row("4", "D", 4)))
	if res.Added != 1 || res.Updated != 1 {
		t.Errorf("%+v", res)
	}
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"1", "A", "10"}, {"2", "B", "2"}, {"3", "C", "3"}, {"4", "D", "4"}})
	if len(sl.all()) != 3 || c.Stats().Retries != 3 {
		t.Errorf("sleeps %v, stats %+v", sl.all(), c.Stats())
	}
}

func TestFakeAmbiguousStructuralWriteIsCheckedNotRepeated(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3), row("4", "D", 4)))
	// The deletion batch is applied, but the answer is a 500: a blind retry
	// would delete two more rows.
	f.faults = []fakeFault{{suffix: ":batchUpdate", status: 500, after: true}}
	tb := table(row("5", "E", 5))
	tb.Deleted = []string{"1", "2"}
	res := upsertOK(t, s, tb)
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"3", "C", "3"}, {"4", "D", "4"}, {"5", "E", "5"}})
	if res.Added != 1 {
		t.Errorf("%+v", res)
	}
}

func TestFakeSaveStateAmbiguousCreate(t *testing.T) {
	s, f := fakeSheet(t)
	f.faults = []fakeFault{{suffix: ":batchUpdate", status: 502, after: true}}
	if err := s.SaveState(context.Background(), zsync.ModuleState{Module: "Deals", Sheet: "Deals", Rows: 1}); err != nil {
		t.Fatal(err)
	}
	if len(f.meta) != 1 {
		t.Errorf("%d metadata entries, want 1", len(f.meta))
	}
}

func TestFakeSortBetweenReadAndWriteReplans(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	gets := 0
	f.before = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "values:batchGet") {
			gets++
			if gets == 2 { // the check right before writing
				f.mu.Lock()
				f.sortRows("Leads", 0, true)
				f.mu.Unlock()
			}
		}
	}
	upsertOK(t, s, table(row("1", "A1", 11)))
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"3", "C", "3"}, {"2", "B", "2"}, {"1", "A1", "11"}})
	if gets < 4 {
		t.Errorf("%d reads: the plan was not redone", gets)
	}
}

func TestFakeMissingKeyColumnRefuses(t *testing.T) {
	s, f := fakeSheet(t)
	upsertOK(t, s, table(row("1", "A", 1)))
	f.mu.Lock()
	f.tab("Leads").cells[0][0] = "Record"
	f.mu.Unlock()
	w := f.writes
	_, err := s.Upsert(context.Background(), table(row("1", "A", 1)), zsync.UpsertOptions{})
	if err == nil || zsync.Hint(err) == "" || f.writes != w {
		t.Fatalf("got %v, %d writes", err, f.writes-w)
	}
	mustContain(t, err.Error(), `no key column "Id"`)
	// The header may have changed in the tab or in the mapping: the fix
	// says both.
	mustContain(t, zsync.Hint(err), `"Id"`, "mapping.yaml", "rename it in the tab too")
}

func TestFakeDryRunOnMissingTab(t *testing.T) {
	s, f := fakeSheet(t)
	res, err := s.Upsert(context.Background(), table(row("1", "A", 1)), zsync.UpsertOptions{DryRun: true})
	if err != nil || res.Added != 1 || f.writes != 0 || len(f.tabs) != 0 {
		t.Errorf("%+v %v, %d writes", res, err, f.writes)
	}
}

func TestFakeConcurrentTabs(t *testing.T) {
	s, f := fakeSheet(t)
	errs := make(chan error, 4)
	for i := range 4 {
		go func() {
			tb := table(row("1", "A", float64(i)))
			tb.Sheet = fmt.Sprintf("Tab%d", i)
			_, err := s.Upsert(context.Background(), tb, zsync.UpsertOptions{})
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if len(f.tabs) != 4 || s.Stats().CellsWritten != 4*6 {
		t.Errorf("%d tabs, stats %+v", len(f.tabs), s.Stats())
	}
}
