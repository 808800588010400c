package sheetstest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/jws"
	"google.golang.org/api/option"
	"google.golang.org/api/sheets/v4"
)

type keyFile struct {
	Type, ProjectID, PrivateKeyID, PrivateKey, ClientEmail, TokenURI string
}

func parseKey(t *testing.T, b []byte) (keyFile, *rsa.PrivateKey) {
	t.Helper()
	var raw map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	k := keyFile{raw["type"], raw["project_id"], raw["private_key_id"], raw["private_key"], raw["client_email"], raw["token_uri"]}
	blk, _ := pem.Decode([]byte(k.PrivateKey))
	if blk == nil || blk.Type != "PRIVATE KEY" {
		t.Fatalf("private_key is not a PKCS#8 PEM block")
	}
	pk, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k, pk.(*rsa.PrivateKey)
}

func TestServiceAccountKeyFile(t *testing.T) {
	srv, _ := NewServer(Options{NoListener: true})
	k, pk := parseKey(t, srv.NewServiceAccount(testSA))
	if k.Type != "service_account" || k.ProjectID != "test-project" || k.ClientEmail != testSA ||
		k.TokenURI != srv.TokenURL() || k.PrivateKeyID == "" || pk.N.BitLen() != 2048 {
		t.Fatalf("key file: %+v (bits %d)", k, pk.N.BitLen())
	}
}

// postToken sends a JWT-bearer grant and decodes the answer.
func postToken(t *testing.T, srv *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	res, err := srv.HTTPClient().PostForm(srv.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestTokenEndpoint(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv, _ := NewServer(Options{NoListener: true, Now: func() time.Time { return now }})
	k, pk := parseKey(t, srv.NewServiceAccount(testSA))
	_, otherKey := parseKey(t, srv.NewServiceAccount("other@test-project.iam.gserviceaccount.com"))
	sign := func(key *rsa.PrivateKey, kid string, mod func(*jws.ClaimSet)) string {
		cs := &jws.ClaimSet{Iss: testSA, Scope: sheets.SpreadsheetsScope, Aud: srv.TokenURL(),
			Iat: now.Unix() - 10, Exp: now.Unix() + 3590}
		if mod != nil {
			mod(cs)
		}
		s, err := jws.Encode(&jws.Header{Algorithm: "RS256", Typ: "JWT", KeyID: kid}, cs, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	grant := func(a string) url.Values {
		return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}}
	}
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"Valid", grant(sign(pk, k.PrivateKeyID, nil)), 200, ""},
		{"ValidWithoutKid", grant(sign(pk, "", nil)), 200, ""},
		{"WrongGrantType", url.Values{"grant_type": {"refresh_token"}, "assertion": {sign(pk, "", nil)}}, 400, "unsupported_grant_type"},
		{"NoAssertion", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}}, 400, "invalid_request"},
		{"NotAJWT", grant("abc"), 400, "invalid_grant"},
		{"SignedByAnotherKey", grant(sign(otherKey, "", nil)), 400, "invalid_grant"},
		{"WrongKid", grant(sign(pk, "0123", nil)), 400, "invalid_grant"},
		{"UnknownAccount", grant(sign(pk, "", func(c *jws.ClaimSet) { c.Iss = "nobody@x.iam.gserviceaccount.com" })), 400, "invalid_grant"},
		{"WrongAudience", grant(sign(pk, "", func(c *jws.ClaimSet) { c.Aud = "https://oauth2.googleapis.com/token" })), 400, "invalid_grant"},
		{"Expired", grant(sign(pk, "", func(c *jws.ClaimSet) { c.Iat, c.Exp = now.Unix()-7200, now.Unix()-3600 })), 400, "invalid_grant"},
		{"IssuedInTheFuture", grant(sign(pk, "", func(c *jws.ClaimSet) { c.Iat, c.Exp = now.Unix()+3600, now.Unix()+7200 })), 400, "invalid_grant"},
		{"LongLived", grant(sign(pk, "", func(c *jws.ClaimSet) { c.Exp = now.Unix() + 7200 })), 400, "invalid_grant"},
		{"NoScope", grant(sign(pk, "", func(c *jws.ClaimSet) { c.Scope = "" })), 400, "invalid_scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postToken(t, srv, tc.form)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, out)
			}
			if tc.status == 200 {
				if out["token_type"] != "Bearer" || out["expires_in"] != 3599.0 || !strings.HasPrefix(out["access_token"].(string), "ya29.") {
					t.Fatalf("token answer: %v", out)
				}
				return
			}
			if out["error"] != tc.code || out["error_description"] == "" {
				t.Fatalf("error %v, want %s", out, tc.code)
			}
		})
	}
}

