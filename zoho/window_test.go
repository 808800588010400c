package zoho_test

import (
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// TestWindowOnGetRecordsPath: a tab read through Get Records (a Tag
// column) whose incremental read is a change window (Where, WindowSince)
// reads the deals changed since the window and those whose account
// changed, every field filled, without reading the whole module.
func TestWindowOnGetRecordsPath(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 3000, "Accounts": 40})
	c := e.client(t)
	e.srv.Advance(time.Hour)
	since := e.srv.Now()
	ids := e.srv.IDs("Deals")
	e.srv.Update("Deals", ids[7], map[string]any{"Deal_Name": "changed"})
	acct := e.srv.IDs("Accounts")[3]
	e.srv.Update("Accounts", acct, map[string]any{"Account_Name": "Renamed GmbH"})
	want := []string{ids[7]}
	for _, id := range ids {
		d, _ := e.srv.Record("Deals", id)
		if a, ok := d["Account_Name"].(map[string]any); ok && a["id"] == acct && id != ids[7] {
			want = append(want, id)
		}
	}
	if len(want) < 2 {
		t.Fatal("the account has no deal")
	}
	at := "'" + since.UTC().Format("2006-01-02T15:04:05-07:00") + "'"
	e.srv.ResetStats()
	recs := readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name", "Tag", "Account_Name"},
		Where: "(Modified_Time >= " + at + " or Account_Name.Modified_Time >= " + at + ")", WindowSince: since})
	noDupNoGap(t, recs, want)
	for _, r := range recs {
		d, _ := e.srv.Record("Deals", r.ID)
		if r.Fields["Deal_Name"] != d["Deal_Name"] || r.Fields["Deal_Name"] == nil {
			t.Errorf("deal %s: Deal_Name %v, want %v", r.ID, r.Fields["Deal_Name"], d["Deal_Name"])
		}
		if l, _ := r.Fields["Account_Name"].(zsync.Lookup); r.ID != ids[7] && l.Name != "Renamed GmbH" {
			t.Errorf("deal %s: Account_Name %+v, want the new name", r.ID, r.Fields["Account_Name"])
		}
		if _, ok := r.Fields["Tag"]; !ok {
			t.Errorf("deal %s has no Tag", r.ID)
		}
	}
	if got := e.srv.Stats().RecordsServed; got > 3*len(want) {
		t.Errorf("the emulator served %d records for %d in the window: the whole module was read", got, len(want))
	}
}
