package sheets_test

import (
	"errors"
	"strings"

	"github.com/google/go-cmp/cmp"

	"context"
	"time"

	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// A human retypes a long Zoho id into the key column: Sheets stores it as a
// number that lost its last digits. The record must keep its row (and the
// human's note on it), the key must go back to the exact text, and no
// duplicate row may appear.
func TestEmulatorKeyTypedAsNumber(t *testing.T) {
	for _, full := range []bool{false, true} {
		e := newEnv(t, envOpt{noListener: true})
		e.upsert(t, tbl(rec("4150868000000224005", "Acme", 10), rec("2", "Beta", 20)))
		e.srv.InsertColumn(e.id, "Leads", 3, "Notes")
		e.srv.SetCell(e.id, "Leads", 1, 3, "call back")
		e.srv.SetCell(e.id, "Leads", 1, 0, "4150868000000224005") // typed: becomes a number
		if c := e.srv.Cell(e.id, "Leads", 1, 0); c.Value == "4150868000000224005" {
			t.Fatalf("emulator kept the typed id as text: %#v", c)
		}
		tb := tbl(rec("4150868000000224005", "Acme", 11), rec("2", "Beta", 20))
		if !full {
			// An incremental run cannot tell which record the number was
			// (the table holds only changed records): it must neither
			// write onto that row nor remove it.
			e.upsert(t, tb)
			got := e.text("Leads")
			if len(got) != 4 || got[1][1] != "Acme" || got[1][2] != "10" || got[1][3] != "call back" {
				t.Fatalf("incremental run touched the human's row:\n%s", e.srv.Table(e.id, "Leads"))
			}
		}
		tb.Full = true
		e.upsert(t, tb)
		e.want(t, [][]string{{"Id", "Name", "Amount", "Notes"}, {"4150868000000224005", "Acme", "11", "call back"}, {"2", "Beta", "20"}})
		if c := e.srv.Cell(e.id, "Leads", 1, 0); c.Value != "4150868000000224005" {
			t.Errorf("full=%v: key left as %#v", full, c.Value)
		}
	}
}

var _ = zsync.KindText

// Two records whose ids share their first 15 digits: a number typed for
// one of them cannot be told apart, so a full run neither guesses nor
// removes the human's row.
func TestEmulatorKeyTypedAsNumberAmbiguous(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, tbl(rec("4150868000000224005", "Acme", 10), rec("4150868000000224007", "Beta", 20)))
	e.srv.InsertColumn(e.id, "Leads", 3, "Notes")
	e.srv.SetCell(e.id, "Leads", 1, 3, "call back")
	e.srv.SetCell(e.id, "Leads", 1, 0, "4150868000000224005")
	tb := tbl(rec("4150868000000224005", "Acme", 11), rec("4150868000000224007", "Beta", 21))
	tb.Full = true
	e.upsert(t, tb)
	got := e.text("Leads")
	if len(got) != 4 || got[1][1] != "Acme" || got[1][2] != "10" || got[1][3] != "call back" {
		t.Fatalf("full run guessed or removed the ambiguous row:\n%s", e.srv.Table(e.id, "Leads"))
	}
	if r := e.records(t, "Leads"); r["4150868000000224005"]["Amount"] != "11" || r["4150868000000224007"]["Amount"] != "21" {
		t.Errorf("records: %v", r)
	}
}

