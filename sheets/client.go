// Package sheets writes zoho2sheets tables into Google Sheets through the
// Sheets API v4: authentication (service account keys, Workload Identity
// Federation), upserts keyed by record id that survive humans editing the
// tab, typed and formula-safe values, sync state in developer metadata,
// retries and request pacing under Google's per-minute quotas.
package sheets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
	"google.golang.org/api/option"
	"google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/internal/backoff"
	"github.com/zoho2sheets/zoho2sheets/internal/pace"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// DefaultEndpoint is the Sheets API root.
const DefaultEndpoint = "https://sheets.googleapis.com/"

// Default request quotas, per rolling minute. Google allows 60 read and 60
// write requests per minute per user (a service account is one user),
// refilled every minute. The client keeps 5 of each in reserve: its clock
// and Google's differ by the network latency, and a retry after a dropped
// answer may have been charged twice.
const (
	DefaultReadQuota  = 55
	DefaultWriteQuota = 55
)

// quotaWindow is the span Google's per-minute quotas are counted over.
const quotaWindow = time.Minute

// DefaultRequestTimeout bounds one HTTP attempt (connecting, sending,
// waiting for the answer and reading it), token requests included. Google
// gives up on a request after 180 s of processing; the rest is transfer.
const DefaultRequestTimeout = 4 * time.Minute

// headerTimeout bounds the wait for an answer's headers on the default
// transport (an injected HTTP client keeps its own transport).
const headerTimeout = 200 * time.Second

// Observer receives the client's events, e.g. for Prometheus metrics
// (*metrics.Observer implements it). Methods must be safe for concurrent use.
type Observer interface {
	APICall(status int) // one HTTP attempt to the Sheets API; 0 when no response came
	Retry()             // one retried attempt
	TokenRefresh()      // one access token fetched
}

// ObserverFunc adapts a function to Observer: it is called with service
// "sheets" and the HTTP status of each attempt ("0" when no response
// came), "retry" for each retry, or "token" for each token fetched.
type ObserverFunc func(service, status string)

// APICall implements Observer.
func (f ObserverFunc) APICall(status int) { f("sheets", strconv.Itoa(status)) }

// Retry implements Observer.
func (f ObserverFunc) Retry() { f("sheets", "retry") }

// TokenRefresh implements Observer.
func (f ObserverFunc) TokenRefresh() { f("sheets", "token") }

// Stats are the running totals of a client's traffic.
type Stats struct {
	ReadRequests  int // HTTP attempts that read (GET, metadata search)
	WriteRequests int // HTTP attempts that write
	CellsWritten  int // cell values sent in value writes
	Retries       int
	// ByStatus counts attempts per HTTP status (0 = no response).
	ByStatus map[int]int
}

type stats struct {
	mu gosync.Mutex
	s  Stats
}

func (s *stats) attempt(write bool, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if write {
		s.s.WriteRequests++
	} else {
		s.s.ReadRequests++
	}
	if s.s.ByStatus == nil {
		s.s.ByStatus = map[int]int{}
	}
	s.s.ByStatus[status]++
}

func (s *stats) retry() { s.mu.Lock(); s.s.Retries++; s.mu.Unlock() }

func (s *stats) cells(n int) { s.mu.Lock(); s.s.CellsWritten += n; s.mu.Unlock() }

func (s *stats) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.s
	out.ByStatus = make(map[int]int, len(s.s.ByStatus))
	for k, v := range s.s.ByStatus {
		out.ByStatus[k] = v
	}
	return out
}

// Client talks to the Sheets API as one identity. It is safe for concurrent
// use; all spreadsheets (and tabs) opened from it share its request pacing
// and stats.
type Client struct {
	creds      *Credentials
	ts         oauth2.TokenSource
	hc         *http.Client
	endpoint   string
	log        zerolog.Logger
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	reads      *pace.Window // paces read requests (every attempt)
	writes     *pace.Window // paces write requests (every attempt)
	maxRetries int
	timeout    time.Duration
	observer   Observer

	svc   *sheets.Service
	api   *http.Client // svc's authorised client, for the reads decoded by hand (grid.go)
	stats stats
}

// Option configures a Client.
type Option func(*Client) error