// rawCall makes one API call with an explicit Authorization header.
func rawCall(t *testing.T, srv *Server, method, path, auth string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestAPIAuthentication(t *testing.T) {
	srv, _ := NewServer(Options{NoListener: true})
	srv.NewServiceAccount(testSA)
	srv.NewServiceAccount("reader@ro-project.iam.gserviceaccount.com")
	id := srv.CreateSpreadsheet("CRM", "UTC")
	srv.Share(id, testSA)
	srv.Share(id, "reader@ro-project.iam.gserviceaccount.com")
	stale := srv.IssueToken(testSA)
	srv.Advance(59 * time.Minute)
	fresh := srv.IssueToken(testSA)
	srv.Advance(2 * time.Minute) // stale is now 61 minutes old
	ro := srv.IssueToken("reader@ro-project.iam.gserviceaccount.com", sheets.SpreadsheetsReadonlyScope)
	get := "/v4/spreadsheets/" + id
	write := "/v4/spreadsheets/" + id + "/values:batchClear"
	cases := []struct {
		name, method, path, auth string
		status                   int
		want                     string
	}{
		{"NoHeader", "GET", get, "", 401, `"status":"UNAUTHENTICATED"`},
		{"NotBearer", "GET", get, "Basic dXNlcjpwYXNz", 401, "missing required authentication credential"},
		{"UnknownToken", "GET", get, "Bearer ya29.nope", 401, "invalid authentication credentials"},
		{"Expired", "GET", get, "Bearer " + stale, 401, "ACCESS_TOKEN_EXPIRED"},
		{"Fresh", "GET", get, "Bearer " + fresh, 200, `"title":"CRM"`},
		{"ReadOnlyScopeReads", "GET", get, "Bearer " + ro, 200, `"title":"CRM"`},
		{"ReadOnlyScopeWrites", "POST", write, "Bearer " + ro, 403, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"},
		{"Writes", "POST", write, "Bearer " + fresh, 200, `"spreadsheetId"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawCall(t, srv, tc.method, tc.path, tc.auth, "{}")
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s; want %d containing %q", status, body, tc.status, tc.want)
			}
		})
	}
}

// TestAccessErrors checks 403/404 bodies as the real client parses them.
func TestAccessErrors(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		other := e.srv.CreateSpreadsheet("not shared", "UTC")
		_, err := e.svc.Spreadsheets.Get(other).Do()
		ge := apiErr(t, err, 403)
		if ge.Message != "The caller does not have permission" || len(ge.Errors) != 1 || ge.Errors[0].Reason != "forbidden" ||
			!strings.Contains(string(ge.Body), `"status":"PERMISSION_DENIED"`) {
			t.Fatalf("403: %+v %s", ge, ge.Body)
		}
		_, err = e.svc.Spreadsheets.Values.Get("1nonexistent", "A1").Do()
		ge = apiErr(t, err, 404)
		if ge.Message != "Requested entity was not found." || !strings.Contains(string(ge.Body), `"status":"NOT_FOUND"`) {
			t.Fatalf("404: %+v %s", ge, ge.Body)
		}
		// Sharing fixes it; unsharing takes it away again.
		e.srv.Share(other, strings.ToUpper(testSA))
		must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(other).Do())
		e.srv.Unshare(other, testSA)
		_, err = e.svc.Spreadsheets.Get(other).Do()
		apiErr(t, err, 403)

		e.srv.DisableAPI("test-project")
		_, err = e.svc.Spreadsheets.Get(e.id).Do()
		ge = apiErr(t, err, 403)
		if len(ge.Errors) != 1 || ge.Errors[0].Reason != "accessNotConfigured" || !strings.Contains(ge.Message, "Google Sheets API has not been used in project") {
			t.Fatalf("disabled API: %+v", ge)
		}
	})
}

func TestNoAuth(t *testing.T) {
	srv, _ := NewServer(Options{NoAuth: true})
	defer srv.Stop()
	id := srv.CreateSpreadsheet("open", "UTC") // shared with nobody
	svc, err := sheets.NewService(context.Background(), option.WithEndpoint(srv.URL()+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Spreadsheets.Values.Update(id, "A1", &sheets.ValueRange{Values: [][]any{{"x"}}}).ValueInputOption("RAW").Do(); err != nil {
		t.Fatal(err)
	}
	if got := srv.Values(id, "Sheet1"); len(got) != 1 || got[0][0] != "x" {
		t.Fatalf("values %v", got)
	}
}

// TestSecretsNotLogged: tokens and keys never reach the log.
func TestSecretsNotLogged(t *testing.T) {
	var log bytes.Buffer
	srv, _ := NewServer(Options{Logger: &log})
	defer srv.Stop()
	e := &env{srv: srv, key: srv.NewServiceAccount(testSA)}
	e.id = srv.CreateSpreadsheet("CRM", "UTC")
	srv.Share(e.id, testSA)
	e.svc = e.client(t, e.key)
	must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Do())
	_, err := e.svc.Spreadsheets.Get("1missing").Do()
	apiErr(t, err, 404)
	out := log.String()
	if !strings.Contains(out, "GET /v4/spreadsheets/") || !strings.Contains(out, "-> 404") {
		t.Fatalf("log lacks requests:\n%s", out)
	}
	for _, secret := range []string{"ya29.", "PRIVATE KEY", "assertion", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q:\n%s", secret, out)
		}
	}
}
