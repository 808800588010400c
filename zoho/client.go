// Package zoho reads Zoho CRM through its REST API (v8): OAuth tokens from a
// refresh token, module and field metadata, records through COQL (2,000 a
// call, paged by key) or, for fields COQL cannot select, Get Records with
// page tokens and Bulk Read, deleted records, and the users list.
//
// Client implements zsync.Source. Every base URL, the HTTP client, the
// clock and the sleep are injectable, so tests run the real client against
// the zohotest emulator.
package zoho

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/zoho2sheets/zoho2sheets/internal/backoff"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Defaults of a Client.
const (
	DefaultConcurrency = 10 // Zoho Standard edition's in-flight limit
	DefaultMaxRetries  = 5
	// DefaultRequestTimeout bounds one attempt of one API call, body included.
	DefaultRequestTimeout = 2 * time.Minute
)

// Backoff bounds: retries wait a random time between half and all of
// min(backoffMax, backoffBase·2^(n-1)).
const (
	backoffBase = time.Second
	backoffMax  = 60 * time.Second
	// maxRetryAfter is the longest Retry-After honoured; a longer one (daily
	// credits exhausted) fails the call at once instead of hanging the run.
	maxRetryAfter = 5 * time.Minute
)

// Observer receives the client's events, e.g. for Prometheus metrics
// (*metrics.Observer implements it). Methods must be safe for concurrent use.
type Observer interface {
	APICall(status int) // one HTTP attempt; 0 when no response came
	Retry()             // one retried attempt
	TokenRefresh()      // one access token minted
}

// CreditObserver is an Observer that also wants the API credits each
// successful call cost (*metrics.Observer implements it).
type CreditObserver interface {
	Credits(n int)
}

// Stats are the running totals of a client's traffic.
type Stats struct {
	Calls          int // HTTP attempts to the CRM API, retries included
	Credits        int // API credits of the successful calls: 1 each, a COQL query 1–3 by its LIMIT
	RecordCalls    int // attempts that read records (Get Records and COQL pages)
	Retries        int // attempts that were retries
	TokenRefreshes int // access tokens minted
	// CreditsRemaining is the last X-API-CREDITS-REMAINING Zoho sent
	// (it only does past 50 % use); -1 when none was seen.
	CreditsRemaining int
	ByStatus         map[int]int // HTTP status → attempts (0 = no response)
}

// Client is a Zoho CRM API client. It is safe for concurrent use.
type Client struct {
	creds       Credentials
	hc          *http.Client
	accountsURL string // override of creds.AccountsURL
	apiDomain   string // override of the token's api_domain
	log         zerolog.Logger
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	sem         chan struct{}
	maxRetries  int
	timeout     time.Duration
	observer    Observer
	cache       *TokenCache
	bulkMin     int // full reads of modules with more records use Bulk Read
	chainLimit  int // records per page-token chain (Zoho: 100,000)

	ts    oauth2.TokenSource
	zts   *TokenSource // ts, when it is ours
	tsErr error        // why there is no token source

	mu    sync.Mutex
	stats Stats

	metaMu sync.Mutex
	meta   map[string]fieldsEntry // module → its field metadata, read within metaTTL

	noCOQL  atomic.Pointer[string] // why COQL is not used (nil: it is)
	noBulk  atomic.Bool            // the refresh token may not use Bulk Read
	usersMu sync.Mutex
	users   map[string]zsync.Lookup // user id → full name and email
	usersAt time.Time

	orgCache *orgInfo          // GET /org, once read
	uiTabs   map[string]string // module → its tab in web UI links, once read
}

var _ zsync.Source = (*Client)(nil)

// Option configures a Client.
type Option func(*Client) error

// WithCredentials sets the client id, secret, refresh token and data
// centre (see CredentialsFromEnv).
func WithCredentials(c Credentials) Option {
	return func(cl *Client) error {
		if c.DC != "" {
			if _, err := LookupDC(c.DC); err != nil {
				return fmt.Errorf("zoho: %w", err)
			}
		}
		cl.creds = c
		return nil
	}
}

// WithHTTPClient sets the HTTP client for every call (accounts server and
// CRM API).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("zoho: http client must not be nil")
		}
		c.hc = hc
		return nil
	}
}