// WithCredentials authenticates with c (see CredentialsFromEnv).
func WithCredentials(c *Credentials) Option {
	return func(cl *Client) error {
		if c == nil {
			return errors.New("sheets: credentials must not be nil")
		}
		cl.creds = c
		return nil
	}
}

// WithTokenSource authenticates with access tokens from ts instead of
// credentials (tests, custom identities).
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(cl *Client) error {
		if ts == nil {
			return errors.New("sheets: token source must not be nil")
		}
		cl.ts = ts
		return nil
	}
}

// WithHTTPClient sends API and token requests through hc's transport
// (default http.DefaultClient). Authentication is added on top.
func WithHTTPClient(hc *http.Client) Option {
	return func(cl *Client) error {
		if hc == nil {
			return errors.New("sheets: http client must not be nil")
		}
		cl.hc = hc
		return nil
	}
}

// WithEndpoint moves the API root (default https://sheets.googleapis.com/),
// e.g. to an emulator. Plain http:// is accepted on loopback only.
func WithEndpoint(u string) Option {
	return func(cl *Client) error {
		if err := checkURL(u); err != nil {
			return &zsync.ConfigError{Where: EnvEndpoint, Msg: err.Error(),
				Hint: "use the API root, e.g. https://sheets.googleapis.com/ or http://127.0.0.1:PORT/ for an emulator"}
		}
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		cl.endpoint = u
		return nil
	}
}

// WithLogger logs retries, warnings and repairs to l (default: nothing).
func WithLogger(l zerolog.Logger) Option {
	return func(cl *Client) error { cl.log = l; return nil }
}

// WithClock sets the clock the request pacing counts with (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(cl *Client) error {
		if now == nil {
			return errors.New("sheets: clock must not be nil")
		}
		cl.now = now
		return nil
	}
}

// WithSleep sets how the client waits for backoff and pacing
// (default: a timer that stops when ctx is done). Tests pass a fake.
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(cl *Client) error {
		if f == nil {
			return errors.New("sheets: sleep must not be nil")
		}
		cl.sleep = f
		return nil
	}
}

// WithQuota paces requests so that no rolling minute holds more than
// reads read requests or writes write requests (every attempt counts, as
// it does for Google). A request waits only while the last minute already
// holds that many. Zero or less turns pacing off for that kind. Defaults:
// DefaultReadQuota and DefaultWriteQuota.
func WithQuota(reads, writes int) Option {
	return func(cl *Client) error {
		cl.reads = pace.New(reads, quotaWindow)
		cl.writes = pace.New(writes, quotaWindow)
		return nil
	}
}

// WithWriteRate is the old token-bucket setting, kept so that callers
// compile: rate.Inf turns all pacing off (reads and writes); any other
// limit sets the write quota to limit×60 per minute (burst is ignored).
//
// Deprecated: use WithQuota.
func WithWriteRate(limit rate.Limit, burst int) Option {
	return func(cl *Client) error {
		if limit == rate.Inf {
			cl.reads, cl.writes = pace.New(0, quotaWindow), pace.New(0, quotaWindow)
			return nil
		}
		if limit <= 0 || burst < 1 {
			return fmt.Errorf("sheets: write rate must be positive with a burst of at least 1 (got %v, %d)", limit, burst)
		}
		cl.writes = pace.New(max(1, int(float64(limit)*quotaWindow.Seconds())), quotaWindow)
		return nil
	}
}

// WithRequestTimeout bounds each HTTP attempt, token requests included
// (default DefaultRequestTimeout). A timed-out attempt is retried like a
// dropped connection: reads and idempotent writes again, writes that may
// not be repeated fail with ErrAmbiguous.
func WithRequestTimeout(d time.Duration) Option {
	return func(cl *Client) error {
		if d <= 0 {
			return fmt.Errorf("sheets: request timeout must be positive (got %s)", d)
		}
		cl.timeout = d
		return nil
	}
}

// WithMaxRetries sets how often a failed call is retried (default 5).
func WithMaxRetries(n int) Option {
	return func(cl *Client) error {
		if n < 0 {
			return fmt.Errorf("sheets: max retries must not be negative (got %d)", n)
		}
		cl.maxRetries = n
		return nil
	}
}

// WithObserver reports every API attempt, retry and token fetch to o.
func WithObserver(o Observer) Option {
	return func(cl *Client) error { cl.observer = o; return nil }
}

