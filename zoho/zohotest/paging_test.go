package zohotest

import (
	"bytes"
	"testing"
)

func TestPagingFaultRepeated(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 5}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		s.InjectFault(Fault{Path: "/crm/v8/users", Paging: PageRepeated, Times: -1})
		first := get(t, s, at, "/crm/v8/users?page=1")
		second := get(t, s, at, "/crm/v8/users?page=2")
		if first.status != 200 || !bytes.Equal(first.body, second.body) {
			t.Fatalf("page 2 is not page 1 again:\n%s\n%s", first.body, second.body)
		}
		info := first.json(t)["info"].(map[string]any)
		if info["more_records"] != true || info["page"] != float64(1) || len(first.json(t)["users"].([]any)) != len(users) {
			t.Fatalf("answer %s, want page 1's %d users with more_records true", first.body, len(users))
		}
		// Another path is served as usual; an error answer passes unchanged.
		if p := get(t, s, at, "/crm/v8/Leads?fields=Last_Name").page(t); p.Info.MoreRecords || len(p.Data) == 0 {
			t.Fatalf("Leads: %+v", p.Info)
		}
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Paging: PageRepeated})
		if a := get(t, s, at, "/crm/v8/Leads"); a.status != 400 || a.code(t) != "REQUIRED_PARAM_MISSING" {
			t.Fatalf("error answer bent: %d %s", a.status, a.body)
		}
	})
}

func TestPagingFaultTokenRepeated(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 30}})
	at := mintToken(t, s)
	s.InjectFault(Fault{Path: "/crm/v8/Leads", Paging: PageTokenRepeated})
	path := "/crm/v8/Leads?fields=Last_Name&per_page=10"
	p1 := get(t, s, at, path).page(t) // no page_token: not matched
	if p1.Info.NextPageToken == nil || s.PendingFaults() != 1 {
		t.Fatalf("page 1: %+v, %d faults pending", p1.Info, s.PendingFaults())
	}
	tok := *p1.Info.NextPageToken
	p2 := get(t, s, at, path+"&page_token="+tok).page(t)
	if p2.Info.NextPageToken == nil || *p2.Info.NextPageToken != tok || !p2.Info.MoreRecords || len(p2.Data) != 10 {
		t.Fatalf("page 2: %+v, want the token sent back", p2.Info)
	}
	if p2.Data[0]["id"] == p1.Data[0]["id"] {
		t.Fatal("page 2 is page 1: the fault must serve the page asked for")
	}
}

func TestPagingFaultEmpty(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 30, "Contacts": 100}})
	at := mintToken(t, s)
	s.InjectFault(Fault{Path: "/crm/v8/Leads", Paging: PageEmpty})
	s.InjectFault(Fault{Path: "/crm/v8/Contacts/deleted", Paging: PageEmpty})
	p := get(t, s, at, "/crm/v8/Leads?fields=Last_Name&per_page=10").page(t)
	if len(p.Data) != 0 || p.Info.Count != 0 || !p.Info.MoreRecords || p.Info.NextPageToken == nil {
		t.Fatalf("Leads: %d rows, info %+v; want none, more_records and a token", len(p.Data), p.Info)
	}
	d := get(t, s, at, "/crm/v8/Contacts/deleted?type=all").page(t)
	if len(d.Data) != 0 || !d.Info.MoreRecords || d.Info.Page != 1 {
		t.Fatalf("deleted: %d rows, info %+v", len(d.Data), d.Info)
	}
	if d := get(t, s, at, "/crm/v8/Contacts/deleted?type=all").page(t); len(d.Data) == 0 || d.Info.MoreRecords {
		t.Fatalf("after the fault: %d rows, info %+v", len(d.Data), d.Info)
	}
}
