package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestTokenEndpointErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   string
		msg    []string // in Error()
		hint   []string // in Hint()
	}{
		{"InvalidClient", 200, `{"error":"invalid_client"}`, CodeInvalidClient,
			[]string{"invalid_client", "client id", "data centre"}, []string{"ZOHO_CLIENT_ID", "data centre eu", "ZOHO_DC", "uk, us"}},
		{"InvalidClientSecret", 200, `{"error":"invalid_client_secret"}`, CodeInvalidClientSecret,
			[]string{"secret is wrong"}, []string{"ZOHO_CLIENT_SECRET"}},
		{"InvalidCode", 200, `{"error":"invalid_code"}`, CodeInvalidCode,
			[]string{"refresh token was revoked"}, []string{"zoho2sheets auth", "ZOHO_REFRESH_TOKEN"}},
		{"Throttled", 200, `{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}`,
			CodeAccessDenied, []string{"too many token requests"}, []string{"10 minutes"}},
		{"HTTP400Error", 400, `{"error":"invalid_client"}`, CodeInvalidClient, []string{"invalid_client"}, []string{"ZOHO_DC"}},
		{"HTMLPage", 200, `<html>login</html>`, CodeBadResponse, []string{"accounts server?"}, []string{"ZOHO_DC"}},
		{"ServerError", 502, `bad gateway`, CodeBadResponse, []string{"502"}, []string{"try again later"}},
		{"NoAccessToken", 200, `{"api_domain":"https://www.zohoapis.eu"}`, CodeBadResponse, []string{"no access_token"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, w := setup(t)
			w.tokenReply = func(rw http.ResponseWriter, r *http.Request) {
				rw.WriteHeader(tc.status)
				fmt.Fprint(rw, tc.body)
			}
			_, err := c.Token(context.Background())
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("err = %#v", err)
			}
			if te.Code != tc.code {
				t.Errorf("code %q, want %q", te.Code, tc.code)
			}
			for _, s := range tc.msg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err, s)
				}
			}
			for _, s := range tc.hint {
				if !strings.Contains(zsync.Hint(err), s) {
					t.Errorf("hint %q lacks %q", zsync.Hint(err), s)
				}
			}
			assertNoSecrets(t, err.Error()+zsync.Hint(err))
		})
	}
	t.Run("Network", func(t *testing.T) {
		// A server that drops every connection, rather than a closed one:
		// the port of a closed server may be another process's by the
		// time of the call, and answer.
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
		t.Cleanup(srv.Close)
		c, err := NewClient(WithCredentials(Credentials{ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefresh}),
			WithAccountsURL(srv.URL), WithSleep((&sleeps{}).Sleep), WithMaxRetries(1))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Count(context.Background(), "Leads")
		var te *TokenError
		if !errors.As(err, &te) || te.Code != CodeNetwork || !strings.Contains(zsync.Hint(err), "network") {
			t.Fatalf("err = %v", err)
		}
		if c.Stats().Retries != 1 {
			t.Errorf("network failures of the token endpoint are retried: %+v", c.Stats())
		}
		assertNoSecrets(t, err.Error())
	})
	t.Run("PermanentFailureNotRepeated", func(t *testing.T) {
		c, w := setup(t)
		n := 0
		w.tokenReply = func(rw http.ResponseWriter, r *http.Request) { n++; fmt.Fprint(rw, `{"error":"Access Denied"}`) }
		for range 3 {
			c.Token(context.Background())
		}
		if n != 1 {
			t.Errorf("asked the throttled endpoint %d times", n)
		}
		w.clock.Advance(11 * time.Minute)
		c.Token(context.Background())
		if n != 2 {
			t.Errorf("did not ask again after 10 minutes")
		}
	})
}

func TestTokenCachingAndExpiry(t *testing.T) {
	c, w := setup(t)
	ctx := context.Background()
	t1, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIDomain() != w.srv.URL {
		t.Errorf("api domain %q, want the token's %q", c.APIDomain(), w.srv.URL)
	}
	w.clock.Advance(54 * time.Minute)
	if t2, _ := c.Token(ctx); t2.AccessToken != t1.AccessToken {
		t.Errorf("refreshed before 55 minutes")
	}
	w.clock.Advance(time.Minute + time.Second)
	if t3, _ := c.Token(ctx); t3.AccessToken == t1.AccessToken {
		t.Errorf("not refreshed 5 minutes before expiry")
	}
	if n := c.Stats().TokenRefreshes; n != 2 {
		t.Errorf("refreshes = %d", n)
	}
}

func TestTokenLegacyMilliseconds(t *testing.T) {
	for _, tc := range []struct{ body string }{
		{`{"access_token":"a","expires_in":3600000,"api_domain":"https://www.zohoapis.com"}`},
		{`{"access_token":"a","expires_in_sec":3600,"expires_in":3600000}`},
		{`{"access_token":"a","expires_in":3600}`},
	} {
		c, w := setup(t)
		w.tokenReply = func(rw http.ResponseWriter, r *http.Request) { fmt.Fprint(rw, tc.body) }
		if _, err := c.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := c.TokenSource().ExpiresAt().Sub(w.clock.Now()); got != 55*time.Minute {
			t.Errorf("%s: replaced after %v, want 55m", tc.body, got)
		}
	}
}

