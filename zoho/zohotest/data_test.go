package zohotest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDataIsDeterministic(t *testing.T) {
	a := newServer(t, Options{NoListener: true, Seed: 42})
	b := newServer(t, Options{NoListener: true, Seed: 42})
	c := newServer(t, Options{NoListener: true, Seed: 43})
	for _, m := range []string{"Leads", "Contacts", "Accounts", "Deals"} {
		ids := a.IDs(m)
		if len(ids) != 25 || !slices.Equal(ids, b.IDs(m)) {
			t.Fatalf("%s: %d ids, same seed same ids: %t", m, len(ids), slices.Equal(ids, b.IDs(m)))
		}
		ra, _ := a.Record(m, ids[7])
		rb, _ := b.Record(m, ids[7])
		if !equalJSON(ra, rb) {
			t.Fatalf("%s: same seed, different record", m)
		}
	}
	ra, _ := a.Record("Leads", a.IDs("Leads")[0])
	rc, _ := c.Record("Leads", c.IDs("Leads")[0])
	if equalJSON(ra, rc) {
		t.Fatal("another seed gave the same lead")
	}
	if a.Credentials() != b.Credentials() {
		t.Fatal("credentials differ for one seed")
	}
}

// TestDataCoversZohoValues checks the seeded data holds every kind of
// value a client must survive.
func TestDataCoversZohoValues(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 1, Records: map[string]int{"Leads": 2000, "Contacts": 200, "Accounts": 100, "Deals": 300}})
	idRE := regexp.MustCompile(`^[1-9][0-9]{18}$`)
	dtRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$`)
	seen := map[string]bool{}
	for _, id := range s.IDs("Leads") {
		if !idRE.MatchString(id) {
			t.Fatalf("id %q is not 19 digits", id)
		}
		r, _ := s.Record("Leads", id)
		if d, ok := r["Description"].(string); ok && utf8.RuneCountInString(d) == 40000 {
			seen["40k description"] = true
		}
		if r["Email"] == nil {
			seen["null"] = true
		}
		for _, f := range []string{"Company", "Twitter", "Phone"} {
			if v, ok := r[f].(string); ok && v != "" && strings.ContainsAny(v[:1], "=+-@") {
				seen["formula-like "+v[:1]] = true
			}
		}
		if n, _ := r["Full_Name"].(string); strings.ContainsFunc(n, func(r rune) bool { return r > 0x2000 }) {
			seen["unicode name"] = true
		}
		if n, _ := r["Full_Name"].(string); strings.ContainsFunc(n, func(r rune) bool { return r >= 0x1F300 }) {
			seen["emoji"] = true
		}
		if tags, _ := r["Tag"].([]any); len(tags) > 0 {
			seen["tags"] = true
		}
		if r["Converted__s"] == true {
			seen["converted"] = true
		}
		if x, _ := r["External_Id"].(string); strings.HasPrefix(x, "00") {
			seen["bigint leading zeros"] = true
		}
		if v, ok := r["Lead_Score"].(float64); ok && v < 0 {
			seen["negative integer"] = true
		}
		if !dtRE.MatchString(r["Modified_Time"].(string)) || !dtRE.MatchString(r["Created_Time"].(string)) {
			t.Fatalf("datetimes %v %v", r["Created_Time"], r["Modified_Time"])
		}
		if r["Modified_Time"].(string) < r["Created_Time"].(string) {
			t.Fatalf("modified before created: %v", r)
		}
		if o, _ := r["Owner"].(map[string]any); o["email"] == nil || o["name"] == nil || !idRE.MatchString(o["id"].(string)) {
			t.Fatalf("owner %v", r["Owner"])
		}
	}
	for _, want := range []string{"40k description", "null", "formula-like =", "formula-like +", "formula-like -", "formula-like @",
		"unicode name", "emoji", "tags", "converted", "bigint leading zeros", "negative integer"} {
		if !seen[want] {
			t.Errorf("no lead has %s", want)
		}
	}
	deal, _ := s.Record("Deals", s.IDs("Deals")[0])
	acc, _ := deal["Account_Name"].(map[string]any)
	if acc == nil {
		deal, _ = s.Record("Deals", s.IDs("Deals")[1])
		acc, _ = deal["Account_Name"].(map[string]any)
	}
	account, ok := s.Record("Accounts", fmt.Sprint(acc["id"]))
	if !ok || account["Account_Name"] != acc["name"] {
		t.Fatalf("deal's account lookup %v does not name an account (%v)", acc, account["Account_Name"])
	}
	if _, err := time.Parse(time.DateOnly, deal["Closing_Date"].(string)); err != nil {
		t.Fatalf("Closing_Date %v", deal["Closing_Date"])
	}
}

func TestMutationHelpers(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 5, "Accounts": 2}})
	s.Advance(2 * time.Hour)
	id := s.Create("Leads", map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Company": "=1+1",
		"No_of_Employees": 12, "Languages": []any{"English"}, "Tag": []any{"vip"}})
	r, ok := s.Record("Leads", id)
	if !ok || r["Full_Name"] != "Ada Lovelace" || r["No_of_Employees"] != float64(12) || r["Converted__s"] != false ||
		r["Created_Time"] != s.Now().In(s.loc).Format(time.RFC3339) || r["Email"] != nil {
		t.Fatalf("created %v", r)
	}
	if ids := s.IDs("Leads"); ids[len(ids)-1] != id || len(ids) != 6 {
		t.Fatalf("new id %s not last of %v", id, ids)
	}
	s.Advance(time.Minute)
	s.Update("Leads", id, map[string]any{"Last_Name": "King", "Email": "ada@example.com"})
	r, _ = s.Record("Leads", id)
	if r["Full_Name"] != "Ada King" || r["Email"] != "ada@example.com" || r["Modified_Time"] == r["Created_Time"] {
		t.Fatalf("updated %v", r)
	}
	// Renaming an account renames the lookups that point at it.
	acc := s.IDs("Accounts")[0]
	s.Update("Accounts", acc, map[string]any{"Account_Name": "Renamed 🚀"})
	at := mintToken(t, s)
	a := get(t, s, at, "/crm/v8/Contacts?fields=Account_Name")
	if a.status != http.StatusNoContent {
		t.Fatalf("no contacts seeded: %d", a.status)
	}
	s.Delete("Leads", id)
	if _, ok := s.Record("Leads", id); ok || len(s.IDs("Leads")) != 5 {
		t.Fatal("deleted record still there")
	}
	for name, f := range map[string]func(){
		"unknown module": func() { s.Create("Nope", nil) },
		"unknown field":  func() { s.Create("Leads", map[string]any{"Nope": 1}) },
		"unknown record": func() { s.Update("Leads", "1", nil) },
		"set id":         func() { s.Create("Leads", map[string]any{"id": "1"}) },
		"float integer":  func() { s.Create("Leads", map[string]any{"No_of_Employees": 1.5}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNewServerOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"negative count":    {NoListener: true, Records: map[string]int{"Leads": -1}},
		"unknown module":    {NoListener: true, Records: map[string]int{"Potentials": 1}},
		"non-loopback addr": {Addr: "0.0.0.0:0"},
		"bad addr":          {Addr: "nonsense"},
	} {
		if _, err := NewServer(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	s := newServer(t, Options{Addr: "127.0.0.1:0"})
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || s.Addr() == "" || s.AccountsURL() != s.URL()+"/accounts" {
		t.Fatalf("URL %s Addr %s", s.URL(), s.Addr())
	}
	if s.AccountsURLFor("us") != s.AccountsURL() || s.AccountsURLFor("eu") == s.AccountsURL() {
		t.Fatal("AccountsURLFor")
	}
	s.Stop()
	s.Stop() // twice is fine
	n := newServer(t, Options{NoListener: true})
	if n.Addr() != "" {
		t.Fatal("NoListener has an address")
	}
	if _, err := n.HTTPClient().Get("http://example.com/crm/v8/Leads"); err == nil {
		t.Fatal("the in-process client reached another host")
	}
}

func TestPageTokenChainCap(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 records")
	}
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Accounts": chainLimit + 150}})
	at := mintToken(t, s)
	query := q("fields", "Account_Name", "sort_order", "asc")
	a := get(t, s, at, "/crm/v8/Accounts?"+query+"&page=1")
	n := 0
	for {
		p := a.page(t)
		n += len(p.Data)
		if n >= chainLimit {
			if !p.Info.MoreRecords || p.Info.NextPageToken == nil {
				t.Fatalf("at %d: more_records %v", n, p.Info.MoreRecords)
			}
			a = get(t, s, at, "/crm/v8/Accounts?"+query+"&page_token="+*p.Info.NextPageToken)
			if a.status != 400 || a.code(t) != "PAGINATION_LIMIT_EXCEEDED" {
				t.Fatalf("past 100,000: %d %s", a.status, a.body)
			}
			break
		}
		a = get(t, s, at, "/crm/v8/Accounts?"+query+"&page_token="+*p.Info.NextPageToken)
	}
	if n != chainLimit {
		t.Fatalf("chain served %d records, want %d", n, chainLimit)
	}
}

func BenchmarkSeed100k(b *testing.B) {
	for b.Loop() {
		s, err := NewServer(Options{NoListener: true, Records: map[string]int{"Leads": 100_000}})
		if err != nil {
			b.Fatal(err)
		}
		s.Stop()
	}
}

// BenchmarkRead100k reads 100,000 leads (10 fields) through the page-token
// chain, as a full sync would.
func BenchmarkRead100k(b *testing.B) {
	s := newServer(b, Options{NoListener: true, Records: map[string]int{"Leads": 100_000}})
	query := q("fields", "Full_Name,Email,Company,Owner,Lead_Status,Annual_Revenue,Modified_Time,Tag,Converted__s,Description",
		"converted", "both", "sort_by", "Modified_Time", "sort_order", "asc")
	for b.Loop() {
		s.Advance(time.Hour) // a fresh token each round
		at := mintToken(b, s)
		n := 0
		a := get(b, s, at, "/crm/v8/Leads?"+query+"&page=1")
		for {
			p := a.page(b)
			n += len(p.Data)
			if !p.Info.MoreRecords {
				break
			}
			a = get(b, s, at, "/crm/v8/Leads?"+query+"&page_token="+*p.Info.NextPageToken)
		}
		if n != 100_000 {
			b.Fatalf("read %d", n)
		}
	}
}
