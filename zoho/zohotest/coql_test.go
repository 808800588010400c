package zohotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func coql(t testing.TB, s *Server, token, query string) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"select_query": query})
	return do(t, s, http.MethodPost, token, "/crm/v8/coql", "application/json", strings.NewReader(string(b)))
}

func (a answer) rows(t testing.TB) ([]map[string]any, bool) {
	t.Helper()
	if a.status == http.StatusNoContent {
		return nil, false
	}
	p := a.page(t)
	if p.Info.Count != len(p.Data) {
		t.Fatalf("info.count %d, %d rows", p.Info.Count, len(p.Data))
	}
	return p.Data, p.Info.MoreRecords
}

func inList(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprintf("'v%d'", i)
	}
	return strings.Join(vals, ", ")
}

func criteria(n int) string {
	c := "Last_Name = 'a0'"
	for i := 1; i < n; i++ {
		c = fmt.Sprintf("(%s or Last_Name = 'a%d')", c, i)
	}
	return c
}

func columns(n int) string {
	var cols []string
	for i := 0; i < n; i++ {
		cols = append(cols, fmt.Sprintf("Last_Name as 'c%d'", i))
	}
	return strings.Join(cols, ", ")
}

func TestCOQLRejectsLikeZoho(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 5, "Deals": 5, "Accounts": 5, "Contacts": 5, "Campaigns": 2}})
	at := mintToken(t, s)
	for _, tc := range []struct {
		name, query string
		status      int
		code        string
		details     map[string]any
	}{
		{"no where", "select Last_Name from Leads", 400, "SYNTAX_ERROR", map[string]any{"clause": "where"}},
		{"no where before limit", "select Last_Name from Leads limit 10", 400, "SYNTAX_ERROR", map[string]any{"clause": "where"}},
		{"no from", "select Last_Name", 400, "SYNTAX_ERROR", map[string]any{"clause": "from"}},
		{"select star", "select * from Leads where id is not null", 400, "SYNTAX_ERROR", map[string]any{"near": "*"}},
		{"three conditions unbracketed", "select Last_Name from Leads where Last_Name = 'a' and Email = 'b' and City = 'c'", 400, "SYNTAX_ERROR", map[string]any{"near": "and"}},
		{"unterminated string", "select Last_Name from Leads where Last_Name = 'a", 400, "SYNTAX_ERROR", nil},
		{"unclosed bracket", "select Last_Name from Leads where (Last_Name = 'a'", 400, "SYNTAX_ERROR", nil},
		{"trailing words", "select Last_Name from Leads where id is not null please", 400, "SYNTAX_ERROR", map[string]any{"near": "please"}},
		{"unknown module", "select Last_Name from Leadz where id is not null", 400, "INVALID_QUERY", map[string]any{"module": "Leadz"}},
		{"custom view", "select Last_Name from Leads#123 where id is not null", 400, "INVALID_QUERY", nil},
		{"unknown column", "select Nope from Leads where id is not null", 400, "INVALID_QUERY", map[string]any{"column_name": "Nope"}},
		{"unknown column in where", "select Last_Name from Leads where Nope = 'x'", 400, "INVALID_QUERY", map[string]any{"column_name": "Nope"}},
		{"path through a non-lookup", "select Last_Name.Email from Leads where id is not null", 400, "INVALID_QUERY", nil},
		{"three relations", "select Contact_Name.Account_Name.Parent_Account.Account_Name from Deals where id is not null", 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(2)}},
		{"three relations in where", "select Deal_Name from Deals where Contact_Name.Account_Name.Parent_Account.Account_Name = 'x'", 400, "LIMIT_EXCEEDED", nil},
		{"image field", "select Campaign_Image from Campaigns where id is not null", 400, "INVALID_QUERY", map[string]any{"column_name": "Campaign_Image"}},
		{"multi-select lookup", "select Partner_Accounts from Campaigns where id is not null", 400, "INVALID_QUERY", map[string]any{"data_type": "multiselectlookup"}},
		{"multi-select lookup in where", "select Campaign_Name from Campaigns where Partner_Accounts is null", 400, "INVALID_QUERY", nil},
		{"tag", "select Tag from Leads where id is not null", 400, "INVALID_QUERY", map[string]any{"column_name": "Tag"}},
		{"51 columns", "select " + columns(51) + " from Leads where id is not null", 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(50)}},
		{"26 criteria", "select Last_Name from Leads where " + criteria(26), 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(25)}},
		{"51 in values", "select Last_Name from Leads where Last_Name in (" + inList(51) + ")", 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(50)}},
		{"limit 2001", "select Last_Name from Leads where id is not null limit 2001", 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(2000)}},
		{"limit 0", "select Last_Name from Leads where id is not null limit 0", 400, "INVALID_QUERY", nil},
		{"past the offset cap", "select Last_Name from Leads where id is not null limit 99000, 2000", 400, "LIMIT_EXCEEDED", map[string]any{"limit": float64(100000)}},
		{"past the offset cap (offset form)", "select Last_Name from Leads where id is not null limit 2000 offset 98001", 400, "LIMIT_EXCEEDED", nil},
		{"11 order by", "select Last_Name from Leads where id is not null order by id, Email, City, State, Phone, Mobile, Fax, Company, Rating, Street, Country", 400, "LIMIT_EXCEEDED", nil},
		{"datetime without offset", "select Last_Name from Leads where Modified_Time >= '2026-01-01T00:00:00'", 400, "INVALID_QUERY", map[string]any{"column_name": "Modified_Time"}},
		{"datetime with ms", "select Last_Name from Leads where Modified_Time >= '2026-01-01T00:00:00.000+00:00'", 400, "INVALID_QUERY", nil},
		{"number as text", "select Last_Name from Leads where No_of_Employees = 'many'", 400, "INVALID_QUERY", nil},
		{"bad date", "select Last_Name from Leads where Next_Follow_Up = '2026-13-01'", 400, "INVALID_QUERY", nil},
		{"lookup by name", "select Deal_Name from Deals where Account_Name = 'Zylker'", 400, "INVALID_QUERY", nil},
		{"greater on text", "select Last_Name from Leads where Last_Name > 'a'", 400, "INVALID_QUERY", map[string]any{"operator": ">"}},
		{"like on a number", "select Last_Name from Leads where No_of_Employees like '1%'", 400, "INVALID_QUERY", nil},
		{"boolean with <", "select Last_Name from Leads where Email_Opt_Out < true", 400, "INVALID_QUERY", nil},
		{"boolean with !=", "select Last_Name from Leads where Email_Opt_Out != true", 400, "INVALID_QUERY", map[string]any{"operator": "!="}},
		{"duplicate alias", "select Last_Name as 'x', Email as 'x' from Leads where id is not null", 400, "DUPLICATE_ALIAS", nil},
		{"duplicate column", "select Last_Name, Last_Name from Leads where id is not null", 400, "DUPLICATE_DATA", nil},
		{"empty alias", "select Last_Name as '' from Leads where id is not null", 400, "INVALID_ALIAS", nil},
		{"count with a column", "select COUNT(id), Last_Name from Leads where id is not null", 400, "INVALID_QUERY", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := coql(t, s, at, tc.query)
			if a.status != tc.status || a.code(t) != tc.code {
				t.Fatalf("HTTP %d %s, want %d %s: %s", a.status, a.code(t), tc.status, tc.code, a.body)
			}
			body := a.json(t)
			if body["status"] != "error" || body["message"] == "" {
				t.Fatalf("not Zoho's envelope: %s", a.body)
			}
			d, _ := body["details"].(map[string]any)
			for k, v := range tc.details {
				if d[k] != v {
					t.Fatalf("details[%s] = %v, want %v: %s", k, d[k], v, a.body)
				}
			}
		})
	}
	t.Run("body", func(t *testing.T) {
		for _, b := range []string{`{}`, `{"select_query":""}`, `{"query":"select Last_Name from Leads where id is not null"}`} {
			a := do(t, s, http.MethodPost, at, "/crm/v8/coql", "application/json", strings.NewReader(b))
			if a.status != 400 || a.code(t) != "REQUIRED_PARAM_MISSING" {
				t.Fatalf("%s: HTTP %d %s", b, a.status, a.body)
			}
		}
		a := do(t, s, http.MethodPost, at, "/crm/v8/coql", "application/json", strings.NewReader(`{"select_query":`))
		if a.status != 400 || a.code(t) != "INVALID_DATA" {
			t.Fatalf("broken JSON: HTTP %d %s", a.status, a.body)
		}
		if a := get(t, s, at, "/crm/v8/coql"); a.status != 400 || a.code(t) != "INVALID_REQUEST_METHOD" {
			t.Fatalf("GET: HTTP %d %s", a.status, a.body)
		}
	})
	t.Run("scope", func(t *testing.T) {
		tok := mintWith(t, s, "ZohoCRM.modules.READ")
		if a := coql(t, s, tok, "select Last_Name from Leads where id is not null"); a.status != 401 || a.code(t) != "OAUTH_SCOPE_MISMATCH" {
			t.Fatalf("without the coql scope: HTTP %d %s", a.status, a.body)
		}
		tok = mintWith(t, s, "ZohoCRM.coql.READ")
		if a := coql(t, s, tok, "select Last_Name from Leads where id is not null"); a.status != 401 || a.code(t) != "OAUTH_SCOPE_MISMATCH" {
			t.Fatalf("without a module scope: HTTP %d %s", a.status, a.body)
		}
		tok = mintWith(t, s, "ZohoCRM.coql.READ", "ZohoCRM.modules.Leads.READ")
		if a := coql(t, s, tok, "select Last_Name from Leads where id is not null"); a.status != 200 {
			t.Fatalf("with both: HTTP %d %s", a.status, a.body)
		}
	})
}

