package zoho_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// Over 50 columns (two COQL passes merged by id), with a filter: answers
// cut half-way in either pass, in a full and an incremental read, still
// give every record once with every field.
func TestQA14SplitPassesCutMidPage(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 2100, "Accounts": 20, "Contacts": 20, "Deals": 20})
	c := e.client(t)
	fields, err := c.Fields(context.Background(), "Leads")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, f := range fields {
		if f.APIName != "Tag" {
			all = append(all, f.APIName)
		}
	}
	all = append(all, "Converted_Account.Industry", "Converted_Contact.Email", "Converted_Deal.Deal_Name",
		"Converted_Deal.Amount", "Converted_Contact.Last_Name", "Converted_Account.Account_Name")
	if len(all) <= 52 {
		t.Fatalf("only %d fields: the test needs two passes", len(all))
	}
	last := all[len(all)-1] // read by the second pass
	opts := zsync.ReadOptions{Fields: all, Where: "Last_Name is not null"}
	cut := func() {
		// The first page of each pass, and the second page of the first.
		for _, after := range []int{0, 1, 2} {
			e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Leads ", After: after, CutBody: true})
		}
	}
	want := map[string]string{}
	for _, r := range readAll(t, c, "Leads", opts) {
		want[r.ID] = fmt.Sprint(r.Fields[last])
	}
	cut()
	got := readAll(t, c, "Leads", opts)
	noDupNoGap(t, got, e.srv.IDs("Leads"))
	filled := 0
	for _, r := range got {
		if v := fmt.Sprint(r.Fields[last]); v != want[r.ID] {
			t.Fatalf("lead %s %s = %s, read without cuts %s", r.ID, last, v, want[r.ID])
		} else if r.Fields[last] != nil {
			filled++
		}
	}
	if filled == 0 {
		t.Fatalf("no lead has %s", last)
	}
	if n := e.srv.PendingFaults(); n != 0 {
		t.Fatalf("%d cuts not met", n)
	}
	e.srv.Advance(time.Hour)
	since := e.srv.Now()
	ids := e.srv.IDs("Leads")[:2050]
	for _, id := range ids {
		e.srv.Update("Leads", id, map[string]any{"Company": "Cut " + id})
	}
	cut()
	opts.Since = since
	got = readAll(t, c, "Leads", opts)
	noDupNoGap(t, got, ids)
	for _, r := range got {
		if r.Fields["Company"] != "Cut "+r.ID {
			t.Fatalf("lead %s company %v", r.ID, r.Fields["Company"])
		}
	}
}
