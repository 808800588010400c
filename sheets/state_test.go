package sheets_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// A run saves the state LoadState read in one request, without searching
// for its entry again; an entry gone since (or never read) is found or
// made the long way, and nothing is lost.
func TestEmulatorSaveKnownStateInOneRequest(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		ctx := context.Background()
		at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		leads := zsync.ModuleState{Module: "Leads", Sheet: "Leads", Cursor: at, LastStatus: "ok", Rows: 1}
		deals := zsync.ModuleState{Module: "Deals", Sheet: "Deals", Cursor: at, LastStatus: "ok", Rows: 2}
		for _, st := range []zsync.ModuleState{leads, deals} {
			if err := e.ss.SaveState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.ss.LoadState(ctx); err != nil { // a run starts
			t.Fatal(err)
		}
		leads.Cursor, leads.Rows = at.Add(time.Hour), 3
		before := e.srv.Stats()
		if err := e.ss.SaveState(ctx, leads); err != nil {
			t.Fatal(err)
		}
		after := e.srv.Stats()
		if r, w := after.Reads-before.Reads, after.Writes-before.Writes; r != 0 || w != 1 {
			t.Errorf("saving a loaded state took %d reads and %d writes, want 0 and 1", r, w)
		}
		// Deals' entry disappears behind the run's back: the save finds
		// that out from the answer and makes a new entry.
		for _, m := range e.srv.Metadata(e.id) {
			if m.Key == "zoho2sheets.tab.Deals" {
				e.srv.DeleteMetadata(e.id, m.ID)
			}
		}
		deals.Rows = 4
		if err := e.ss.SaveState(ctx, deals); err != nil {
			t.Fatal(err)
		}
		got, err := e.ss.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(map[string]zsync.ModuleState{"Leads": leads, "Deals": deals}, got); d != "" {
			t.Errorf("state (-want +got):\n%s", d)
		}
		// A tab LoadState found no state for: made without a search, and
		// then updated in place, never doubled.
		contacts := zsync.ModuleState{Module: "Contacts", Sheet: "Contacts", Cursor: at, LastStatus: "ok"}
		for i := range 2 {
			contacts.Rows = i
			before := e.srv.Stats()
			if err := e.ss.SaveState(ctx, contacts); err != nil {
				t.Fatal(err)
			}
			after := e.srv.Stats()
			if r, w := after.Reads-before.Reads, after.Writes-before.Writes; r != 0 || w != 1 {
				t.Errorf("save %d of a new tab's state took %d reads and %d writes, want 0 and 1", i+1, r, w)
			}
		}
		n := 0
		for _, m := range e.srv.Metadata(e.id) {
			if m.Key == "zoho2sheets.tab.Contacts" {
				n++
			}
		}
		if got, err = e.ss.LoadState(ctx); err != nil || n != 1 || got["Contacts"] != contacts {
			t.Errorf("%d entries for the new tab, state %+v, %v", n, got["Contacts"], err)
		}
	})
}
