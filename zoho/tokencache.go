package zoho

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// TokenCache keeps Zoho access tokens in files, so that processes started
// one after another (a `--once` run a minute, `check`, `fields`, scripts
// calling `token`) share one token instead of each minting its own: Zoho
// mints only 10 access tokens per refresh token per 10 minutes.
//
// A file holds one access token, its API domain and the time it stops
// being used, never a refresh token or a client secret. Its name is a hash
// of the client id, the accounts server and a hash of the refresh token,
// so another identity never picks it up, and the name gives nothing away.
// Files are written with mode 0600 through a temporary file and a rename,
// so a reader never sees half a token, and two processes writing at once
// leave one whole file. A cache that cannot be read or written is logged
// (once) and otherwise ignored: the token is minted as without a cache.
//
// A TokenCache is safe for concurrent use, also by several processes.
type TokenCache struct {
	dir  string
	log  zerolog.Logger
	warn sync.Once
}

// NewTokenCache returns a cache in dir (created, mode 0700, on first
// write). Failures to use it are logged to log at warn level.
func NewTokenCache(dir string, log zerolog.Logger) *TokenCache {
	return &TokenCache{dir: dir, log: log}
}

// cachedToken is the file's content.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	APIDomain   string    `json:"api_domain,omitempty"`
	Expiry      time.Time `json:"expiry"` // when to stop using it (RefreshEarly before Zoho's expiry)
}

// cacheKey names the cache file of one identity. The refresh token is
// hashed before it is mixed in, so the key never holds it.
func cacheKey(clientID, accountsURL, refreshToken string) string {
	rt := sha256.Sum256([]byte(refreshToken))
	k := sha256.Sum256([]byte(clientID + "\x00" + accountsURL + "\x00" + hex.EncodeToString(rt[:])))
	return hex.EncodeToString(k[:16])
}

func (c *TokenCache) path(key string) string {
	return filepath.Join(c.dir, "zoho-token-"+key+".json")
}

// load returns the cached token of key if it is still to be used at now.
func (c *TokenCache) load(key string, now time.Time) (cachedToken, bool) {
	var t cachedToken
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		if !os.IsNotExist(err) {
			c.warnf(err, "could not read the cached Zoho access token")
		}
		return t, false
	}
	if json.Unmarshal(b, &t) != nil || t.AccessToken == "" {
		return t, false
	}
	return t, now.Before(t.Expiry)
}

// store writes t as key's token.
func (c *TokenCache) store(key string, t cachedToken) {
	if err := c.write(key, t); err != nil {
		c.warnf(err, "could not cache the Zoho access token; each process mints its own")
	}
}

func (c *TokenCache) write(key string, t cachedToken) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	// A private temporary file renamed over the old one: the file is never
	// world-readable, not even briefly, and never half written.
	f, err := os.CreateTemp(c.dir, ".zoho-token-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a failure; a no-op after the rename
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
	return os.Rename(f.Name(), c.path(key))
}

// drop removes key's file if it still holds access (Zoho rejected that
// token), so that no process uses it again. A newer token another process
// wrote in the meantime is left alone.
func (c *TokenCache) drop(key, access string) {
	if t, _ := c.load(key, time.Time{}); t.AccessToken == access {
		if err := os.Remove(c.path(key)); err != nil && !os.IsNotExist(err) {
			c.warnf(err, "could not remove the rejected Zoho access token from the cache")
		}
	}
}

// warnf logs the first failure only: one line per process is enough to
// say the cache does not work. The error names the file, never a token.
func (c *TokenCache) warnf(err error, msg string) {
	c.warn.Do(func() {
		c.log.Warn().Err(err).Str("dir", c.dir).Msg(msg)
	})
}
