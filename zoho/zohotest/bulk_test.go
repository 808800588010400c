package zohotest

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func createJob(t *testing.T, s *Server, at, body string) answer {
	t.Helper()
	return do(t, s, http.MethodPost, at, "/crm/bulk/v8/read", "application/json", strings.NewReader(body))
}

func jobID(t *testing.T, a answer) string {
	t.Helper()
	var out struct {
		Data []struct {
			Code    string `json:"code"`
			Details struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"details"`
		} `json:"data"`
	}
	if a.status != http.StatusCreated || json.Unmarshal(a.body, &out) != nil || len(out.Data) != 1 ||
		out.Data[0].Code != "ADDED_SUCCESSFULLY" || out.Data[0].Details.State != "ADDED" {
		t.Fatalf("create job: %d %s", a.status, a.body)
	}
	return out.Data[0].Details.ID
}

type jobStatus struct {
	State  string `json:"state"`
	Result *struct {
		Page          int     `json:"page"`
		Count         int     `json:"count"`
		DownloadURL   string  `json:"download_url"`
		MoreRecords   bool    `json:"more_records"`
		NextPageToken *string `json:"next_page_token"`
	} `json:"result"`
}

func poll(t *testing.T, s *Server, at, id string) jobStatus {
	t.Helper()
	a := get(t, s, at, "/crm/bulk/v8/read/"+id)
	var out struct{ Data []jobStatus }
	if a.status != 200 || json.Unmarshal(a.body, &out) != nil || len(out.Data) != 1 {
		t.Fatalf("poll: %d %s", a.status, a.body)
	}
	return out.Data[0]
}

func download(t *testing.T, s *Server, at, url string) [][]string {
	t.Helper()
	a := get(t, s, at, url)
	if a.status != 200 || a.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s %.200s", a.status, a.header.Get("Content-Type"), a.body)
	}
	zr, err := zip.NewReader(bytes.NewReader(a.body), int64(len(a.body)))
	if err != nil || len(zr.File) != 1 || !strings.HasSuffix(zr.File[0].Name, ".csv") {
		t.Fatalf("zip: %v", err)
	}
	f, _ := zr.File[0].Open()
	defer f.Close()
	b, _ := io.ReadAll(f)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestBulkReadJob(t *testing.T) {
	bothModes(t, Options{Seed: 11, Records: map[string]int{"Leads": 250}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		id := jobID(t, createJob(t, s, at, `{"query":{"module":{"api_name":"Leads"},"fields":["Last_Name","Owner","Modified_Time","Languages"]}}`))
		if st := poll(t, s, at, id); st.State != "IN PROGRESS" || st.Result != nil {
			t.Fatalf("first poll %+v", st)
		}
		if a := get(t, s, at, "/crm/bulk/v8/read/"+id+"/result"); a.status != 400 {
			t.Fatalf("download before completion: %d", a.status)
		}
		st := poll(t, s, at, id)
		if st.State != "COMPLETED" || st.Result == nil || st.Result.Count != 250 || st.Result.MoreRecords {
			t.Fatalf("second poll %+v", st)
		}
		rows := download(t, s, at, st.Result.DownloadURL)
		if strings.Join(rows[0], ",") != "id,Last_Name,Owner,Modified_Time,Languages" || len(rows) != 251 {
			t.Fatalf("CSV header %v, %d rows", rows[0], len(rows))
		}
		rec, _ := s.Record("Leads", rows[1][0])
		owner := rec["Owner"].(map[string]any)
		if rows[1][2] != owner["id"] || rows[1][3] != rec["Modified_Time"] {
			t.Fatalf("row %v vs record %v", rows[1], rec)
		}
		if a := get(t, s, at, "/crm/bulk/v8/read/4876876000000000009"); a.status != 404 || a.code(t) != "RESOURCE_NOT_FOUND" {
			t.Fatalf("unknown job: %d %s", a.status, a.body)
		}
	})
}

func TestBulkReadRejects(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 3}})
	at := mintToken(t, s)
	for _, tc := range []struct {
		name, ct, body string
		status         int
		code           string
	}{
		{"form content type", "application/x-www-form-urlencoded", `{"query":{"module":{"api_name":"Leads"}}}`, 415, "MEDIA_TYPE_NOT_SUPPORTED"},
		{"no query", "application/json", `{}`, 400, "REQUIRED_PARAM_MISSING"},
		{"bad JSON", "application/json", `{"query":`, 400, "INVALID_DATA"},
		{"unknown module", "application/json", `{"query":{"module":{"api_name":"Nope"}}}`, 400, "INVALID_DATA"},
		{"unknown field", "application/json", `{"query":{"module":{"api_name":"Leads"},"fields":["Nope"]}}`, 400, "INVALID_DATA"},
		{"datetime with milliseconds", "application/json", `{"query":{"module":{"api_name":"Leads"},"criteria":{"field":{"api_name":"Modified_Time"},"comparator":"greater_equal","value":"2025-01-01T00:00:00.000+00:00"}}}`, 400, "INVALID_QUERY"},
		{"text comparator on a datetime", "application/json", `{"query":{"module":{"api_name":"Leads"},"criteria":{"field":{"api_name":"Modified_Time"},"comparator":"starts_with","value":"2025-01-01T00:00:00+00:00"}}}`, 400, "INVALID_QUERY"},
		{"bad comparator", "application/json", `{"query":{"module":{"api_name":"Leads"},"criteria":{"field":{"api_name":"Modified_Time"},"comparator":"after","value":"2025-01-01T00:00:00+00:00"}}}`, 400, "INVALID_QUERY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, s, http.MethodPost, at, "/crm/bulk/v8/read", tc.ct, strings.NewReader(tc.body))
			if a.status != tc.status || a.code(t) != tc.code {
				t.Fatalf("%d %s, want %d %s", a.status, a.body, tc.status, tc.code)
			}
		})
	}
	t.Run("scope", func(t *testing.T) {
		f := refreshForm(s.Credentials())
		f.Set("refresh_token", s.NewRefreshToken("ZohoCRM.modules.READ"))
		_, out := tokenCall(t, s, s.AccountsURL(), f)
		a := createJob(t, s, out["access_token"].(string), `{"query":{"module":{"api_name":"Leads"}}}`)
		if a.status != 401 || a.code(t) != "OAUTH_SCOPE_MISMATCH" {
			t.Fatalf("without ZohoCRM.bulk.read: %d %s", a.status, a.body)
		}
	})
}

func TestBulkReadCriteriaPagesAndDownloadLimit(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 12, Records: map[string]int{"Deals": 120}, BulkPageSize: 50})
	at := mintToken(t, s)
	s.Advance(time.Minute)
	since := s.Now()
	for _, id := range s.IDs("Deals")[:3] {
		s.Update("Deals", id, map[string]any{"Stage": "Closed Won"})
	}
	body := `{"query":{"module":{"api_name":"Deals"},"fields":["Stage"],"criteria":{"group_operator":"and","group":[` +
		`{"field":{"api_name":"Modified_Time"},"comparator":"greater_equal","value":"` + since.Format(time.RFC3339) + `"},` +
		`{"field":{"api_name":"Stage"},"comparator":"equal","value":"Closed Won"}]}}}`
	id := jobID(t, createJob(t, s, at, body))
	poll(t, s, at, id)
	st := poll(t, s, at, id)
	if rows := download(t, s, at, st.Result.DownloadURL); len(rows) != 4 {
		t.Fatalf("criteria matched %d rows, want 3", len(rows)-1)
	}
	// 120 records in pages of 50: follow next_page_token.
	total := 0
	token := ""
	for n := 1; ; n++ {
		q := `{"query":{"module":{"api_name":"Deals"},"page":1}}`
		if token != "" {
			q = `{"query":{"module":{"api_name":"Deals"},"page_token":"` + token + `"}}`
		}
		id := jobID(t, createJob(t, s, at, q))
		poll(t, s, at, id)
		st := poll(t, s, at, id)
		total += st.Result.Count
		if st.Result.Page != n {
			t.Fatalf("job page %d, want %d", st.Result.Page, n)
		}
		if !st.Result.MoreRecords {
			break
		}
		token = *st.Result.NextPageToken
	}
	if total != 120 {
		t.Fatalf("pages held %d records, want 120", total)
	}
	// 10 downloads per minute, then 429; a minute later it works again.
	for i := 0; i < 9; i++ { // one download above
		download(t, s, at, st.Result.DownloadURL)
	}
	if a := get(t, s, at, st.Result.DownloadURL); a.status != 429 || a.code(t) != "TOO_MANY_REQUESTS" {
		t.Fatalf("11th download in a minute: %d %s", a.status, a.body)
	}
	s.Advance(time.Minute)
	download(t, s, at, st.Result.DownloadURL)
}

func TestBulkReadFailure(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 3}})
	at := mintToken(t, s)
	s.FailNextBulkJob()
	id := jobID(t, createJob(t, s, at, `{"query":{"module":{"api_name":"Leads"}}}`))
	poll(t, s, at, id)
	if st := poll(t, s, at, id); st.State != "FAILURE" {
		t.Fatalf("state %s", st.State)
	}
	if a := get(t, s, at, "/crm/bulk/v8/read/"+id+"/result"); a.status != 400 {
		t.Fatalf("download of a failed job: %d", a.status)
	}
}

// Bulk Read exports lookups as ids; a field one relation away names them
// (§5.2: Owner.last_name, Account_Name.Account_Name). Two relations, or a
// field the related module lacks, are refused.
func TestBulkReadRelatedFields(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Seed: 3, Records: map[string]int{"Deals": 40, "Accounts": 10, "Contacts": 10}})
	at := mintToken(t, s)
	id := jobID(t, createJob(t, s, at, `{"query":{"module":{"api_name":"Deals"},"fields":["Account_Name","Account_Name.Account_Name","Owner.last_name","Owner.email"]}}`))
	poll(t, s, at, id)
	st := poll(t, s, at, id)
	rows := download(t, s, at, st.Result.DownloadURL)
	if got := strings.Join(rows[0], ","); got != "id,Account_Name,Account_Name.Account_Name,Owner.last_name,Owner.email" {
		t.Fatalf("header %s", got)
	}
	named := 0
	for _, row := range rows[1:] {
		rec, _ := s.Record("Deals", row[0])
		owner := rec["Owner"].(map[string]any)
		if row[4] != owner["email"] || row[3] == "" || !strings.Contains(owner["name"].(string), row[3]) {
			t.Errorf("deal %s owner columns %q %q, want the last name and email of %v", row[0], row[3], row[4], owner)
		}
		if acc, ok := rec["Account_Name"].(map[string]any); ok {
			if row[1] != acc["id"] || row[2] != acc["name"] {
				t.Errorf("deal %s account columns %q %q, want %v", row[0], row[1], row[2], acc)
			}
			named++
		} else if row[1] != "" || row[2] != "" {
			t.Errorf("deal %s without account: %q %q", row[0], row[1], row[2])
		}
	}
	if named == 0 {
		t.Fatal("no deal with an account")
	}
	for _, f := range []string{"Account_Name.Nope", "Account_Name.Parent_Account.Account_Name", "Stage.name", "Owner.nope"} {
		a := createJob(t, s, at, `{"query":{"module":{"api_name":"Deals"},"fields":["`+f+`"]}}`)
		if a.status != 400 || a.code(t) != "INVALID_DATA" {
			t.Errorf("field %s: %d %s, want 400 INVALID_DATA", f, a.status, a.body)
		}
	}
}
