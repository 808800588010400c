package zoho_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// cacheFiles returns the token files in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "zoho-token-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Processes one after another (here: fresh clients) share one token
// through the cache; the file is private and holds no secret.
func TestTokenCacheSharedAcrossClients(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 3})
	dir := filepath.Join(t.TempDir(), "cache")
	for i := range 5 {
		c := e.client(t, zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
		if _, err := c.Modules(context.Background()); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		e.srv.Advance(time.Minute)
	}
	if n := e.srv.Stats().AccessTokensIssued; n != 1 {
		t.Fatalf("%d access tokens minted for 5 clients sharing a cache, want 1", n)
	}
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v (%v), want 0600", fi.Mode(), err)
	}
	if di, err := os.Stat(dir); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir mode %v (%v), want 0700", di.Mode(), err)
	}
	b, _ := os.ReadFile(files[0])
	c := e.srv.Credentials()
	for name, secret := range map[string]string{"refresh token": c.RefreshToken, "client secret": c.ClientSecret, "client id": c.ClientID} {
		if strings.Contains(string(b), secret) || strings.Contains(files[0], secret) {
			t.Errorf("the cache file holds the %s", name)
		}
	}

	// Another refresh token (another identity) never gets this token.
	other := e.srv.NewRefreshToken()
	oc := e.client(t, zoho.WithCredentials(zoho.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: other}),
		zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
	if _, err := oc.Modules(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().AccessTokensIssued; n != 2 {
		t.Fatalf("%d access tokens minted, want 2: another refresh token needs its own", n)
	}
}

// A cached token Zoho no longer accepts (INVALID_TOKEN) is dropped: the
// call refreshes once, and the next process gets the new token.
func TestTokenCacheDropsRejectedToken(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 3})
	dir := t.TempDir()
	first := e.client(t, zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
	old, err := first.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireAccessTokens()
	second := e.client(t, zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
	if _, err := second.Modules(context.Background()); err != nil {
		t.Fatalf("call with a rejected cached token: %v", err)
	}
	if got := e.srv.Stats().Codes["INVALID_TOKEN"]; got != 1 {
		t.Errorf("%d INVALID_TOKEN answers, want 1", got)
	}
	third := e.client(t, zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
	tok, err := third.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == old.AccessToken {
		t.Fatal("the rejected token is still cached")
	}
	if _, err := third.Modules(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().AccessTokensIssued; n != 2 {
		t.Fatalf("%d access tokens minted, want 2", n)
	}
	e.assertNoSecrets(t, e.logs.String())
}

// A cache directory that cannot be written is a warning, never a failure.
func TestTokenCacheUnwritableIsAWarning(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 3})
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cache := zoho.NewTokenCache(filepath.Join(blocker, "cache"), zerolog.New(&logs))
	for range 2 {
		c := e.client(t, zoho.WithTokenCache(cache))
		if _, err := c.Modules(context.Background()); err != nil {
			t.Fatalf("a broken cache failed the call: %v", err)
		}
	}
	if n := strings.Count(logs.String(), `"level":"warn"`); n != 1 {
		t.Errorf("%d warnings, want one:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "cached Zoho access token") || !strings.Contains(logs.String(), blocker) {
		t.Errorf("the warning does not say what failed:\n%s", logs.String())
	}
}

// Processes writing the cache at once leave a whole file: every read sees
// nothing or one whole token that was written, never a mix or half.
func TestTokenCacheConcurrentWriters(t *testing.T) {
	srv, err := zohotest.NewServer(zohotest.Options{Seed: 1, NoListener: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	dir := t.TempDir()
	c := srv.Credentials()
	var wg sync.WaitGroup
	tokens := make(chan string, 64)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer is its own "process": its own cache and source,
			// refreshing many times.
			cl, err := zoho.NewClient(zoho.WithCredentials(zoho.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken}),
				zoho.WithAccountsURL(srv.AccountsURL()), zoho.WithHTTPClient(srv.HTTPClient()), zoho.WithClock(srv.Now),
				zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 5 {
				tok, err := cl.TokenSource().Refresh(context.Background())
				if err != nil {
					t.Errorf("writer %d refresh %d: %v", w, i, err)
					return
				}
				tokens <- tok.AccessToken
				srv.Advance(10 * time.Minute) // stay under Zoho's mint limit
			}
		}()
	}
	stop := make(chan struct{})
	bad := make(chan string, 1)
	go func() {
		for {
			select {
			case <-stop:
				close(bad)
				return
			default:
			}
			for _, f := range cacheFiles(t, dir) {
				b, err := os.ReadFile(f)
				if err == nil && !strings.HasPrefix(string(b), `{"access_token":"1000.`) || err == nil && !strings.HasSuffix(string(b), "}") {
					bad <- fmt.Sprintf("%q", b)
					close(bad)
					return
				}
			}
		}
	}()
	wg.Wait()
	close(stop)
	if b, ok := <-bad; ok {
		t.Fatalf("a reader saw a partial cache file: %s", b)
	}
	close(tokens)
	written := map[string]bool{}
	for tok := range tokens {
		written[tok] = true
	}
	last := cachedTokenOf(t, srv, dir)
	if !written[last] {
		t.Fatal("the cache holds a token nobody wrote")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".zoho-token-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// cachedTokenOf reads the cached token through a fresh client.
func cachedTokenOf(t *testing.T, srv *zohotest.Server, dir string) string {
	t.Helper()
	c := srv.Credentials()
	cl, err := zoho.NewClient(zoho.WithCredentials(zoho.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken}),
		zoho.WithAccountsURL(srv.AccountsURL()), zoho.WithHTTPClient(srv.HTTPClient()), zoho.WithClock(srv.Now),
		zoho.WithTokenCache(zoho.NewTokenCache(dir, zerolog.Nop())))
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().AccessTokensIssued
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if srv.Stats().AccessTokensIssued != before {
		t.Fatal("a fresh client minted a token although one was cached")
	}
	return tok.AccessToken
}
