package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"
)

// RefreshEarly is how long before its expiry a cached access token is
// replaced. Zoho tokens live an hour and only 10 may be minted per refresh
// token per 10 minutes, so one token is reused for about 55 minutes.
const RefreshEarly = 5 * time.Minute

// accounts talks to the token endpoint of one accounts server.
type accounts struct {
	url          string // accounts server, no trailing slash
	dc           string
	clientID     string
	clientSecret string
	hc           *http.Client
	log          zerolog.Logger
	timeout      time.Duration // bounds each request, answer included
}

// tokenResponse is the token endpoint's JSON, success and failure alike.
type tokenResponse struct {
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token"`
	APIDomain    string          `json:"api_domain"`
	TokenType    string          `json:"token_type"`
	ExpiresIn    json.Number     `json:"expires_in"`
	ExpiresInSec json.Number     `json:"expires_in_sec"`
	Scope        string          `json:"scope"`
	Error        json.RawMessage `json:"error"`
	Description  string          `json:"error_description"`
	Status       string          `json:"status"`
}

// lifetime returns the token lifetime. expires_in is in seconds; older
// answers carried expires_in_sec with expires_in in milliseconds.
func (r *tokenResponse) lifetime() time.Duration {
	if n, err := r.ExpiresInSec.Int64(); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	n, err := r.ExpiresIn.Int64()
	if err != nil || n <= 0 {
		return time.Hour // Zoho's documented lifetime
	}
	if n > 24*3600 { // more than a day in seconds: it is the legacy milliseconds
		return time.Duration(n) * time.Millisecond
	}
	return time.Duration(n) * time.Second
}

// errorCode returns the "error" value (a string, sometimes an object).
func (r *tokenResponse) errorCode() string {
	if len(r.Error) == 0 || string(r.Error) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(r.Error, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(r.Error))
}

// maxTokenBody bounds what is read from the accounts server.
const maxTokenBody = 1 << 20

// post sends form to path on the accounts server and decodes the answer.
// Zoho reports failures with HTTP 200 and an "error" key, so the body is
// checked for an access token, not the status.
func (a *accounts) post(ctx context.Context, op, path string, form url.Values) (*tokenResponse, error) {
	// A timed-out request is a network failure (retried), not the
	// caller's cancellation: ctx is checked, not rctx.
	rctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, a.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, newTokenError(op, CodeBadResponse, Redact(err.Error()), 0, a.url, a.dc, nil)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("zoho: %s: %w", op, ctx.Err())
		}
		return nil, newTokenError(op, CodeNetwork, "", 0, a.url, a.dc, scrubURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("zoho: %s: %w", op, ctx.Err())
		}
		return nil, newTokenError(op, CodeNetwork, "", resp.StatusCode, a.url, a.dc, scrubURLError(err))
	}
	var tr tokenResponse
	jerr := json.Unmarshal(body, &tr)
	if code := tr.errorCode(); jerr == nil && code != "" {
		return nil, newTokenError(op, code, tr.Description, resp.StatusCode, a.url, a.dc, nil)
	}
	if jerr != nil || resp.StatusCode != http.StatusOK {
		desc := "HTTP " + resp.Status
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
			desc += ", " + ct + " body (is " + a.url + " an accounts server?)"
		}
		return nil, newTokenError(op, CodeBadResponse, desc, resp.StatusCode, a.url, a.dc, nil)
	}
	return &tr, nil
}

// scrubURLError removes the URL's secrets from a *url.Error.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %s", ue.Op, Redact(ue.URL), Redact(ue.Err.Error()))
	}
	return errors.New(Redact(err.Error()))
}

// TokenSource mints Zoho access tokens from a refresh token and caches
// them. It implements oauth2.TokenSource and is safe for concurrent use:
// concurrent callers share one refresh, and a token is replaced RefreshEarly
// before it expires.
type TokenSource struct {
	acc          accounts
	refreshToken string
	now          func() time.Time
	ctx          context.Context // for Token, which has no context
	onRefresh    func()
	cache        *TokenCache // shared with other processes; nil: none
	cacheKey     string

	mu        sync.Mutex
	tok       *oauth2.Token
	apiDomain string
	flight    *tokenFlight
	failed    error     // last permanent failure …
	failedTil time.Time // … returned without asking Zoho until then

	refreshes atomic.Int64
}

