package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zoho2sheets/zoho2sheets/config"
)

// tokenMargin is how long before expiry a cached token is no longer handed
// out: a script must get a token that still works when it uses it.
const tokenMargin = 5 * time.Minute

// cachedToken is the on-disk form of a Zoho access token.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	APIDomain   string    `json:"api_domain"`
	Expiry      time.Time `json:"expiry"`
}

// cmdToken prints a valid Zoho access token for scripts. Tokens are cached
// on disk (mode 0600) until shortly before they expire, so calling it in a
// loop does not hit Zoho's limit of 10 tokens per 10 minutes.
func cmdToken(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "", "mapping file whose zoho.data_center to use (optional)")
	noCache := fs.Bool("no-cache", false, "always mint a new token")
	showDomain := fs.Bool("api-domain", false, "print the API domain on a second line")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	var cfg *config.Config
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath, lookupEnv(e))
		if err != nil {
			return err
		}
		cfg = c
	}
	creds, err := zohoCredentials(cfg, e)
	if err != nil {
		return err
	}
	path, err := tokenCachePath(e, creds.ClientID+"\x00"+creds.RefreshToken+"\x00"+creds.AccountsURL)
	if err != nil {
		return err
	}
	print := func(t cachedToken) error {
		fmt.Fprintln(e.stdout, t.AccessToken)
		if *showDomain {
			fmt.Fprintln(e.stdout, t.APIDomain)
		}
		return nil
	}
	if !*noCache {
		if t, ok := readTokenCache(path, e.now()); ok {
			return print(t)
		}
	}
	zc, err := newZohoClient(creds, e, quietLogger(e), nil)
	if err != nil {
		return err
	}
	tok, err := zc.Token(ctx)
	if err != nil {
		return err
	}
	t := cachedToken{AccessToken: tok.AccessToken, APIDomain: zc.APIDomain(), Expiry: tok.Expiry}
	if err := writeTokenCache(path, t); err != nil {
		fmt.Fprintf(e.stderr, "warning: could not cache the token: %v\n", err)
	}
	return print(t)
}

// tokenCachePath is the cache file for one set of credentials. The name is
// a hash, so neither the client id nor the refresh token shows in it.
func tokenCachePath(e env, identity string) (string, error) {
	dir := e.getenv("ZOHO2SHEETS_CACHE_DIR")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("find a cache directory: %w (set ZOHO2SHEETS_CACHE_DIR)", err)
		}
		dir = filepath.Join(base, "zoho2sheets")
	}
	sum := sha256.Sum256([]byte(identity))
	return filepath.Join(dir, "zoho-token-"+hex.EncodeToString(sum[:8])+".json"), nil
}

func readTokenCache(path string, now time.Time) (cachedToken, bool) {
	var t cachedToken
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &t) != nil || t.AccessToken == "" {
		return t, false
	}
	return t, now.Add(tokenMargin).Before(t.Expiry)
}

func writeTokenCache(path string, t cachedToken) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	// Write to a private temp file and rename, so a reader never sees half
	// a token and the file is never world-readable, not even briefly.
	f, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
