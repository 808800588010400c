package zohotest

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpointAnswersLikeZoho(t *testing.T) {
	bothModes(t, Options{}, func(t *testing.T, s *Server) {
		c := s.Credentials()
		revoked := s.NewRefreshToken()
		s.RevokeToken(revoked)
		with := func(k, v string) url.Values {
			f := refreshForm(c)
			f.Set(k, v)
			return f
		}
		for _, tc := range []struct {
			name     string
			accounts string
			form     url.Values
			wantErr  string // "" = success
		}{
			{"refresh", s.AccountsURL(), refreshForm(c), ""},
			{"unknown client id", s.AccountsURL(), with("client_id", "1000.NOPE"), "invalid_client"},
			{"other data centre", s.AccountsURLFor("eu"), refreshForm(c), "invalid_client"},
			{"wrong secret", s.AccountsURL(), with("client_secret", "wrong"), "invalid_client_secret"},
			{"unknown refresh token", s.AccountsURL(), with("refresh_token", "1000.unknown"), "invalid_code"},
			{"revoked refresh token", s.AccountsURL(), with("refresh_token", revoked), "invalid_code"},
			{"unknown grant", s.AccountsURL(), with("grant_type", "password"), "unsupported_grant_type"},
			{"client credentials without soid", s.AccountsURL(), with("grant_type", "client_credentials"), "missing_org_info"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, out := tokenCall(t, s, tc.accounts, tc.form)
				if status != http.StatusOK {
					t.Fatalf("HTTP %d, want 200 even for errors (Zoho)", status)
				}
				if got, _ := out["error"].(string); got != tc.wantErr {
					t.Fatalf("error = %q, want %q (%v)", got, tc.wantErr, out)
				}
				if tc.wantErr != "" {
					if _, ok := out["access_token"]; ok {
						t.Fatal("error answer carries an access token")
					}
					return
				}
				if out["api_domain"] != s.APIDomain() || out["token_type"] != "Bearer" || out["expires_in"] != float64(3600) {
					t.Fatalf("success answer %v", out)
				}
				if _, ok := out["refresh_token"]; ok {
					t.Fatal("a refresh answer must not carry a refresh token")
				}
			})
		}
	})
}

func TestTokenParametersInQueryString(t *testing.T) {
	s := newServer(t, Options{NoListener: true})
	resp, err := s.HTTPClient().Post(s.AccountsURL()+"/oauth/v2/token?"+refreshForm(s.Credentials()).Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.body, _ = readAll(resp)
	if at, _ := a.json(t)["access_token"].(string); at == "" {
		t.Fatalf("query-string parameters refused: %s", a.body)
	}
	if r, _ := s.HTTPClient().Get(s.AccountsURL() + "/oauth/v2/token"); r.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET token endpoint: HTTP %d, want 405", r.StatusCode)
	}
}

func TestAccessTokenThrottle(t *testing.T) {
	s := newServer(t, Options{NoListener: true})
	form := refreshForm(s.Credentials())
	for i := 0; i < 10; i++ {
		if _, out := tokenCall(t, s, s.AccountsURL(), form); out["access_token"] == nil {
			t.Fatalf("token %d refused: %v", i+1, out)
		}
		s.Advance(30 * time.Second)
	}
	_, out := tokenCall(t, s, s.AccountsURL(), form)
	want := map[string]any{"error": "Access Denied", "status": "failure",
		"error_description": "You have made too many requests continuously. Please try again after some time."}
	for k, v := range want {
		if out[k] != v {
			t.Fatalf("11th token in 10 minutes: %v, want %v", out, want)
		}
	}
	// The window slides: 10 minutes after the first token, one more is allowed.
	s.Advance(10*time.Minute - 10*30*time.Second + time.Second)
	if _, out := tokenCall(t, s, s.AccountsURL(), form); out["access_token"] == nil {
		t.Fatalf("after the window slid: %v", out)
	}
	if _, out := tokenCall(t, s, s.AccountsURL(), form); out["error"] != "Access Denied" {
		t.Fatalf("second token in the same second: %v", out)
	}
	if got := s.Stats().TokenErrors["Access Denied"]; got != 2 {
		t.Fatalf("Stats counted %d throttled calls, want 2", got)
	}
}

