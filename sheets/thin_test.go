package sheets

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// withKeepAll sets keepAllCells for one test.
func withKeepAll(t *testing.T, n int64) {
	old := keepAllCells
	keepAllCells = n
	t.Cleanup(func() { keepAllCells = old })
}

// A thinned read (large tabs) must plan exactly the writes a whole read
// plans: same results, same cells written, same tab, through full runs,
// incremental runs, deletions removed and marked, a person's column, a
// person's row and a duplicated key.
func TestThinnedReadWritesTheSame(t *testing.T) {
	run := func(t *testing.T) ([]zsync.UpsertResult, [][]string) {
		s, f := fakeSheet(t)
		var res []zsync.UpsertResult
		var rows []zsync.Row
		for i := 1; i <= 20; i++ {
			rows = append(rows, row(fmt.Sprint(i), fmt.Sprintf("name %d", i), float64(i)))
		}
		res = append(res, upsertOK(t, s, table(rows...)))
		f.mu.Lock()
		tab := f.tab("Leads")
		for i := range tab.cells { // a person's column, a Total row, a copy of record 7
			tab.cells[i] = append(tab.cells[i], fmt.Sprintf("note %d", i))
		}
		tab.cells[0][3] = "Notes"
		tab.cells = append(tab.cells, []any{"Total", "", 210.0, "sum"}, []any{"7", "copy", 7.0, "dup"})
		tab.props.GridProperties.RowCount += 2
		f.mu.Unlock()

		inc := table(row("3", "name 3 changed", 3), row("4", "name 4", 40), row("21", "new", 21))
		inc.Deleted = []string{"5", "99"}
		res = append(res, upsertOK(t, s, inc))

		full := table()
		full.Full = true
		for i := 1; i <= 21; i++ {
			if i != 5 && i != 9 {
				full.Append(row(fmt.Sprint(i), fmt.Sprintf("name %d", i), float64(i)))
			}
		}
		res = append(res, upsertOK(t, s, full))

		mark := table(row("2", "name 2 again", 2))
		mark.Deleted, mark.OnDelete, mark.MarkColumn, mark.MarkText = []string{"6"}, zsync.OnDeleteMark, "Gone", "deleted in Zoho"
		res = append(res, upsertOK(t, s, mark))
		res = append(res, upsertOK(t, s, mark)) // nothing left to do
		return res, f.values("Leads")
	}
	wantRes, wantTab := run(t)
	withKeepAll(t, 0)
	gotRes, gotTab := run(t)
	if d := cmp.Diff(wantRes, gotRes); d != "" {
		t.Errorf("results differ (-whole +thinned):\n%s", d)
	}
	if d := cmp.Diff(wantTab, gotTab); d != "" {
		t.Errorf("tabs differ (-whole +thinned):\n%s", d)
	}
	if last := gotRes[len(gotRes)-1]; last.Requests != 0 {
		t.Errorf("a repeated run wrote: %+v", last)
	}
}

// An incremental run holds the key column and the rows it changes, not
// the tab.
func TestThinnedReadHoldsKeysAndChangedRows(t *testing.T) {
	const n = 2000
	var body strings.Builder
	body.WriteString(`{"valueRanges":[{"values":[["Id","Name","Amount","Notes"]`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&body, `,["%d","a rather long name for record number %d",%d,"a note"]`, i, i, i)
	}
	body.WriteString(`]}]}`)
	s, _ := fakeSheet(t)
	tb := table(row("10", "changed", 10), row("11", "a rather long name for record number 11", 11))
	u, err := s.newUpsert(tb, zsync.UpsertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := decodeValueRanges(strings.NewReader(body.String()), 1, u.thinFilter())
	if err != nil {
		t.Fatal(err)
	}
	g := gs[0]
	// Every row keeps its key and the person's note; only record 10 keeps
	// its owned cells (11 is unchanged: matched).
	held := 0
	for i := range g.kinds.len() {
		if g.kinds.at(i) != cellNull {
			held++
		}
	}
	if want := 4 + n*2 + 2; held != want {
		t.Errorf("%d values held, want %d", held, want)
	}
	if g.at(10, 1) != "a rather long name for record number 10" || !g.gone(12, 1) || g.gone(12, 3) || g.at(12, 3) != "a note" {
		t.Errorf("row 10 %v, row 12 %v %v", g.at(10, 1), g.at(12, 1), g.at(12, 3))
	}
	if !g.matched(11) || g.matched(10) || g.matched(12) {
		t.Error("matched rows wrong")
	}
	if max := n*(len("2000")+len("a note")) + 200; len(g.arena) > max {
		t.Errorf("arena holds %d bytes, want at most %d (keys and notes)", len(g.arena), max)
	}
}

// The price of thinning: a value that a person's sort lands on a record
// this incremental run did not read in full is not put back in the same
// run (a warning says so); the next full run rewrites it.
func TestThinnedReadSortDuringWrite(t *testing.T) {
	withKeepAll(t, 0)
	var logs bytes.Buffer
	f := newFake()
	c, _ := stubClient(t, f, WithLogger(zerolog.New(&logs)))
	s, err := c.Open(t.Context(), "sheet123", "")
	if err != nil {
		t.Fatal(err)
	}
	upsertOK(t, s, table(row("1", "A", 1), row("2", "B", 2), row("3", "C", 3)))
	done := onceBefore(f, "values:batchUpdate", func() { f.sortRows("Leads", 0, true) })
	upsertOK(t, s, table(row("1", "A1", 11)))
	if !*done {
		t.Fatal("hook did not run")
	}
	if !strings.Contains(logs.String(), "put right by the next full run") {
		t.Errorf("no warning:\n%s", logs.String())
	}
	full := table(row("1", "A1", 11), row("2", "B", 2), row("3", "C", 3))
	full.Full = true
	upsertOK(t, s, full)
	wantValues(t, f, [][]string{{"Id", "Name", "Amount"}, {"3", "C", "3"}, {"2", "B", "2"}, {"1", "A1", "11"}})
}