// NewClient returns a client. It needs WithCredentials or WithTokenSource;
// ctx is kept for token refreshes, so pass one that lives as long as the
// client.
func NewClient(ctx context.Context, opts ...Option) (*Client, error) {
	c := &Client{
		endpoint:   DefaultEndpoint,
		log:        zerolog.Nop(),
		now:        time.Now,
		sleep:      backoff.Sleep,
		reads:      pace.New(DefaultReadQuota, quotaWindow),
		writes:     pace.New(DefaultWriteQuota, quotaWindow),
		maxRetries: DefaultMaxRetries,
		timeout:    DefaultRequestTimeout,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	base := http.RoundTripper(defaultTransport())
	timeout := c.timeout
	if c.hc != nil {
		if c.hc.Transport != nil {
			base = c.hc.Transport
		}
		if c.hc.Timeout > 0 {
			timeout = min(timeout, c.hc.Timeout)
		}
	}
	// Every attempt, and every token request, ends within timeout: a
	// request that never answers is a failed attempt, not a hung run.
	hc := &http.Client{Transport: base, Timeout: timeout}
	ts := c.ts
	if ts == nil {
		if c.creds == nil {
			return nil, &zsync.ConfigError{Where: EnvCredentialsJSON, Msg: "no Google credentials given",
				Hint: "set GOOGLE_CREDENTIALS_JSON or GOOGLE_APPLICATION_CREDENTIALS"}
		}
		var err error
		if ts, err = c.creds.tokenSource(ctx, hc); err != nil {
			return nil, err
		}
	}
	api := &http.Client{
		// Hidden behind an interface: on a timeout http.Client would call
		// oauth2.Transport's deprecated CancelRequest, which logs.
		Transport: struct{ http.RoundTripper }{&oauth2.Transport{
			Source: &observedTokens{src: ts, observer: c.observer},
			Base:   &countingTransport{base: base, c: c},
		}},
		Timeout: timeout,
	}
	svc, err := sheets.NewService(ctx, option.WithHTTPClient(api), option.WithEndpoint(c.endpoint))
	if err != nil {
		return nil, fmt.Errorf("sheets: create service: %w", err)
	}
	c.svc, c.api = svc, api
	return c, nil
}

// ServiceAccountEmail is the address to share spreadsheets with ("" when
// the credentials do not say).
func (c *Client) ServiceAccountEmail() string { return c.creds.ServiceAccountEmail() }

// Stats returns the running totals of the client's requests.
func (c *Client) Stats() Stats { return c.stats.snapshot() }

// defaultTransport is http.DefaultTransport with a bound on the wait for
// an answer's headers.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = headerTimeout
	return t
}

// countingTransport counts every HTTP attempt by kind and status.
type countingTransport struct {
	base http.RoundTripper
	c    *Client
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	t.c.stats.attempt(isWrite(r), status)
	if t.c.observer != nil {
		t.c.observer.APICall(status)
	}
	return resp, err
}

// isWrite tells writes from reads the way Google's quotas do.
func isWrite(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return false
	}
	p := r.URL.Path
	return !strings.HasSuffix(p, ":search") && !strings.HasSuffix(p, ":batchGetByDataFilter") &&
		!strings.HasSuffix(p, ":getByDataFilter")
}

// observedTokens reports each new access token to the observer.
type observedTokens struct {
	src      oauth2.TokenSource
	observer Observer
	mu       gosync.Mutex
	last     string
}

func (o *observedTokens) Token() (*oauth2.Token, error) {
	t, err := o.src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			// No answer from the token endpoint (a timeout, a dropped
			// connection): the API request was never sent.
			err = &tokenFetchError{err: err}
		}
		return nil, err
	}
	if o.observer == nil {
		return t, nil
	}
	o.mu.Lock()
	fresh := t.AccessToken != o.last
	o.last = t.AccessToken
	o.mu.Unlock()
	if fresh {
		o.observer.TokenRefresh()
	}
	return t, nil
}

// tokenFetchError is a token request that got no answer. The oauth2
// library flattens the network error into text, so this marks it as
// worth retrying.
type tokenFetchError struct{ err error }

func (e *tokenFetchError) Error() string { return e.err.Error() }
func (e *tokenFetchError) Unwrap() error { return e.err }