func TestAccessTokenExpiresAfterAnHour(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 3}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		path := "/crm/v8/Leads?fields=Last_Name"
		if a := get(t, s, at, path); a.status != http.StatusOK {
			t.Fatalf("fresh token: %d %s", a.status, a.body)
		}
		s.Advance(time.Hour - time.Second)
		if a := get(t, s, at, path); a.status != http.StatusOK {
			t.Fatalf("token at 59:59: %d %s", a.status, a.body)
		}
		s.Advance(time.Second)
		a := get(t, s, at, path)
		if a.status != http.StatusUnauthorized || a.code(t) != "INVALID_TOKEN" {
			t.Fatalf("token after an hour: %d %s, want 401 INVALID_TOKEN", a.status, a.body)
		}
		if got := a.json(t)["message"]; got != "invalid oauth token" {
			t.Fatalf("message %q", got)
		}
	})
}

func TestRevokedRefreshTokenKillsItsAccessTokens(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 1}})
	at := mintToken(t, s)
	s.RevokeRefreshToken()
	if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.code(t) != "INVALID_TOKEN" {
		t.Fatalf("access token of a revoked refresh token: %s", a.body)
	}
	if _, out := tokenCall(t, s, s.AccountsURL(), refreshForm(s.Credentials())); out["error"] != "invalid_code" {
		t.Fatalf("refresh with a revoked token: %v", out)
	}
}

func TestRevokeEndpoint(t *testing.T) {
	s := newServer(t, Options{NoListener: true})
	rt := s.NewRefreshToken()
	post := func(accounts, token string) (int, map[string]any) {
		resp, err := s.HTTPClient().Post(accounts+"/oauth/v2/token/revoke?token="+url.QueryEscape(token), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := readAll(resp)
		return resp.StatusCode, answer{resp.StatusCode, nil, b}.json(t)
	}
	if st, out := post(s.AccountsURL(), rt); st != 200 || out["status"] != "success" {
		t.Fatalf("revoke: %d %v", st, out)
	}
	if st, _ := post(s.AccountsURL(), rt); st != http.StatusBadRequest {
		t.Fatalf("revoking twice: HTTP %d, want 400", st)
	}
	if st, _ := post(s.AccountsURL(), "1000.garbage"); st != http.StatusBadRequest {
		t.Fatalf("unknown token: HTTP %d, want 400", st)
	}
	f := refreshForm(s.Credentials())
	f.Set("refresh_token", rt)
	if _, out := tokenCall(t, s, s.AccountsURL(), f); out["error"] != "invalid_code" {
		t.Fatalf("refresh with the revoked token: %v", out)
	}
}

func TestSelfClientCodeExchange(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 1}})
	c := s.Credentials()
	form := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {c.ClientID},
			"client_secret": {c.ClientSecret}, "code": {code}}
	}
	code := s.NewSelfClientCode("ZohoCRM.modules.leads.READ")
	_, out := tokenCall(t, s, s.AccountsURL(), form(code))
	rt, _ := out["refresh_token"].(string)
	if rt == "" || out["scope"] != "ZohoCRM.modules.leads.READ" || out["access_token"] == nil {
		t.Fatalf("exchange: %v", out)
	}
	t.Run("code is single-use", func(t *testing.T) {
		if _, out := tokenCall(t, s, s.AccountsURL(), form(code)); out["error"] != "invalid_code" {
			t.Fatalf("second use: %v", out)
		}
	})
	t.Run("code expires after 3 minutes", func(t *testing.T) {
		old := s.NewSelfClientCode()
		s.Advance(3 * time.Minute)
		if _, out := tokenCall(t, s, s.AccountsURL(), form(old)); out["error"] != "invalid_code" {
			t.Fatalf("expired code: %v", out)
		}
	})
	t.Run("code at another data centre", func(t *testing.T) {
		if _, out := tokenCall(t, s, s.AccountsURLFor("in"), form(s.NewSelfClientCode())); out["error"] != "invalid_client" {
			t.Fatalf("other DC: %v", out)
		}
	})
	t.Run("new refresh token carries the code's scopes", func(t *testing.T) {
		f := refreshForm(c)
		f.Set("refresh_token", rt)
		_, out := tokenCall(t, s, s.AccountsURL(), f)
		at, _ := out["access_token"].(string)
		if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != http.StatusOK {
			t.Fatalf("module-specific scope refused: %d %s", a.status, a.body)
		}
		for _, path := range []string{"/crm/v8/Deals?fields=Deal_Name", "/crm/v8/settings/fields?module=Leads", "/crm/v8/settings/modules"} {
			a := get(t, s, at, path)
			if a.status != http.StatusUnauthorized || a.code(t) != "OAUTH_SCOPE_MISMATCH" {
				t.Fatalf("%s without its scope: %d %s", path, a.status, a.body)
			}
		}
	})
}