// A multi-select picklist takes like, matched against its values joined
// by ";" as COQL writes them in a condition (Languages = 'English;German').
func TestCOQLLikeOnMultiSelect(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 200}})
	at := mintToken(t, s)
	rows, _ := coql(t, s, at, "select Languages from Leads where Languages like '%German%' limit 2000").rows(t)
	want := 0
	for _, id := range s.IDs("Leads") {
		r, _ := s.Record("Leads", id)
		langs, _ := r["Languages"].([]any)
		for _, l := range langs {
			if l == "German" {
				want++
				break
			}
		}
	}
	if want == 0 || len(rows) != want {
		t.Fatalf("like '%%German%%' returned %d rows, want the %d leads speaking German", len(rows), want)
	}
}

// Text compares ignoring case, with = and in as with like.
func TestCOQLTextIgnoresCase(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Deals": 200}})
	at := mintToken(t, s)
	won, _ := coql(t, s, at, "select Stage from Deals where Stage = 'Closed Won' limit 2000").rows(t)
	if len(won) == 0 {
		t.Fatal("no won deal in the seed")
	}
	for _, q := range []string{"Stage = 'closed won'", "Stage in ('CLOSED WON', 'nothing')", "Stage like 'closed w%'"} {
		rows, _ := coql(t, s, at, "select Stage from Deals where "+q+" limit 2000").rows(t)
		if len(rows) != len(won) {
			t.Errorf("%s: %d rows, want the %d of Stage = 'Closed Won'", q, len(rows), len(won))
		}
	}
	if rows, _ := coql(t, s, at, "select Stage from Deals where Stage != 'closed won' limit 2000").rows(t); len(rows) != 200-len(won) {
		t.Errorf("!= 'closed won': %d rows, want %d", len(rows), 200-len(won))
	}
}

