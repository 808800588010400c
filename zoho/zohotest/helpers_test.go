package zohotest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// bothModes runs body against a listening emulator and a NoListener one,
// like fake-gcs-server's runServersTest.
func bothModes(t *testing.T, o Options, body func(t *testing.T, s *Server)) {
	t.Helper()
	for _, mode := range []struct {
		name       string
		noListener bool
	}{{"TCP", false}, {"NoListener", true}} {
		t.Run(mode.name, func(t *testing.T) {
			oo := o
			oo.NoListener = mode.noListener
			body(t, newServer(t, oo))
		})
	}
}

func newServer(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// tokenCall posts form to the token endpoint of accounts and decodes the answer.
func tokenCall(t testing.TB, s *Server, accounts string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(accounts+"/oauth/v2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	return resp.StatusCode, out
}

func refreshForm(c Credentials) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {c.ClientID},
		"client_secret": {c.ClientSecret}, "refresh_token": {c.RefreshToken}}
}

// mintToken mints an access token from the emulator's credentials.
func mintToken(t testing.TB, s *Server) string {
	t.Helper()
	_, out := tokenCall(t, s, s.AccountsURL(), refreshForm(s.Credentials()))
	at, _ := out["access_token"].(string)
	if at == "" {
		t.Fatalf("no access token: %v", out)
	}
	return at
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatalf("HTTP %d body %.200q: %v", a.status, a.body, err)
	}
	return out
}

func (a answer) code(t testing.TB) string {
	t.Helper()
	c, _ := a.json(t)["code"].(string)
	return c
}

// get calls a CRM path with the access token (no header when token is "").
func get(t testing.TB, s *Server, token, pathAndQuery string, hdr ...string) answer {
	t.Helper()
	return do(t, s, http.MethodGet, token, pathAndQuery, "", nil, hdr...)
}

func do(t testing.TB, s *Server, method, token, pathAndQuery, contentType string, body io.Reader, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.APIDomain()+pathAndQuery, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// page is a decoded Get Records answer.
type page struct {
	Data []map[string]any `json:"data"`
	Info struct {
		PerPage       int     `json:"per_page"`
		Count         int     `json:"count"`
		Page          int     `json:"page"`
		MoreRecords   bool    `json:"more_records"`
		NextPageToken *string `json:"next_page_token"`
		SortBy        string  `json:"sort_by"`
		SortOrder     string  `json:"sort_order"`
	} `json:"info"`
}

func (a answer) page(t testing.TB) page {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", a.status, a.body)
	}
	var p page
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func fieldsList(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "Last_Name"
	}
	return strings.Join(names, ",")
}