func TestConsentRedirect(t *testing.T) {
	s := newServer(t, Options{NoListener: true})
	hc := *s.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := s.Credentials()
	auth := func(accounts string, v url.Values) *http.Response {
		resp, err := hc.Get(accounts + "/oauth/v2/auth?" + v.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	base := url.Values{"client_id": {c.ClientID}, "response_type": {"code"}, "access_type": {"offline"}, "prompt": {"consent"},
		"redirect_uri": {"http://127.0.0.1:5555/cb"}, "scope": {"ZohoCRM.modules.READ,ZohoCRM.settings.fields.READ"}, "state": {"xyz"}}
	resp := auth(s.AccountsURL(), base)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent: HTTP %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	got := loc.Query()
	if loc.Host != "127.0.0.1:5555" || got.Get("state") != "xyz" || got.Get("location") != "us" ||
		got.Get("accounts-server") != s.AccountsURL() || got.Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	ex := url.Values{"grant_type": {"authorization_code"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret},
		"code": {got.Get("code")}, "redirect_uri": {"http://127.0.0.1:5555/other"}}
	if _, out := tokenCall(t, s, s.AccountsURL(), ex); out["error"] != "invalid_redirect_uri" {
		t.Fatalf("exchange with another redirect_uri: %v", out)
	}
	ex.Set("redirect_uri", "http://127.0.0.1:5555/cb")
	if _, out := tokenCall(t, s, s.AccountsURL(), ex); out["refresh_token"] == nil {
		t.Fatalf("exchange: %v", out)
	}

	for _, tc := range []struct {
		name     string
		accounts string
		set      map[string]string
		status   int
		errParam string
	}{
		{"unknown client", s.AccountsURL(), map[string]string{"client_id": "1000.X"}, http.StatusBadRequest, ""},
		{"other data centre", s.AccountsURLFor("eu"), nil, http.StatusBadRequest, ""},
		{"non-loopback redirect", s.AccountsURL(), map[string]string{"redirect_uri": "https://evil.example/cb"}, http.StatusBadRequest, ""},
		{"no scope", s.AccountsURL(), map[string]string{"scope": ""}, http.StatusFound, "invalid_scope"},
		{"bad response_type", s.AccountsURL(), map[string]string{"response_type": "token"}, http.StatusFound, "unsupported_response_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range base {
				v[k] = vs
			}
			for k, x := range tc.set {
				v.Set(k, x)
			}
			resp := auth(tc.accounts, v)
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.errParam != "" {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if loc.Query().Get("error") != tc.errParam || loc.Query().Get("code") != "" {
					t.Fatalf("redirect %s, want error=%s", loc, tc.errParam)
				}
			}
		})
	}
	t.Run("online access gives no refresh token", func(t *testing.T) {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		v.Set("access_type", "online")
		loc, _ := url.Parse(auth(s.AccountsURL(), v).Header.Get("Location"))
		ex.Set("code", loc.Query().Get("code"))
		_, out := tokenCall(t, s, s.AccountsURL(), ex)
		if out["access_token"] == nil || out["refresh_token"] != nil {
			t.Fatalf("online exchange: %v", out)
		}
	})
}