// WithAccountsURL overrides the accounts server (token endpoint). Plain
// http is only accepted on loopback.
func WithAccountsURL(u string) Option {
	return func(c *Client) error {
		v, err := checkBaseURL(u)
		if err != nil {
			return fmt.Errorf("zoho: accounts URL: %w", err)
		}
		c.accountsURL = v
		return nil
	}
}

// WithAPIDomain overrides the CRM API base (by default the api_domain the
// token endpoint returns). Plain http is only accepted on loopback.
func WithAPIDomain(u string) Option {
	return func(c *Client) error {
		v, err := checkBaseURL(u)
		if err != nil {
			return fmt.Errorf("zoho: API domain: %w", err)
		}
		c.apiDomain = v
		return nil
	}
}

// WithLogger sets the logger (default: none). Nothing secret is logged.
func WithLogger(l zerolog.Logger) Option {
	return func(c *Client) error { c.log = l; return nil }
}

// WithClock sets the clock used for token expiry (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *Client) error {
		if now == nil {
			return errors.New("zoho: clock must not be nil")
		}
		c.now = now
		return nil
	}
}

// WithSleep sets how the client waits between retries and Bulk Read polls
// (default: a timer that stops when ctx is done). Tests pass one that
// returns at once.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) error {
		if sleep == nil {
			return errors.New("zoho: sleep must not be nil")
		}
		c.sleep = sleep
		return nil
	}
}

// WithConcurrency bounds the API calls in flight (default 10). Keep it
// below the edition's limit (Free 5, Standard 10, Professional 15).
func WithConcurrency(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("zoho: concurrency must be at least 1 (got %d)", n)
		}
		c.sem = make(chan struct{}, n)
		return nil
	}
}

// WithMaxRetries bounds the retries of one call on 429, 5xx, timeouts and
// dropped connections (default 5; 0 disables retries).
func WithMaxRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("zoho: max retries must not be negative (got %d)", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRequestTimeout bounds one attempt of one call, body included, and
// each request to the accounts server (default 2 minutes). A timed-out
// attempt is retried like a dropped connection.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("zoho: request timeout must be positive (got %s)", d)
		}
		c.timeout = d
		return nil
	}
}

// WithTokenSource replaces the refresh-token source, e.g. with a fixed
// token. A *TokenSource also gets 401 handling and its api_domain used.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *Client) error {
		if ts == nil {
			return errors.New("zoho: token source must not be nil")
		}
		c.ts = ts
		c.zts, _ = ts.(*TokenSource)
		return nil
	}
}

// WithTokenCache shares access tokens with other processes through c
// (see TokenCache). It applies to the refresh-token source only.
func WithTokenCache(c *TokenCache) Option {
	return func(cl *Client) error { cl.cache = c; return nil }
}

// WithObserver reports every call, retry and token refresh to o.
func WithObserver(o Observer) Option {
	return func(c *Client) error { c.observer = o; return nil }
}

// WithBulkReadAbove makes a full read of a module use Bulk Read for the
// records past the first n when the page-token chain ends (Zoho caps one
// chain at 100,000 records). Default 100,000; 0 disables Bulk Read, and the
// read continues with a new chain from the last Modified_Time instead.
func WithBulkReadAbove(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("zoho: bulk read threshold must not be negative (got %d)", n)
		}
		c.bulkMin = n
		return nil
	}
}

// WithoutCOQL makes Records read with Get Records (and Bulk Read) only,
// as before COQL was the read path.
func WithoutCOQL() Option {
	return func(c *Client) error {
		why := "COQL is switched off (WithoutCOQL)"
		c.noCOQL.Store(&why)
		return nil
	}
}