// mintWith mints an access token carrying only scopes.
func mintWith(t testing.TB, s *Server, scopes ...string) string {
	t.Helper()
	c := s.Credentials()
	c.RefreshToken = s.NewRefreshToken(scopes...)
	_, out := tokenCall(t, s, s.AccountsURL(), refreshForm(c))
	at, _ := out["access_token"].(string)
	if at == "" {
		t.Fatalf("no access token: %v", out)
	}
	return at
}

func TestCOQLAnswers(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 300, "Deals": 300, "Accounts": 50, "Contacts": 50, "Campaigns": 5}})
	at := mintToken(t, s)

	t.Run("default limit and order", func(t *testing.T) {
		rows, more := coql(t, s, at, "select Last_Name from Leads where id is not null").rows(t)
		ids := s.IDs("Leads")
		if len(rows) != 200 || !more {
			t.Fatalf("%d rows, more %v; want 200 and more", len(rows), more)
		}
		for i, r := range rows {
			if r["id"] != ids[i] {
				t.Fatalf("row %d id %v, want %s (id asc)", i, r["id"], ids[i])
			}
			if _, ok := r["Last_Name"]; !ok || len(r) != 2 {
				t.Fatalf("row keys %v", r)
			}
		}
	})
	t.Run("id selected", func(t *testing.T) {
		a := coql(t, s, at, "select id, Last_Name from Leads where id is not null limit 1")
		if rows, _ := a.rows(t); len(rows) != 1 || len(rows[0]) != 2 || strings.Count(string(a.body), `"id"`) != 1 {
			t.Fatalf("%s", a.body)
		}
	})
	t.Run("limit forms", func(t *testing.T) {
		ids := s.IDs("Leads")
		for _, l := range []string{"limit 10, 5", "limit 5 offset 10"} {
			rows, _ := coql(t, s, at, "select Last_Name from Leads where id is not null "+l).rows(t)
			if len(rows) != 5 || rows[0]["id"] != ids[10] {
				t.Fatalf("%s: %d rows from %v, want 5 from %s", l, len(rows), rows[0]["id"], ids[10])
			}
		}
		rows, more := coql(t, s, at, "select Last_Name from Leads where id is not null limit 2000").rows(t)
		if len(rows) != 300 || more {
			t.Fatalf("limit 2000: %d rows, more %v", len(rows), more)
		}
	})
	t.Run("no rows", func(t *testing.T) {
		a := coql(t, s, at, "select Last_Name from Leads where Last_Name = 'no such name'")
		if a.status != http.StatusNoContent || len(a.body) != 0 {
			t.Fatalf("HTTP %d %q, want 204 and no body", a.status, a.body)
		}
	})
	t.Run("key paging", func(t *testing.T) {
		ids := s.IDs("Leads")
		last, n := "0", 0
		for {
			a := coql(t, s, at, "select Last_Name from Leads where id > '"+last+"' order by id asc limit 70")
			rows, _ := a.rows(t)
			if len(rows) == 0 {
				break
			}
			for _, r := range rows {
				if r["id"] != ids[n] {
					t.Fatalf("record %d is %v, want %s", n, r["id"], ids[n])
				}
				n++
			}
			last = rows[len(rows)-1]["id"].(string)
		}
		if n != len(ids) {
			t.Fatalf("read %d of %d", n, len(ids))
		}
	})
	t.Run("lookups and related fields", func(t *testing.T) {
		rows, _ := coql(t, s, at, "select Owner, Account_Name, Account_Name.Industry, Contact_Name.Account_Name.Account_Name, "+
			"'Account_Name.Account_Name' as 'Account', Deal_Name from Deals where Account_Name is not null limit 50").rows(t)
		if len(rows) == 0 {
			t.Fatal("no deals with an account")
		}
		for _, r := range rows {
			deal, _ := s.Record("Deals", r["id"].(string))
			acc := deal["Account_Name"].(map[string]any)
			got := r["Account_Name"].(map[string]any)
			if got["id"] != acc["id"] || got["name"] != acc["name"] {
				t.Fatalf("Account_Name %v, want %v", got, acc)
			}
			account, _ := s.Record("Accounts", acc["id"].(string))
			if r["Account_Name.Industry"] != account["Industry"] || r["Account"] != account["Account_Name"] {
				t.Fatalf("related %v / %v, want %v / %v", r["Account_Name.Industry"], r["Account"], account["Industry"], account["Account_Name"])
			}
			owner := r["Owner"].(map[string]any)
			full := deal["Owner"].(map[string]any)["name"].(string)
			if owner["id"] != deal["Owner"].(map[string]any)["id"] || !strings.Contains(full, owner["name"].(string)) || owner["name"] == full || len(owner) != 2 {
				t.Fatalf("Owner %v: want the last name of %q and no email", owner, full)
			}
			want := any(nil)
			if c, ok := deal["Contact_Name"].(map[string]any); ok {
				contact, _ := s.Record("Contacts", c["id"].(string))
				if a, ok := contact["Account_Name"].(map[string]any); ok {
					want = a["name"]
				}
			}
			if r["Contact_Name.Account_Name.Account_Name"] != want {
				t.Fatalf("two relations: %v, want %v", r["Contact_Name.Account_Name.Account_Name"], want)
			}
		}
	})
	t.Run("where through a lookup", func(t *testing.T) {
		ind := "Technology"
		rows, _ := coql(t, s, at, "select Deal_Name from Deals where Account_Name.Industry = '"+ind+"' limit 2000").rows(t)
		want := 0
		for _, id := range s.IDs("Deals") {
			d, _ := s.Record("Deals", id)
			if a, ok := d["Account_Name"].(map[string]any); ok {
				acc, _ := s.Record("Accounts", a["id"].(string))
				if acc["Industry"] == ind {
					want++
				}
			}
		}
		if len(rows) != want || want == 0 {
			t.Fatalf("%d deals, want %d (>0)", len(rows), want)
		}
	})
	t.Run("operators", func(t *testing.T) {
		count := func(where string) int {
			a := coql(t, s, at, "select COUNT(id) from Deals where "+where)
			if a.status != 200 {
				t.Fatalf("%s: HTTP %d %s", where, a.status, a.body)
			}
			rows, _ := a.rows(t)
			return int(rows[0]["COUNT(id)"].(float64))
		}
		all := count("id is not null")
		if all != 300 {
			t.Fatalf("count all = %d", all)
		}
		pairs := [][2]string{
			{"Amount >= 1000", "Amount < 1000"},
			{"Stage in ('Closed Won', 'Closed Lost')", "Stage not in ('Closed Won', 'Closed Lost')"},
			{"Deal_Name like 'Zylker%'", "Deal_Name not like 'zylker%'"},
			{"Amount between 1000 and 50000", "Amount not between 1000 and 50000"},
			{"Closing_Date >= '2026-01-01'", "Closing_Date < '2026-01-01'"},
		}
		nullAmount := count("Amount is null")
		for _, p := range pairs {
			a, b := count(p[0]), count(p[1])
			if a == 0 || b == 0 {
				t.Fatalf("%q = %d, %q = %d: both should match some", p[0], a, p[1], b)
			}
			extra := 0
			if strings.HasPrefix(p[0], "Amount") {
				extra = nullAmount // empty never compares
			}
			if a+b+extra != all {
				t.Fatalf("%q (%d) + %q (%d) + %d empty != %d", p[0], a, p[1], b, extra, all)
			}
		}
		if or, and := count("(Amount >= 1000 or Stage = 'Closed Won')"), count("(Amount >= 1000 and Stage = 'Closed Won')"); or+and != count("Amount >= 1000")+count("Stage = 'Closed Won'") {
			t.Fatal("or/and do not add up")
		}
		if n := count("((Amount >= 1000 and Stage = 'Closed Won') or Amount is null)"); n != count("(Amount >= 1000 and Stage = 'Closed Won')")+nullAmount {
			t.Fatalf("bracketed = %d", n)
		}
	})
	t.Run("order by Modified_Time", func(t *testing.T) {
		rows, _ := coql(t, s, at, "select Modified_Time from Leads where id is not null order by Modified_Time desc, id asc limit 300").rows(t)
		for i := 1; i < len(rows); i++ {
			a, b := rows[i-1]["Modified_Time"].(string), rows[i]["Modified_Time"].(string)
			if a < b || a == b && rows[i-1]["id"].(string) > rows[i]["id"].(string) {
				t.Fatalf("rows %d,%d out of order: %s %s", i-1, i, a, b)
			}
		}
	})
	t.Run("converted leads are included", func(t *testing.T) {
		rows, _ := coql(t, s, at, "select COUNT(id) from Leads where Converted__s = true").rows(t)
		if rows[0]["COUNT(id)"].(float64) == 0 {
			t.Fatal("no converted lead reached through COQL")
		}
	})
}

