package sheets

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

var (
	testKeyOnce gosync.Once
	testKeyPEM  string
)

// testKey returns a PEM PKCS#8 RSA key, generated once per test binary.
func testKey(t testing.TB) string {
	t.Helper()
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		testKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	})
	return testKeyPEM
}

// serviceAccountJSON is a key file for email whose token_uri is tokenURI.
func serviceAccountJSON(t testing.TB, email, tokenURI string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "p", "private_key_id": "kid1",
		"private_key": testKey(t), "client_email": email, "client_id": "1",
		"token_uri": tokenURI,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tokenServer is an OAuth token endpoint granting "tok-N" for JWT bearer grants.
func tokenServer(t testing.TB) (*httptest.Server, *int) {
	t.Helper()
	n := new(int)
	var mu gosync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
			return
		}
		mu.Lock()
		*n++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-1","expires_in":3600,"token_type":"Bearer"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, n
}

// sleeps records the waits of a fake sleep.
type sleeps struct {
	mu sync0
	d  []time.Duration
}

type sync0 = gosync.Mutex

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// stubClient is a client of an httptest server with a static token.
func stubClient(t testing.TB, h http.Handler, opts ...Option) (*Client, *sleeps) {
	return stubClientAuth(t, h, WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})), opts...)
}

func stubClientAuth(t testing.TB, h http.Handler, auth Option, opts ...Option) (*Client, *sleeps) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sl := &sleeps{}
	base := []Option{auth, WithEndpoint(srv.URL), WithSleep(sl.sleep), WithQuota(0, 0)}
	c, err := NewClient(context.Background(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func writeAPIError(w http.ResponseWriter, code int, status, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": msg, "status": status,
		"errors": []any{map[string]any{"message": msg, "domain": "global", "reason": reason}},
	}})
}

func propsHandler(title, tz string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"spreadsheetId": "sheet123",
			"properties": map[string]any{"title": title, "timeZone": tz},
			"sheets":     []any{}})
	}
}

func mustContain(t testing.TB, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}
