package zohotest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGetRecordsRejectsLikeZoho(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 30, "Deals": 3}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		first := get(t, s, at, "/crm/v8/Leads?"+q("fields", "Last_Name", "per_page", "10")).page(t)
		tok := *first.Info.NextPageToken
		for _, tc := range []struct {
			name, path string
			status     int
			code       string
			details    map[string]any
		}{
			{"fields missing", "/crm/v8/Leads", 400, "REQUIRED_PARAM_MISSING", map[string]any{"param": "fields"}},
			{"fields empty", "/crm/v8/Leads?fields=", 400, "REQUIRED_PARAM_MISSING", nil},
			{"51 fields", "/crm/v8/Leads?fields=" + fieldsList(51), 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(50), "param": "fields"}},
			{"unknown field", "/crm/v8/Leads?fields=Last_Name,Nope", 400, "INVALID_DATA", map[string]any{"api_name": "Nope"}},
			{"per_page 201", "/crm/v8/Leads?fields=Last_Name&per_page=201", 400, "INVALID_DATA", map[string]any{"param": "per_page"}},
			{"per_page 0", "/crm/v8/Leads?fields=Last_Name&per_page=0", 400, "INVALID_DATA", nil},
			{"page 0", "/crm/v8/Leads?fields=Last_Name&page=0", 400, "INVALID_DATA", map[string]any{"param": "page"}},
			{"page 11 of 200", "/crm/v8/Leads?fields=Last_Name&page=11&per_page=200", 400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", map[string]any{"limit": float64(2000)}},
			{"page 21 of 100", "/crm/v8/Leads?fields=Last_Name&page=21&per_page=100", 400, "DISCRETE_PAGINATION_LIMIT_EXCEEDED", nil},
			{"page and page_token", "/crm/v8/Leads?" + q("fields", "Last_Name", "per_page", "10", "page", "2", "page_token", tok), 400, "AMBIGUITY_DURING_PROCESSING", nil},
			{"token with other fields", "/crm/v8/Leads?" + q("fields", "Last_Name,Email", "per_page", "10", "page_token", tok), 400, "TOKEN_BOUND_DATA_MISMATCH", nil},
			{"token with other per_page", "/crm/v8/Leads?" + q("fields", "Last_Name", "per_page", "20", "page_token", tok), 400, "TOKEN_BOUND_DATA_MISMATCH", nil},
			{"token with a new sort", "/crm/v8/Leads?" + q("fields", "Last_Name", "per_page", "10", "sort_by", "Modified_Time", "page_token", tok), 400, "TOKEN_BOUND_DATA_MISMATCH", nil},
			{"token of another module", "/crm/v8/Deals?" + q("fields", "Last_Name", "per_page", "10", "page_token", tok), 400, "INVALID_DATA", nil},
			{"forged token", "/crm/v8/Leads?" + q("fields", "Last_Name", "per_page", "10", "page_token", "abc"), 400, "INVALID_DATA", map[string]any{"param": "page_token"}},
			{"sort_by a field", "/crm/v8/Leads?fields=Last_Name&sort_by=Last_Name", 400, "INVALID_DATA", map[string]any{"param": "sort_by"}},
			{"sort_order up", "/crm/v8/Leads?fields=Last_Name&sort_order=up", 400, "INVALID_DATA", map[string]any{"param": "sort_order"}},
			{"converted yes", "/crm/v8/Leads?fields=Last_Name&converted=yes", 400, "INVALID_DATA", map[string]any{"param": "converted"}},
			{"cvid", "/crm/v8/Leads?fields=Last_Name&cvid=123", 400, "INVALID_DATA", nil},
			{"If-Modified-Since without offset", "/crm/v8/Leads?fields=Last_Name", 400, "INVALID_DATA", nil},
			{"unknown module", "/crm/v8/Leadz?fields=Last_Name", 400, "INVALID_MODULE", nil},
			{"module name case", "/crm/v8/leads?fields=Last_Name", 400, "INVALID_MODULE", nil},
			{"api-unsupported module", "/crm/v8/Visits?fields=Visitor_Name", 400, "INVALID_MODULE", nil},
			{"Notes (admins only)", "/crm/v8/Notes?fields=Note_Title", 403, "NOT_SUPPORTED", nil},
			{"older API version", "/crm/v2/Leads?fields=Last_Name", 404, "INVALID_URL_PATTERN", nil},
			{"deep path", "/crm/v8/Leads/1/2/3", 404, "INVALID_URL_PATTERN", nil},
			{"fields of no module", "/crm/v8/settings/fields", 400, "REQUIRED_PARAM_MISSING", map[string]any{"param": "module"}},
			{"fields of a bad module", "/crm/v8/settings/fields?module=Nope", 400, "INVALID_MODULE", nil},
			{"deleted type", "/crm/v8/Leads/deleted?type=trash", 400, "PATTERN_NOT_MATCHED", nil},
			{"non-numeric id", "/crm/v8/Leads/abc", 400, "INVALID_DATA", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var hdr []string
				if strings.HasPrefix(tc.name, "If-Modified-Since") {
					hdr = []string{"If-Modified-Since", "2026-01-01T00:00:00"}
				}
				a := get(t, s, at, tc.path, hdr...)
				if a.status != tc.status || a.code(t) != tc.code {
					t.Fatalf("%d %s, want %d %s", a.status, a.body, tc.status, tc.code)
				}
				body := a.json(t)
				if body["status"] != "error" || body["message"] == "" {
					t.Fatalf("envelope %v", body)
				}
				d, _ := body["details"].(map[string]any)
				for k, v := range tc.details {
					if !equalJSON(d[k], v) {
						t.Fatalf("details %v, want %s=%v", d, k, v)
					}
				}
			})
		}
		if got := s.Stats().Codes["DISCRETE_PAGINATION_LIMIT_EXCEEDED"]; got != 2 {
			t.Fatalf("Stats.Codes counted %d DISCRETE_PAGINATION_LIMIT_EXCEEDED, want 2", got)
		}
	})
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestDiscretePaginationBodyIsZohosLiveBody(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 1}})
	a := get(t, s, mintToken(t, s), "/crm/v8/Leads?fields=Last_Name&page=11")
	want := `{"code":"DISCRETE_PAGINATION_LIMIT_EXCEEDED","details":{"limit":2000},"message":"You can only get the first 2000 records without using page_token param","status":"error"}`
	if a.status != 400 || string(a.body) != want {
		t.Fatalf("%d %s\nwant 400 %s", a.status, a.body, want)
	}
}