func TestCOQLCredits(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 10}})
	at := mintToken(t, s)
	for _, tc := range []struct {
		limit   string
		credits int
	}{{"", 1}, {"limit 200", 1}, {"limit 201", 2}, {"limit 1000", 2}, {"limit 1001", 3}, {"limit 2000", 3}, {"limit 1900, 100", 1}} {
		s.ResetStats()
		if a := coql(t, s, at, "select Last_Name from Leads where id is not null "+tc.limit); a.status/100 != 2 {
			t.Fatalf("%s: HTTP %d %s", tc.limit, a.status, a.body)
		}
		if got := s.Stats().CreditsUsed; got != tc.credits {
			t.Fatalf("%q cost %d credits, want %d", tc.limit, got, tc.credits)
		}
	}
	t.Run("budget", func(t *testing.T) {
		s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 10}, DailyCredits: 4})
		at := mintToken(t, s)
		if a := coql(t, s, at, "select Last_Name from Leads where id is not null limit 2000"); a.status != 200 {
			t.Fatalf("first: HTTP %d", a.status)
		}
		a := coql(t, s, at, "select Last_Name from Leads where id is not null limit 2000")
		if a.status != 429 || a.code(t) != "TOO_MANY_REQUESTS" {
			t.Fatalf("over budget: HTTP %d %s", a.status, a.body)
		}
	})
}

