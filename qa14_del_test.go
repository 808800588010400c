package main

import (
	"strings"
	"testing"
	"time"
)

func TestQA14TabDeletedBeforeWrite(t *testing.T) {
	for _, path := range []string{":batchUpdate", "values:batchUpdate"} {
		em, cfg := syncedDemo(t, 12, 2)
		cfg = writeMapping(t, addColumns(string(demoMapping), "Email"))
		em.zoho.Advance(time.Hour)
		ran := onBody(em, path, func() { em.sheets.DeleteSheet(em.spreadsheetID, "Leads") }, "Email")
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
		em.sheets.OnRequest(nil)
		if !ran() || code != 0 {
			t.Fatalf("%s: ran %v exit %d\n%s", path, ran(), code, stderr)
		}
		if got := strings.Join(titles(em), ","); got != "Sheet1,Deals,Sync status,Leads" {
			t.Fatalf("tabs %s", got)
		}
		assertLeadsMatchCRM(t, em)
	}
}