// readAllPages follows page_token from page 1 and returns the ids in order.
func readAllPages(t testing.TB, s *Server, at, module, query string, each func(pageNo int)) []string {
	t.Helper()
	var ids []string
	a := get(t, s, at, "/crm/v8/"+module+"?"+query+"&page=1")
	for n := 1; ; n++ {
		if a.status == http.StatusNoContent {
			return ids
		}
		p := a.page(t)
		if p.Info.Count != len(p.Data) {
			t.Fatalf("page %d: info.count %d for %d records", n, p.Info.Count, len(p.Data))
		}
		for _, r := range p.Data {
			ids = append(ids, r["id"].(string))
		}
		if each != nil {
			each(n)
		}
		if !p.Info.MoreRecords {
			if p.Info.NextPageToken != nil {
				t.Fatalf("page %d: a next_page_token without more_records", n)
			}
			return ids
		}
		if p.Info.NextPageToken == nil {
			t.Fatalf("page %d: more_records without next_page_token", n)
		}
		a = get(t, s, at, "/crm/v8/"+module+"?"+query+"&page_token="+*p.Info.NextPageToken)
	}
}

func TestPageTokenPastTwoThousandNoGapNoDuplicate(t *testing.T) {
	bothModes(t, Options{Seed: 3, Records: map[string]int{"Deals": 2345}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		for _, order := range []string{"asc", "desc"} {
			for _, by := range []string{"id", "Modified_Time", "Created_Time"} {
				t.Run(by+" "+order, func(t *testing.T) {
					ids := readAllPages(t, s, at, "Deals", q("fields", "Deal_Name,Modified_Time", "sort_by", by, "sort_order", order), nil)
					want := s.IDs("Deals")
					got := slices.Clone(ids)
					slices.Sort(got)
					if len(ids) != 2345 || !slices.Equal(got, want) {
						t.Fatalf("read %d ids (%d distinct), want each of %d once", len(ids), len(slices.Compact(got)), len(want))
					}
				})
			}
		}
	})
}

