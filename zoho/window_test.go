package zoho_test

import (
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// TestWindowOnGetRecordsPathReadsChangesOnly: a tab read through Get
// Records (a Tag column) whose incremental read comes as a change window
// (Where, WindowSince) reads the records modified since WindowSince, not
// the whole module on every run.
func TestWindowOnGetRecordsPathReadsChangesOnly(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 3000, "Accounts": 20})
	c := e.client(t)
	e.srv.Advance(time.Hour)
	since := e.srv.Now()
	ids := e.srv.IDs("Deals")
	e.srv.Update("Deals", ids[7], map[string]any{"Deal_Name": "changed"})
	at := "'" + since.UTC().Format("2006-01-02T15:04:05-07:00") + "'"
	e.srv.ResetStats()
	recs := readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name", "Tag", "Account_Name"},
		Where: "(Modified_Time >= " + at + " or Account_Name.Modified_Time >= " + at + ")", WindowSince: since})
	noDupNoGap(t, recs, []string{ids[7]})
	if got := e.srv.Stats().RecordsServed; got > 10 {
		t.Errorf("the emulator served %d records for one change: the whole module was read", got)
	}
}
