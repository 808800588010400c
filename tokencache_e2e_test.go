package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The shared Zoho token cache as a user's weeks meet it: a file left
// broken, a directory the run may not write, a refresh token replaced, a
// cached token Zoho stopped accepting. Every run must succeed, mint only
// the tokens it must, and never log a secret.

// tokenRun runs --once with the cache in dir and returns the access tokens
// the emulator minted for it.
func tokenRun(t *testing.T, em *emulators, cfg string, extra map[string]string) (minted int, stderr string) {
	t.Helper()
	before := em.zoho.Stats().AccessTokensIssued
	code, out, errs := inProcess(t, em, extra, "--once", "--config", cfg, "--log-level", "debug", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	assertNoSecrets(t, em, out+errs)
	em.zoho.Advance(time.Minute)
	em.sheets.Advance(time.Minute) // Google's per-minute quota is not what these tests are about
	return em.zoho.Stats().AccessTokensIssued - before, errs
}

func TestTokenCacheBrokenFileIsReplaced(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	dir := t.TempDir()
	extra := map[string]string{"ZOHO2SHEETS_CACHE_DIR": dir}
	tokenRun(t, em, cfg, extra)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	for _, broken := range []string{"", "{\"access_token\":\"1000.", "\x00\xff garbage", `{"access_token":"","expiry":"2999-01-01T00:00:00Z"}`} {
		if err := os.WriteFile(files[0], []byte(broken), 0o600); err != nil {
			t.Fatal(err)
		}
		if n, _ := tokenRun(t, em, cfg, extra); n != 1 {
			t.Fatalf("cache file %q: %d tokens minted, want 1", broken, n)
		}
		if n, _ := tokenRun(t, em, cfg, extra); n != 0 {
			t.Fatalf("after a broken file %q was replaced, the next run minted %d tokens", broken, n)
		}
	}
}

func TestTokenCacheUnwritableDirWarnsAndRuns(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "cache") // below a file: cannot be created, whoever runs the test
	_, errs := tokenRun(t, em, cfg, map[string]string{"ZOHO2SHEETS_CACHE_DIR": dir})
	if !strings.Contains(errs, `"level":"warn"`) || !strings.Contains(errs, "Zoho access token") || !strings.Contains(errs, dir) {
		t.Fatalf("no warning about the cache:\n%s", errs)
	}
	if strings.Count(errs, `"dir":`) != 1 {
		t.Errorf("the warning is repeated:\n%s", errs)
	}
}

func TestTokenCacheNewRefreshTokenNeverUsesTheOldToken(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	extra := map[string]string{"ZOHO2SHEETS_CACHE_DIR": t.TempDir()}
	tokenRun(t, em, cfg, extra)
	// The person runs `auth` again (a new refresh token) and revokes the old.
	old := em.env["ZOHO_REFRESH_TOKEN"]
	extra["ZOHO_REFRESH_TOKEN"] = em.zoho.NewRefreshToken()
	em.zoho.RevokeToken(old)
	if n, _ := tokenRun(t, em, cfg, extra); n != 1 {
		t.Fatalf("new refresh token: %d tokens minted, want 1 (its own)", n)
	}
	if n, _ := tokenRun(t, em, cfg, extra); n != 0 {
		t.Fatalf("then cached: %d minted", n)
	}
	if em.zoho.Stats().Codes["INVALID_TOKEN"] != 0 {
		t.Errorf("a run sent the old refresh token's access token: %v", em.zoho.Stats().Codes)
	}
}

func TestTokenCacheRejectedTokenIsDroppedOnce(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	extra := map[string]string{"ZOHO2SHEETS_CACHE_DIR": t.TempDir()}
	tokenRun(t, em, cfg, extra)
	em.zoho.ExpireAccessTokens() // Zoho stops accepting the cached token
	if n, _ := tokenRun(t, em, cfg, extra); n != 1 {
		t.Fatalf("after INVALID_TOKEN: %d minted, want 1", n)
	}
	rejected := em.zoho.Stats().Codes["INVALID_TOKEN"]
	if n, _ := tokenRun(t, em, cfg, extra); n != 0 || em.zoho.Stats().Codes["INVALID_TOKEN"] != rejected {
		t.Fatalf("the next run minted %d and met INVALID_TOKEN %d more times: the new token was not cached",
			n, em.zoho.Stats().Codes["INVALID_TOKEN"]-rejected)
	}
}
