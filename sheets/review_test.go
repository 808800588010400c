package sheets_test

import (
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