// A record added without a closing date gets one later: the cell, written
// as a serial number, must show as a date, not as 45306.
func TestEmulatorDateFilledLaterIsADate(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	dcols := []zsync.Column{{Header: "Id"}, {Header: "Closing", Kind: zsync.KindDate}, {Header: "Modified", Kind: zsync.KindDateTime}}
	tb := &zsync.Table{Sheet: "Deals", Columns: dcols, Rows: []zsync.Row{
		{Key: "1", Cells: []zsync.Cell{zsync.Text("1"), {}, {}}},
	}}
	if _, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	tb.Rows[0].Cells = []zsync.Cell{zsync.Text("1"), zsync.DateCell(zsync.Date{Year: 2024, Month: 1, Day: 15}),
		zsync.DateTime(time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC))}
	if _, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if c := e.srv.Cell(e.id, "Deals", 1, 1); !c.IsDate() || c.Formatted != "2024-01-15" {
		t.Errorf("date filled later: %+v", c)
	}
	if c := e.srv.Cell(e.id, "Deals", 1, 2); !c.IsDate() || c.Formatted != "2024-01-15 11:30:00" {
		t.Errorf("datetime filled later: %+v", c)
	}
	// A human's own date format on a cell is kept.
	e.srv.SetCell(e.id, "Deals", 1, 1, nil)
	tb.Rows[0].Cells[1] = zsync.DateCell(zsync.Date{Year: 2024, Month: 1, Day: 16})
	if _, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	if c := e.srv.Cell(e.id, "Deals", 1, 1); !c.IsDate() || c.Formatted != "2024-01-16" {
		t.Errorf("date after a human cleared it: %+v", c)
	}
}

// A human adds a column of their own whose header is the same as one the
// mapping owns ("ID" for their row numbers, "amount" for a forecast):
// the sync cannot tell which column is its own, so it must stop with a
// hint rather than take the human's column for the key (removing every
// row in a full run) or overwrite the human's values.
func TestEmulatorDuplicateOwnedHeader(t *testing.T) {
	for _, c := range []struct{ hdr, val string }{{"ID", "7"}, {"amount", "999"}} {
		e := newEnv(t, envOpt{noListener: true})
		e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
		e.srv.InsertColumn(e.id, "Leads", 0, c.hdr)
		e.srv.SetCell(e.id, "Leads", 1, 0, c.val)
		e.srv.SetCell(e.id, "Leads", 2, 0, c.val)
		before := e.text("Leads")
		tb := tbl(rec("1", "Acme", 11), rec("2", "Beta", 20))
		tb.Full = true
		_, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{})
		var he zsync.HintError
		if err == nil || !errors.As(err, &he) || !strings.Contains(err.Error(), c.hdr) {
			t.Errorf("%s: err = %v, want a hint naming the duplicate header", c.hdr, err)
		}
		if d := cmp.Diff(before, e.text("Leads")); d != "" {
			t.Errorf("%s: the tab changed:\n%s\n%s", c.hdr, d, e.srv.Table(e.id, "Leads"))
		}
	}
}

// A human adds a "Total" row (and two rows keyed by a note) under the
// records: a full reconcile removes rows of records gone from Zoho, never a
// row whose key cannot be a record id.
func TestEmulatorFullRunKeepsHumanRows(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
	e.srv.InsertRows(e.id, "Leads", 3, 3)
	e.srv.SetCell(e.id, "Leads", 3, 0, "Total")
	e.srv.SetCell(e.id, "Leads", 3, 2, 30.0)
	e.srv.SetCell(e.id, "Leads", 4, 0, "see notes")
	e.srv.SetCell(e.id, "Leads", 5, 0, "see notes")
	tb := tbl(rec("1", "Acme", 10))
	tb.Full = true
	e.upsert(t, tb)
	e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Acme", "10"}, {"Total", "", "30"}, {"see notes"}, {"see notes"}})
}

// An empty value clears the cell: a lookup changed to a record without a
// name never keeps showing the old record's name.
func TestEmulatorEmptyCellOverwritesOldName(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, tbl(rec("1", "Acme", 10)))
	r1 := rec("1", "", 11)
	r1.Cells[1] = zsync.Cell{}
	r2 := rec("2", "", 20)
	r2.Cells[1] = zsync.Cell{}
	res := e.upsert(t, tbl(r1, r2))
	e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "", "11"}, {"2", "", "20"}})
	if res.Updated != 1 || res.Added != 1 {
		t.Fatalf("result = %+v", res)
	}
}