type tokenFlight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// NewTokenSource returns a token source for creds (ClientID, ClientSecret,
// RefreshToken and AccountsURL, or DC for its accounts server). hc may be
// nil (http.DefaultClient); now may be nil (time.Now).
func NewTokenSource(creds Credentials, hc *http.Client, now func() time.Time) (*TokenSource, error) {
	acc, err := newAccounts(creds, hc, zerolog.Nop())
	if err != nil {
		return nil, err
	}
	if creds.RefreshToken == "" {
		return nil, errors.New("zoho: no refresh token: run `zoho2sheets auth` and set ZOHO_REFRESH_TOKEN")
	}
	if now == nil {
		now = time.Now
	}
	return &TokenSource{acc: acc, refreshToken: creds.RefreshToken, now: now, ctx: context.Background()}, nil
}

func newAccounts(creds Credentials, hc *http.Client, log zerolog.Logger) (accounts, error) {
	dc := creds.DC
	u := creds.AccountsURL
	if u == "" {
		d, err := LookupDC(dc)
		if err != nil {
			return accounts{}, fmt.Errorf("zoho: %w", err)
		}
		u, dc = d.AccountsURL, d.Name
	}
	u, err := checkBaseURL(u)
	if err != nil {
		return accounts{}, fmt.Errorf("zoho: accounts server: %w", err)
	}
	if creds.ClientID == "" || creds.ClientSecret == "" {
		return accounts{}, errors.New("zoho: client id and secret are required (ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET)")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return accounts{url: u, dc: dc, clientID: creds.ClientID, clientSecret: creds.ClientSecret, hc: hc, log: log,
		timeout: DefaultRequestTimeout}, nil
}

// Token returns a valid access token, refreshing it if needed. It
// implements oauth2.TokenSource; prefer TokenContext, which can be cancelled.
func (ts *TokenSource) Token() (*oauth2.Token, error) { return ts.TokenContext(ts.ctx) }

// TokenContext returns a valid access token, refreshing it when it is
// missing or expires within RefreshEarly. Concurrent callers wait for one
// refresh. Failures are *TokenError (or the context's error).
func (ts *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	for {
		ts.mu.Lock()
		now := ts.now()
		if ts.tok != nil && now.Before(ts.tok.Expiry) {
			t := ts.tok
			ts.mu.Unlock()
			return t, nil
		}
		if ts.failed != nil && now.Before(ts.failedTil) {
			err := ts.failed
			ts.mu.Unlock()
			return nil, err
		}
		f := ts.flight
		if f == nil {
			f = &tokenFlight{done: make(chan struct{})}
			ts.flight = f
			ts.mu.Unlock()
			f.tok, f.err = ts.fetch(ctx)
			ts.mu.Lock()
			ts.flight = nil
			if f.err == nil {
				ts.tok, ts.failed = f.tok, nil
			} else if te := (*TokenError)(nil); errors.As(f.err, &te) && !te.Temporary() {
				// Asking again at once only burns the 10-per-10-minutes budget.
				wait := time.Minute
				if te.Code == CodeAccessDenied {
					wait = 10 * time.Minute
				}
				ts.failed, ts.failedTil = f.err, ts.now().Add(wait)
			}
			close(f.done)
			ts.mu.Unlock()
			return f.tok, f.err
		}
		ts.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("zoho: wait for access token: %w", ctx.Err())
		}
		if f.err == nil {
			return f.tok, nil
		}
		// The refresh ran on another caller's context; if that one was
		// cancelled but ours is alive, refresh ourselves.
		if (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return nil, f.err
	}
}

// UseCache makes ts share its tokens through c with other processes: a
// valid cached token is used instead of minting one, a minted one is
// stored, and a rejected one removed. nil turns sharing off.
func (ts *TokenSource) UseCache(c *TokenCache) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.cache = c
	ts.cacheKey = cacheKey(ts.acc.clientID, ts.acc.url, ts.refreshToken)
}