// NewClient returns a client. Without a refresh token (WithCredentials) or
// a token source, only Exchange and Revoke work; API calls fail saying so.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		log:        zerolog.Nop(),
		now:        time.Now,
		sleep:      backoff.Sleep,
		maxRetries: DefaultMaxRetries,
		timeout:    DefaultRequestTimeout,
		bulkMin:    maxChainRecords,
		chainLimit: maxChainRecords,
		meta:       map[string]fieldsEntry{},
	}
	c.stats.CreditsRemaining = -1
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.sem == nil {
		c.sem = make(chan struct{}, DefaultConcurrency)
	}
	if c.hc == nil {
		c.hc = defaultHTTPClient()
	}
	if c.apiDomain == "" && c.creds.APIDomain != "" {
		v, err := checkBaseURL(c.creds.APIDomain)
		if err != nil {
			return nil, fmt.Errorf("zoho: API domain: %w", err)
		}
		c.apiDomain = v
	}
	if c.ts == nil {
		switch {
		case c.creds.RefreshToken == "":
			c.tsErr = errors.New("zoho: no refresh token: run `zoho2sheets auth` and set ZOHO_REFRESH_TOKEN")
		default:
			acc, err := c.accounts()
			if err != nil {
				return nil, err
			}
			c.zts = &TokenSource{acc: acc, refreshToken: c.creds.RefreshToken, now: c.now,
				ctx: context.Background(), onRefresh: c.onRefresh}
			if c.cache != nil {
				c.zts.UseCache(c.cache)
			}
			c.ts = c.zts
		}
	}
	return c, nil
}

func (c *Client) onRefresh() {
	if c.observer != nil {
		c.observer.TokenRefresh()
	}
}

// accounts returns the token endpoint client for the configured accounts server.
func (c *Client) accounts() (accounts, error) {
	creds := c.creds
	if c.accountsURL != "" {
		creds.AccountsURL = c.accountsURL
	}
	acc, err := newAccounts(creds, c.hc, c.log)
	acc.timeout = c.timeout
	return acc, err
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 90 * time.Second
	t.MaxIdleConnsPerHost = DefaultConcurrency
	return &http.Client{Transport: t}
}

// TokenSource returns the client's token source (nil without credentials),
// e.g. for `zoho2sheets token`.
func (c *Client) TokenSource() *TokenSource { return c.zts }

// Token returns a valid access token (cached until shortly before it
// expires). Failures are *TokenError.
func (c *Client) Token(ctx context.Context) (*oauth2.Token, error) {
	if c.ts == nil {
		return nil, c.tsErr
	}
	if c.zts != nil {
		return c.zts.TokenContext(ctx)
	}
	return c.ts.Token()
}

// APIDomain returns the CRM API base in use: the override, else the
// api_domain of the last token, else the data centre's.
func (c *Client) APIDomain() string {
	if c.apiDomain != "" {
		return c.apiDomain
	}
	if c.zts != nil {
		if d := c.zts.APIDomain(); d != "" {
			return d
		}
	}
	dc, err := LookupDC(c.creds.DC)
	if err != nil {
		dc = DataCenters[DefaultDC]
	}
	return dc.APIDomain
}

// Stats returns the running totals. It is safe for concurrent use.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.ByStatus = make(map[int]int, len(c.stats.ByStatus))
	for k, v := range c.stats.ByStatus {
		s.ByStatus[k] = v
	}
	if c.zts != nil {
		s.TokenRefreshes = c.zts.Refreshes()
	}
	return s
}

func (c *Client) record(r *request, status int, h http.Header) {
	c.mu.Lock()
	c.stats.Calls++
	if r.records {
		c.stats.RecordCalls++
	}
	if c.stats.ByStatus == nil {
		c.stats.ByStatus = map[int]int{}
	}
	c.stats.ByStatus[status]++
	credits := 0
	if status >= 200 && status < 400 {
		credits = max(1, r.credits)
		c.stats.Credits += credits
	}
	if h != nil {
		if v := h.Get("X-API-CREDITS-REMAINING"); v != "" {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				c.stats.CreditsRemaining = n
			}
		}
	}
	c.mu.Unlock()
	if c.observer != nil {
		c.observer.APICall(status)
		if co, ok := c.observer.(CreditObserver); ok && credits > 0 {
			co.Credits(credits)
		}
	}
}

// request is one CRM API call.
type request struct {
	op     string // what is being done, for errors: "list Leads page 3"
	method string
	path   string // under the API domain, e.g. /crm/v8/Leads
	query  url.Values
	header http.Header
	body   []byte // sent with Content-Type: application/json
	// timeout overrides the client's per-attempt timeout (downloads).
	timeout time.Duration
	// wait429 is the least wait before retrying a 429: the span of a
	// limit the usual backoff would not outlast (Bulk Read downloads).
	wait429 time.Duration
	credits int  // API credits the call costs when it succeeds (0 means 1)
	records bool // a call that reads records, for Stats.RecordCalls
}