func TestPageTokenChainIsStableWhileRecordsChange(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 9, Records: map[string]int{"Leads": 900}})
	at := mintToken(t, s)
	before := s.IDs("Leads")
	var created []string
	query := q("fields", "Last_Name,Modified_Time", "sort_by", "Modified_Time", "sort_order", "asc", "converted", "both", "per_page", "100")
	ids := readAllPages(t, s, at, "Leads", query, func(n int) {
		// Between pages the CRM moves on: records are modified (so they
		// would jump to the end of a Modified_Time order), created and deleted.
		s.Advance(time.Minute)
		all := s.IDs("Leads")
		s.Update("Leads", all[n*7], map[string]any{"Last_Name": "moved"})
		s.Update("Leads", all[len(all)-n], map[string]any{"Last_Name": "moved too"})
		created = append(created, s.Create("Leads", map[string]any{"Last_Name": "new"}))
		s.Delete("Leads", all[n*13])
	})
	got := slices.Clone(ids)
	slices.Sort(got)
	if !slices.Equal(got, before) {
		t.Fatalf("chain read %d ids (%d distinct); want exactly the %d records of its start", len(ids), len(slices.Compact(got)), len(before))
	}
	// A new read sees the changes.
	after := readAllPages(t, s, at, "Leads", query, nil)
	if len(after) != len(before) || !slices.Contains(after, created[0]) {
		t.Fatalf("fresh read: %d records, created %v included: %t", len(after), created[0], slices.Contains(after, created[0]))
	}
}

func TestSortOrderAndTies(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 5, Records: map[string]int{"Accounts": 600}})
	at := mintToken(t, s)
	a := get(t, s, at, "/crm/v8/Accounts?fields=Modified_Time&sort_by=Modified_Time&sort_order=asc&per_page=200&page=3").page(t)
	if a.Info.SortBy != "Modified_Time" || a.Info.SortOrder != "asc" || a.Info.Page != 3 {
		t.Fatalf("info %+v", a.Info)
	}
	var ties int
	var all []map[string]any
	for p := 1; p <= 3; p++ {
		all = append(all, get(t, s, at, "/crm/v8/Accounts?"+q("fields", "Modified_Time", "sort_by", "Modified_Time", "sort_order", "asc", "page", string(rune('0'+p)))).page(t).Data...)
	}
	for i := 1; i < len(all); i++ {
		t0, _ := time.Parse(time.RFC3339, all[i-1]["Modified_Time"].(string))
		t1, _ := time.Parse(time.RFC3339, all[i]["Modified_Time"].(string))
		switch {
		case t1.Before(t0):
			t.Fatalf("record %d out of order: %s after %s", i, t1, t0)
		case t1.Equal(t0):
			ties++
			if all[i]["id"].(string) <= all[i-1]["id"].(string) {
				t.Fatalf("tie not broken by id: %s after %s", all[i]["id"], all[i-1]["id"])
			}
		}
	}
	if ties == 0 {
		t.Fatal("no Modified_Time ties in 600 records: the data set should have bulk-import ties")
	}
	// Default order: id descending.
	d := get(t, s, at, "/crm/v8/Accounts?fields=Account_Name&per_page=3").page(t)
	if d.Info.SortBy != "id" || d.Info.SortOrder != "desc" || d.Data[0]["id"].(string) <= d.Data[1]["id"].(string) {
		t.Fatalf("default order: %+v %v", d.Info, d.Data)
	}
}

func TestIncrementalReadsAndEmptyAnswers(t *testing.T) {
	bothModes(t, Options{Seed: 2, Records: map[string]int{"Contacts": 40}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		since := s.Now().Add(time.Second).Format(time.RFC3339)
		path := "/crm/v8/Contacts?fields=Last_Name,Modified_Time&sort_by=Modified_Time&sort_order=asc"
		a := get(t, s, at, path, "If-Modified-Since", since)
		if a.status != http.StatusNotModified || len(a.body) != 0 {
			t.Fatalf("nothing changed: %d %q, want 304 with no body", a.status, a.body)
		}
		s.Advance(time.Hour)
		at = mintToken(t, s) // the old one just expired
		id := s.IDs("Contacts")[5]
		s.Update("Contacts", id, map[string]any{"Email": "new@example.com"})
		p := get(t, s, at, path, "If-Modified-Since", since).page(t)
		if len(p.Data) != 1 || p.Data[0]["id"] != id {
			t.Fatalf("one change, got %v", p.Data)
		}
		// The bound is inclusive: a record modified exactly at If-Modified-Since is listed.
		exact := s.Now().In(time.FixedZone("", -5*3600)).Format(time.RFC3339)
		if p := get(t, s, at, path, "If-Modified-Since", exact).page(t); len(p.Data) != 1 {
			t.Fatalf("record modified at the bound: %v", p.Data)
		}
		if a := get(t, s, at, "/crm/v8/Contacts?fields=Last_Name&page=2"); a.status != http.StatusNoContent || len(a.body) != 0 {
			t.Fatalf("page past the end: %d %q, want 204", a.status, a.body)
		}
		if a := get(t, s, at, "/crm/v8/Deals?fields=Deal_Name"); a.status != http.StatusNoContent {
			t.Fatalf("empty module: %d, want 204", a.status)
		}
	})
}