// fetch returns the cached token when another process left a valid one,
// else mints one (and caches it).
func (ts *TokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	ts.mu.Lock()
	cache, key := ts.cache, ts.cacheKey
	ts.mu.Unlock()
	if cache == nil {
		return ts.refresh(ctx)
	}
	if c, ok := cache.load(key, ts.now()); ok {
		ts.mu.Lock()
		if c.APIDomain != "" {
			ts.apiDomain = c.APIDomain
		}
		ts.mu.Unlock()
		ts.acc.log.Debug().Time("expiry", c.Expiry).Msg("access token from the cache")
		return tokenOf(c.AccessToken, c.APIDomain, c.Expiry), nil
	}
	tok, err := ts.refresh(ctx)
	if err == nil {
		cache.store(key, cachedToken{AccessToken: tok.AccessToken, APIDomain: ts.APIDomain(), Expiry: tok.Expiry})
	}
	return tok, err
}

// Refresh mints a new access token even when a valid one is at hand (in
// memory or in the cache), and uses and caches it from then on. Failures
// are *TokenError.
func (ts *TokenSource) Refresh(ctx context.Context) (*oauth2.Token, error) {
	tok, err := ts.refresh(ctx)
	if err != nil {
		return nil, err
	}
	ts.mu.Lock()
	ts.tok = tok
	cache, key := ts.cache, ts.cacheKey
	ts.mu.Unlock()
	if cache != nil {
		cache.store(key, cachedToken{AccessToken: tok.AccessToken, APIDomain: ts.APIDomain(), Expiry: tok.Expiry})
	}
	return tok, nil
}

func tokenOf(access, apiDomain string, expiry time.Time) *oauth2.Token {
	tok := &oauth2.Token{AccessToken: access, TokenType: "Zoho-oauthtoken", Expiry: expiry}
	return tok.WithExtra(map[string]any{"api_domain": apiDomain})
}

// refresh asks the accounts server for a new access token.
func (ts *TokenSource) refresh(ctx context.Context) (*oauth2.Token, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {ts.acc.clientID},
		"client_secret": {ts.acc.clientSecret},
		"refresh_token": {ts.refreshToken},
	}
	start := ts.now()
	tr, err := ts.acc.post(ctx, opRefresh, "/oauth/v2/token", form)
	if err != nil {
		ts.acc.log.Warn().Str("accounts", ts.acc.url).Err(err).Msg("access token refresh failed")
		return nil, err
	}
	if tr.AccessToken == "" {
		return nil, newTokenError(opRefresh, CodeBadResponse, "no access_token in the answer", http.StatusOK, ts.acc.url, ts.acc.dc, nil)
	}
	ts.refreshes.Add(1)
	if ts.onRefresh != nil {
		ts.onRefresh()
	}
	life := tr.lifetime()
	early := RefreshEarly
	if early > life/2 {
		early = life / 2
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: "Zoho-oauthtoken", Expiry: start.Add(life - early)}
	tok = tok.WithExtra(map[string]any{"api_domain": tr.APIDomain, "expires_in": life.Seconds()})
	ts.mu.Lock()
	if tr.APIDomain != "" {
		ts.apiDomain = strings.TrimRight(tr.APIDomain, "/")
	}
	ts.mu.Unlock()
	ts.acc.log.Debug().Str("accounts", ts.acc.url).Str("api_domain", tr.APIDomain).
		Dur("lifetime", life).Msg("access token refreshed")
	return tok, nil
}

// Invalidate drops the cached token if it is access, so the next call
// refreshes. Callers pass the token Zoho rejected; a token another caller
// already replaced is left alone, so a burst of 401s costs one refresh.
// The token leaves the on-disk cache too.
func (ts *TokenSource) Invalidate(access string) {
	ts.mu.Lock()
	if ts.tok != nil && ts.tok.AccessToken == access {
		ts.tok = nil
	}
	cache, key := ts.cache, ts.cacheKey
	ts.mu.Unlock()
	if cache != nil {
		cache.drop(key, access)
	}
}

// APIDomain returns the api_domain of the last token ("" before the first).
func (ts *TokenSource) APIDomain() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.apiDomain
}

// Refreshes returns how many access tokens were minted.
func (ts *TokenSource) Refreshes() int { return int(ts.refreshes.Load()) }

// ExpiresAt returns when the cached token is replaced (zero when none).
func (ts *TokenSource) ExpiresAt() time.Time {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok == nil {
		return time.Time{}
	}
	return ts.tok.Expiry
}