// Spreadsheet is one spreadsheet opened for syncing. It implements
// zsync.Sink and is safe for concurrent use (upserts of one tab are
// serialised).
type Spreadsheet struct {
	c     *Client
	id    string
	title string
	tz    string
	loc   *time.Location

	mu    gosync.Mutex
	locks map[string]*gosync.Mutex
	guard func() error // refuses writes once the run lease is lost (lease.go)
	// saved is what LoadState read last, by metadata key (state.go).
	saved map[string]savedState
}

var _ zsync.Sink = (*Spreadsheet)(nil)

const propsFields = "spreadsheetId,properties(title,timeZone,locale),sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount,frozenRowCount)),developerMetadata(metadataId,metadataKey,metadataValue))"

// Open reads the spreadsheet's properties. idOrURL is a bare id or the
// spreadsheet's URL; tz is the IANA zone datetimes are written in ("" = the
// spreadsheet's own time zone). Errors implement zsync.HintError (403: share
// the spreadsheet; 404: check the id).
func (c *Client) Open(ctx context.Context, idOrURL string, tz string) (*Spreadsheet, error) {
	id, err := ParseSpreadsheetID(idOrURL)
	if err != nil {
		return nil, &zsync.ConfigError{Where: "spreadsheet_id", Msg: strings.TrimPrefix(err.Error(), "sheets: "),
			Hint: "copy the spreadsheet's URL from the browser, or the id between /d/ and /edit"}
	}
	s := &Spreadsheet{c: c, id: id, locks: map[string]*gosync.Mutex{}}
	ss, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	s.title = ss.Properties.Title
	s.tz = tz
	if s.tz == "" {
		s.tz = ss.Properties.TimeZone
	}
	if s.tz == "" {
		s.tz = "UTC"
	}
	s.loc, err = loadZone(s.tz)
	if err != nil {
		where := "timezone"
		if tz == "" {
			where = "spreadsheet time zone"
		}
		return nil, &zsync.ConfigError{Where: where, Msg: fmt.Sprintf("unknown time zone %q", s.tz),
			Hint: "set timezone to an IANA name such as Europe/Berlin"}
	}
	return s, nil
}

// get reads the spreadsheet's properties and tabs.
func (s *Spreadsheet) get(ctx context.Context) (*sheets.Spreadsheet, error) {
	var ss *sheets.Spreadsheet
	err := s.c.call(ctx, "spreadsheets.get", kindRead, nil, func() (err error) {
		ss, err = s.c.svc.Spreadsheets.Get(s.id).Fields(propsFields).Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, s.apiErr("read spreadsheet", err)
	}
	if ss.Properties == nil {
		ss.Properties = &sheets.SpreadsheetProperties{}
	}
	return ss, nil
}

func (s *Spreadsheet) apiErr(op string, err error) error {
	return apiError(op, s.id, s.c.ServiceAccountEmail(), err)
}

// loadZone accepts IANA names and the "GMT+02:00" form Sheets may report.
func loadZone(tz string) (*time.Location, error) {
	if l, err := time.LoadLocation(tz); err == nil {
		return l, nil
	}
	if rest, ok := strings.CutPrefix(tz, "GMT"); ok && len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' {
		var h, m int
		if _, err := fmt.Sscanf(rest[1:], "%02d:%02d", &h, &m); err == nil {
			off := h*3600 + m*60
			if rest[0] == '-' {
				off = -off
			}
			return time.FixedZone(tz, off), nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %q", tz)
}

// ID is the spreadsheet id.
func (s *Spreadsheet) ID() string { return s.id }

// Title is the spreadsheet's title when it was opened.
func (s *Spreadsheet) Title() string { return s.title }

// TimeZone is the zone datetimes are written in.
func (s *Spreadsheet) TimeZone() string { return s.tz }

// ServiceAccountEmail is the identity writing the spreadsheet.
func (s *Spreadsheet) ServiceAccountEmail() string { return s.c.ServiceAccountEmail() }

// Stats returns the client's running totals (shared by every spreadsheet
// of the client).
func (s *Spreadsheet) Stats() Stats { return s.c.Stats() }

// tabLock serialises upserts of one tab.
func (s *Spreadsheet) tabLock(title string) *gosync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(title)
	if s.locks[k] == nil {
		s.locks[k] = &gosync.Mutex{}
	}
	return s.locks[k]
}