func TestConvertedLeadsHiddenByDefault(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 4, Records: map[string]int{"Leads": 400}})
	at := mintToken(t, s)
	count := func(conv string) (n, converted int) {
		query := q("fields", "Converted__s,Converted_Date_Time")
		if conv != "" {
			query += "&converted=" + conv
		}
		for p := 1; p <= 2; p++ {
			a := get(t, s, at, "/crm/v8/Leads?"+query+"&page="+string(rune('0'+p)))
			if a.status == http.StatusNoContent {
				break
			}
			for _, r := range a.page(t).Data {
				n++
				if r["Converted__s"] == true {
					converted++
					if r["Converted_Date_Time"] == nil {
						t.Fatalf("converted lead without Converted_Date_Time: %v", r)
					}
				}
			}
		}
		return n, converted
	}
	n, c := count("")
	nf, cf := count("false")
	nb, cb := count("both")
	nt, ct := count("true")
	if c != 0 || cf != 0 || n != nf || ct != nt || nt == 0 || nb != 400 || cb != nt || n+nt != 400 {
		t.Fatalf("default %d/%d, false %d/%d, true %d/%d, both %d/%d", n, c, nf, cf, nt, ct, nb, cb)
	}
	var cnt struct {
		Count int `json:"count,string"` // a string in the OAS
	}
	json.Unmarshal(get(t, s, at, "/crm/v8/Leads/actions/count").body, &cnt)
	if cnt.Count != n {
		t.Fatalf("actions/count = %d, want %d", cnt.Count, n)
	}
}

func TestDeletedRecords(t *testing.T) {
	bothModes(t, Options{Seed: 6, Records: map[string]int{"Leads": 100}}, func(t *testing.T, s *Server) {
		s.Advance(time.Hour)
		at := mintToken(t, s)
		since := s.Now().Format(time.RFC3339)
		if a := get(t, s, at, "/crm/v8/Leads/deleted?type=all", "If-Modified-Since", since); a.status != http.StatusNoContent {
			t.Fatalf("no deletions since: %d %s", a.status, a.body)
		}
		ids := s.IDs("Leads")
		rec, _ := s.Record("Leads", ids[3])
		s.Delete("Leads", ids[3])
		s.DeletePermanently("Leads", ids[4])
		var body struct {
			Data []struct {
				ID          string         `json:"id"`
				Type        string         `json:"type"`
				DisplayName any            `json:"display_name"`
				DeletedBy   map[string]any `json:"deleted_by"`
				DeletedTime string         `json:"deleted_time"`
			} `json:"data"`
			Info struct {
				Count       int  `json:"count"`
				MoreRecords bool `json:"more_records"`
			} `json:"info"`
		}
		a := get(t, s, at, "/crm/v8/Leads/deleted", "If-Modified-Since", since)
		if err := json.Unmarshal(a.body, &body); err != nil || a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		if len(body.Data) != 2 || body.Info.Count != 2 {
			t.Fatalf("deleted since: %s", a.body)
		}
		for _, d := range body.Data {
			switch d.ID {
			case ids[3]:
				if d.Type != "recycle" || d.DisplayName != rec["Full_Name"] || d.DeletedBy["name"] == nil {
					t.Fatalf("recycled: %+v", d)
				}
			case ids[4]:
				if d.Type != "permanent" || d.DisplayName != nil || d.DeletedBy != nil {
					t.Fatalf("permanent: %+v", d)
				}
			default:
				t.Fatalf("unexpected %+v", d)
			}
			if _, err := time.Parse(time.RFC3339, d.DeletedTime); err != nil || !strings.HasSuffix(d.DeletedTime, "+05:30") {
				t.Fatalf("deleted_time %q", d.DeletedTime)
			}
		}
		if a := get(t, s, at, "/crm/v8/Leads/deleted?type=permanent", "If-Modified-Since", since); !strings.Contains(string(a.body), ids[4]) || strings.Contains(string(a.body), ids[3]) {
			t.Fatalf("type=permanent: %s", a.body)
		}
		if a := get(t, s, at, "/crm/v8/Leads/"+ids[3]); a.status != http.StatusNoContent {
			t.Fatalf("GET a deleted record: %d", a.status)
		}
		// Recycle-bin entries leave the list after 60 days.
		s.Advance(61 * 24 * time.Hour)
		at = mintToken(t, s)
		a = get(t, s, at, "/crm/v8/Leads/deleted?type=recycle")
		if a.status != http.StatusNoContent {
			t.Fatalf("recycle bin after 61 days: %d %.300s", a.status, a.body)
		}
		if a := get(t, s, at, "/crm/v8/Leads/deleted?type=permanent"); !strings.Contains(string(a.body), ids[4]) {
			t.Fatalf("permanent deletions stay 120 days: %d", a.status)
		}
	})
}