func TestCRMAuthentication(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 2}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		path := "/crm/v8/Leads?fields=Last_Name"
		for _, tc := range []struct {
			name, header, code string
		}{
			{"no header", "", "AUTHENTICATION_FAILURE"},
			{"Bearer scheme", "Bearer " + at, "AUTHENTICATION_FAILURE"},
			{"scheme only", "Zoho-oauthtoken ", "AUTHENTICATION_FAILURE"},
			{"unknown token", "Zoho-oauthtoken 1000.nope", "INVALID_TOKEN"},
			{"refresh token as access token", "Zoho-oauthtoken " + s.Credentials().RefreshToken, "INVALID_TOKEN"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := get(t, s, "", path, "Authorization", tc.header)
				if a.status != http.StatusUnauthorized || a.code(t) != tc.code {
					t.Fatalf("%d %s, want 401 %s", a.status, a.body, tc.code)
				}
				if st := a.json(t)["status"]; st != "error" {
					t.Fatalf("status %v", st)
				}
			})
		}
		if a := get(t, s, "", path, "Authorization", "zoho-oauthtoken "+at); a.status != http.StatusOK {
			t.Fatalf("scheme is case-insensitive: %d %s", a.status, a.body)
		}
	})
}

func TestLogsCarryNoSecrets(t *testing.T) {
	var log bytes.Buffer
	s := newServer(t, Options{NoListener: true, Logger: &log, Records: map[string]int{"Leads": 1}})
	c := s.Credentials()
	code := s.NewSelfClientCode()
	f := refreshForm(c)
	resp, err := s.HTTPClient().Post(s.AccountsURL()+"/oauth/v2/token?"+f.Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, out := tokenCall(t, s, s.AccountsURL(), url.Values{"grant_type": {"authorization_code"}, "client_id": {c.ClientID},
		"client_secret": {c.ClientSecret}, "code": {code}})
	at := out["access_token"].(string)
	get(t, s, at, "/crm/v8/Leads?fields=Last_Name")
	s.HTTPClient().Post(s.AccountsURL()+"/oauth/v2/token/revoke?token="+out["refresh_token"].(string), "", nil)
	if log.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for name, secret := range map[string]string{"client secret": c.ClientSecret, "refresh token": c.RefreshToken,
		"code": code, "access token": at, "new refresh token": out["refresh_token"].(string)} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("the %s reached the log:\n%s", name, log.String())
		}
	}
}

func TestRefreshTokensPerUserCap(t *testing.T) {
	s := newServer(t, Options{NoListener: true})
	first := s.Credentials().RefreshToken
	for i := 0; i < refreshPerUser-1; i++ {
		s.NewRefreshToken()
	}
	f := refreshForm(s.Credentials())
	if _, out := tokenCall(t, s, s.AccountsURL(), f); out["access_token"] == nil {
		t.Fatalf("20 refresh tokens: the first died early: %v", out)
	}
	s.NewRefreshToken() // the 21st
	f.Set("refresh_token", first)
	if _, out := tokenCall(t, s, s.AccountsURL(), f); out["error"] != "invalid_code" {
		t.Fatalf("the 21st refresh token did not kill the oldest: %v", out)
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(resp.Body)
	return b.Bytes(), err
}