// do sends r, retrying 429, 5xx, timeouts and dropped connections with
// capped exponential backoff and jitter (honouring Retry-After), and
// refreshing the token once on 401 INVALID_TOKEN. It returns responses with
// status 2xx or 304; the caller must close the body, which frees the
// concurrency slot. Other statuses become *APIError.
func (c *Client) do(ctx context.Context, r *request) (*http.Response, error) {
	var (
		lastErr    error
		wait       time.Duration
		refreshed  bool
		retries    int
		logRetries = c.log.With().Str("op", r.op).Logger()
	)
	for {
		if retries > 0 {
			c.mu.Lock()
			c.stats.Retries++
			c.mu.Unlock()
			if c.observer != nil {
				c.observer.Retry()
			}
			logRetries.Warn().Err(lastErr).Int("retry", retries).Dur("wait", wait).Msg("zoho call failed; retrying")
			if err := c.sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("zoho: %s: %w", r.op, err)
			}
		}
		resp, err := c.attempt(ctx, r)
		if err == nil {
			if retries > 0 {
				logRetries.Info().Int("retries", retries).Msg("zoho call recovered")
			}
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("zoho: %s: %w", r.op, ctx.Err())
		}
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized && ae.Code == "INVALID_TOKEN" && !refreshed && c.zts != nil:
			// The token died early (revoked, or Zoho dropped it): one fresh
			// token, then the call again, at once.
			refreshed = true
			c.zts.Invalidate(ae.token)
			c.log.Info().Str("op", r.op).Msg("access token rejected; refreshing it once")
			wait, lastErr = 0, err
			continue
		case !isTemporary(err):
			return nil, err
		case retries >= c.maxRetries:
			return nil, fmt.Errorf("%w (gave up after %d attempts)", err, retries+1)
		}
		retries++
		lastErr = err
		wait = c.backoff(retries)
		if r.wait429 > 0 && errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
			wait = max(wait, r.wait429)
		}
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			if ae.RetryAfter > maxRetryAfter {
				return nil, err
			}
			wait = max(wait, ae.RetryAfter)
		}
	}
}

// retryBackoff draws each wait from half to all of its exponential step.
var retryBackoff = backoff.Policy{Base: backoffBase, Max: backoffMax, Spread: 0.5}

// backoff returns the wait before retry n (1-based): half to all of
// min(backoffMax, backoffBase·2^(n-1)).
func (c *Client) backoff(n int) time.Duration { return retryBackoff.Delay(n - 1) }

// netError is a failed attempt without an HTTP answer: retried.
type netError struct {
	op  string
	err error
}

func (e *netError) Error() string   { return fmt.Sprintf("zoho: %s: %v", e.op, e.err) }
func (e *netError) Unwrap() error   { return e.err }
func (e *netError) Temporary() bool { return true }

// attempt makes one try of r.
func (c *Client) attempt(ctx context.Context, r *request) (*http.Response, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := sync.OnceFunc(func() { <-c.sem })
	tok, err := c.Token(ctx)
	if err != nil {
		release()
		return nil, err
	}
	timeout := c.timeout
	if r.timeout > 0 {
		timeout = r.timeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	done := func() { cancel(); release() }

	u := c.APIDomain() + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = strings.NewReader(string(r.body))
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, body)
	if err != nil {
		done()
		return nil, fmt.Errorf("zoho: %s: %s", r.op, Redact(err.Error()))
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok.AccessToken)
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		done()
		c.record(r, 0, nil)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &netError{op: r.op, err: scrubURLError(err)}
	}
	c.record(r, resp.StatusCode, resp.Header)
	c.log.Debug().Str("method", r.method).Str("url", Redact(r.path+"?"+r.query.Encode())).
		Int("status", resp.StatusCode).Dur("took", time.Since(start)).Msg("zoho call")
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
		resp.Body = &releaseBody{ReadCloser: resp.Body, done: done, op: r.op}
		return resp, nil
	}
	ae := readAPIError(r.method+" "+r.path, resp)
	done()
	ae.Op = r.op
	ae.token = tok.AccessToken
	return nil, ae
}

// releaseBody frees the attempt's timeout and concurrency slot on Close,
// and marks read errors as retryable network errors.
type releaseBody struct {
	io.ReadCloser
	done func()
	op   string
}

func (b *releaseBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &netError{op: b.op + ": read body", err: scrubURLError(err)}
	}
	return n, err
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}
