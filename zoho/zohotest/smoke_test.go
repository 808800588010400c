package zohotest

import (
	"net/http"
	"testing"
)

func TestSmoke(t *testing.T) {
	bothModes(t, Options{Seed: 1}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		a := get(t, s, at, "/crm/v8/Leads?"+q("fields", "Full_Name,Email,Owner,Tag,Modified_Time,Annual_Revenue,Languages,Converted__s", "per_page", "3"))
		if a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.body)
		}
		t.Logf("%s", a.body)
		a = get(t, s, at, "/crm/v8/settings/fields?module=Deals")
		if a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.body)
		}
		t.Logf("%.600s", a.body)
	})
}