func TestSingleRecordAndMetadata(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 8})
	at := mintToken(t, s)
	id := s.IDs("Deals")[0]
	a := get(t, s, at, "/crm/v8/Deals/"+id)
	var one struct{ Data []map[string]any }
	if err := json.Unmarshal(a.body, &one); err != nil || len(one.Data) != 1 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	want, _ := s.Record("Deals", id)
	if !equalJSON(one.Data[0], want) {
		t.Fatalf("GET %v\nRecord %v", one.Data[0], want)
	}
	if a := get(t, s, at, "/crm/v8/Deals/4876876000000000001"); a.status != http.StatusNoContent {
		t.Fatalf("unknown id: %d", a.status)
	}

	var mods struct {
		Modules []struct {
			APIName      string `json:"api_name"`
			APISupported bool   `json:"api_supported"`
		}
	}
	json.Unmarshal(get(t, s, at, "/crm/v8/settings/modules").body, &mods)
	var names []string
	for _, m := range mods.Modules {
		if m.APISupported {
			names = append(names, m.APIName)
		}
	}
	if !slices.Contains(names, "Leads") || !slices.Contains(names, "Deals") || slices.Contains(names, "Visits") {
		t.Fatalf("modules %v", names)
	}

	var fields struct {
		Fields []struct {
			APIName  string `json:"api_name"`
			DataType string `json:"data_type"`
			JSONType string `json:"json_type"`
			Label    string `json:"field_label"`
			Lookup   struct {
				Module struct {
					APIName string `json:"api_name"`
				} `json:"module"`
			} `json:"lookup"`
			Picklist []struct {
				Actual string `json:"actual_value"`
			} `json:"pick_list_values"`
		}
	}
	json.Unmarshal(get(t, s, at, "/crm/v8/settings/fields?module=Leads").body, &fields)
	types := map[string]string{}
	for _, f := range fields.Fields {
		types[f.APIName] = f.DataType + "/" + f.JSONType
		if f.Label == "" {
			t.Errorf("%s has no label", f.APIName)
		}
		if f.DataType == "lookup" && f.Lookup.Module.APIName == "" {
			t.Errorf("lookup %s without module", f.APIName)
		}
		if f.DataType == "picklist" && len(f.Picklist) == 0 {
			t.Errorf("picklist %s without values", f.APIName)
		}
	}
	for api, want := range map[string]string{
		"id": "bigint/string", "Owner": "ownerlookup/jsonobject", "Email": "email/string", "Phone": "phone/string",
		"Lead_Status": "picklist/string", "Languages": "multiselectpicklist/jsonarray", "No_of_Employees": "integer/integer",
		"External_Id": "bigint/string", "Budget_Ratio": "double/double", "Annual_Revenue": "currency/double",
		"Discount_Rate": "percent/double", "Email_Opt_Out": "boolean/boolean", "Next_Follow_Up": "date/string",
		"Modified_Time": "datetime/string", "Converted_Account": "lookup/jsonobject", "Tag": "text/jsonarray",
		"Description": "textarea/string", "Converted__s": "boolean/boolean",
	} {
		if types[api] != want {
			t.Errorf("%s: %s, want %s", api, types[api], want)
		}
	}
}

func TestPageTokenExpiresAfter24Hours(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 30}})
	query := "/crm/v8/Leads?" + q("fields", "Last_Name", "per_page", "10", "converted", "both")
	p := get(t, s, mintToken(t, s), query+"&page=1").page(t)
	s.Advance(24*time.Hour - time.Second)
	at := mintToken(t, s)
	if a := get(t, s, at, query+"&page_token="+*p.Info.NextPageToken); a.status != 200 {
		t.Fatalf("token at 23:59:59: %d %s", a.status, a.body)
	}
	s.Advance(time.Second)
	a := get(t, s, at, query+"&page_token="+*p.Info.NextPageToken)
	if a.status != 400 || a.code(t) != "EXPIRED_VALUE" {
		t.Fatalf("token after 24 h: %d %s", a.status, a.body)
	}
}