func TestTokenSingleFlight(t *testing.T) {
	c, w := setup(t)
	release := make(chan struct{})
	var mu sync.Mutex
	n := 0
	w.tokenReply = func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		<-release
		fmt.Fprintf(rw, `{"access_token":"tok-%d","expires_in":3600}`, n)
	}
	ctx := context.Background()
	for round := range 3 {
		var wg sync.WaitGroup
		got := make([]string, 8)
		for i := range 8 {
			wg.Go(func() {
				tok, err := c.Token(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = tok.AccessToken
			})
		}
		time.Sleep(2 * time.Millisecond) // let the callers pile up on the refresh
		close(release)
		wg.Wait()
		release = make(chan struct{})
		for _, g := range got {
			if g != got[0] {
				t.Errorf("round %d: callers got different tokens %v", round, got)
			}
		}
		mu.Lock()
		if n != round+1 {
			t.Errorf("round %d: %d refreshes, want %d", round, n, round+1)
		}
		mu.Unlock()
		w.clock.Advance(time.Hour)
	}
}

func TestCancelledLeaderDoesNotFailOthers(t *testing.T) {
	c, w := setup(t)
	entered := make(chan struct{}, 2)
	var mu sync.Mutex
	n := 0
	w.tokenReply = func(rw http.ResponseWriter, r *http.Request) {
		r.ParseForm() // the server notices a closed connection only once the body is read
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		entered <- struct{}{}
		if first {
			<-r.Context().Done()
			return
		}
		fmt.Fprint(rw, `{"access_token":"tok","expires_in":3600}`)
	}
	lctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Token(lctx); done <- err }()
	<-entered
	res := make(chan error, 1)
	go func() { _, err := c.Token(context.Background()); res <- err }()
	time.Sleep(2 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v", err)
	}
	if err := <-res; err != nil {
		t.Errorf("follower failed with the leader's cancellation: %v", err)
	}
}

func TestAuthCodeURL(t *testing.T) {
	u := AuthCodeURL("https://accounts.zoho.eu/", "1000.C", "http://127.0.0.1:8976/callback", "st", nil)
	for _, s := range []string{"https://accounts.zoho.eu/oauth/v2/auth?", "access_type=offline", "prompt=consent",
		"response_type=code", "client_id=1000.C", "state=st", "redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback",
		"scope=ZohoCRM.modules.READ%2CZohoCRM.settings.modules.READ%2CZohoCRM.settings.fields.READ%2CZohoCRM.bulk.read%2CZohoCRM.coql.READ%2CZohoCRM.users.READ%2CZohoCRM.org.READ"} {
		if !strings.Contains(u, s) {
			t.Errorf("%s lacks %s", u, s)
		}
	}
}

func TestExchangeAndRevoke(t *testing.T) {
	c, w := setup(t)
	var gotRedirect []bool
	w.tokenReply = func(rw http.ResponseWriter, r *http.Request) {
		if r.FormValue("grant_type") != "authorization_code" || r.FormValue("client_secret") != testClientSecret {
			fmt.Fprint(rw, `{"error":"invalid_client"}`)
			return
		}
		gotRedirect = append(gotRedirect, r.Form.Has("redirect_uri"))
		if r.FormValue("code") != "1000.goodcode" {
			fmt.Fprint(rw, `{"error":"invalid_code"}`)
			return
		}
		fmt.Fprint(rw, `{"access_token":"1000.at","refresh_token":"1000.rt","scope":"ZohoCRM.modules.READ","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}`)
	}
	ctx := context.Background()
	g, err := c.Exchange(ctx, "1000.goodcode", "")
	if err != nil {
		t.Fatal(err)
	}
	if g.RefreshToken != "1000.rt" || g.AccessToken != "1000.at" || g.APIDomain != "https://www.zohoapis.eu" ||
		g.Scope != "ZohoCRM.modules.READ" || !g.Expiry.Equal(w.clock.Now().Add(time.Hour)) {
		t.Errorf("grant %+v", g)
	}
	if strings.Contains(g.String(), "1000.rt") {
		t.Errorf("String shows the token")
	}
	_, err = c.Exchange(ctx, "1000.usedcode", "http://127.0.0.1/cb")
	var te *TokenError
	if !errors.As(err, &te) || te.Code != CodeInvalidCode || !strings.Contains(err.Error(), "already used") {
		t.Errorf("err = %v", err)
	}
	if fmt.Sprint(gotRedirect) != "[false true]" {
		t.Errorf("redirect_uri sent: %v", gotRedirect)
	}
	assertNoSecrets(t, err.Error(), "1000.usedcode")

	w.mux.HandleFunc("POST /accounts/oauth/v2/token/revoke", func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") == "1000.rt" {
			fmt.Fprint(rw, `{"status":"success"}`)
			return
		}
		rw.WriteHeader(400)
		fmt.Fprint(rw, `{"status":"failure"}`)
	})
	if err := c.Revoke(ctx, "1000.rt"); err != nil {
		t.Errorf("revoke: %v", err)
	}
	err = c.Revoke(ctx, "1000.unknown-token")
	if err == nil || strings.Contains(err.Error(), "unknown-token") {
		t.Errorf("revoke unknown: %v", err)
	}
}