func TestUsersAndCountAnswers(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 10}})
	at := mintToken(t, s)
	var body struct {
		Users []map[string]any `json:"users"`
		Info  struct {
			MoreRecords bool `json:"more_records"`
		} `json:"info"`
	}
	a := get(t, s, at, "/crm/v8/users?type=AllUsers&per_page=200&page=1")
	if a.status != 200 || json.Unmarshal(a.body, &body) != nil || len(body.Users) != len(users) || body.Info.MoreRecords {
		t.Fatalf("HTTP %d %s", a.status, a.body)
	}
	if u := body.Users[0]; u["full_name"] != "Patricia Boyle" || u["last_name"] != "Boyle" || u["first_name"] != "Patricia" || u["email"] != "p.boyle@zylker.com" {
		t.Fatalf("user %v", u)
	}
	if a := get(t, s, at, "/crm/v8/users?type=AllUsers&page=2"); a.status != 204 {
		t.Fatalf("past the end: HTTP %d", a.status)
	}
	for _, path := range []string{"/crm/v8/users?type=Everyone", "/crm/v8/users?per_page=201", "/crm/v8/users?page=0"} {
		if a := get(t, s, at, path); a.status != 400 || a.code(t) != "INVALID_DATA" {
			t.Fatalf("%s: HTTP %d %s", path, a.status, a.body)
		}
	}
	if a := get(t, s, mintWith(t, s, "ZohoCRM.modules.READ"), "/crm/v8/users"); a.status != 401 || a.code(t) != "OAUTH_SCOPE_MISMATCH" {
		t.Fatalf("without users scope: HTTP %d %s", a.status, a.body)
	}
	c := get(t, s, at, "/crm/v8/Leads/actions/count").json(t)
	if _, ok := c["count"].(string); !ok {
		t.Fatalf("count %v: the OAS has a string", c)
	}
}
