// Package sheets writes zoho2sheets tables into Google Sheets through the
// Sheets API v4: authentication (service account keys, Workload Identity
// Federation), upserts keyed by record id that survive humans editing the
// tab, typed and formula-safe values, sync state in developer metadata,
// retries and a write rate limit.
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

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// DefaultEndpoint is the Sheets API root.
const DefaultEndpoint = "https://sheets.googleapis.com/"

// Default write rate: Google allows 60 write requests per minute per user
// (a service account is one user). A token bucket lets through at most
// burst + rate×60 s requests in any minute, so one per second with a burst
// of 10 would allow 69 after an idle spell (the emulator's quota test
// caught it). 50 per minute with a burst of 10 allows at most 59.
const (
	DefaultWriteRate  = rate.Limit(50.0 / 60)
	DefaultWriteBurst = 10
)

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
// use; all spreadsheets opened from it share its rate limiter and stats.
type Client struct {
	creds      *Credentials
	ts         oauth2.TokenSource
	hc         *http.Client
	endpoint   string
	log        zerolog.Logger
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	limiter    *rate.Limiter
	maxRetries int
	observer   Observer

	svc   *sheets.Service
	stats stats

	randMu gosync.Mutex
	rand   interface{ Float64() float64 }
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

// WithClock sets the clock used by the rate limiter (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(cl *Client) error {
		if now == nil {
			return errors.New("sheets: clock must not be nil")
		}
		cl.now = now
		return nil
	}
}

// WithSleep sets how the client waits for backoff and the rate limiter
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

// WithWriteRate limits write requests to limit per second with the given
// burst (default 50 per minute, burst 10). rate.Inf removes the limit.
func WithWriteRate(limit rate.Limit, burst int) Option {
	return func(cl *Client) error {
		if limit == rate.Inf {
			cl.limiter = nil
			return nil
		}
		if limit <= 0 || burst < 1 {
			return fmt.Errorf("sheets: write rate must be positive with a burst of at least 1 (got %v, %d)", limit, burst)
		}
		cl.limiter = rate.NewLimiter(limit, burst)
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
		sleep:      sleepCtx,
		limiter:    rate.NewLimiter(DefaultWriteRate, DefaultWriteBurst),
		maxRetries: DefaultMaxRetries,
		rand:       newRand(),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	ts := c.ts
	if ts == nil {
		if c.creds == nil {
			return nil, &zsync.ConfigError{Where: EnvCredentialsJSON, Msg: "no Google credentials given",
				Hint: "set GOOGLE_CREDENTIALS_JSON or GOOGLE_APPLICATION_CREDENTIALS"}
		}
		var err error
		if ts, err = c.creds.tokenSource(ctx, c.hc); err != nil {
			return nil, err
		}
	}
	base := http.DefaultTransport
	var timeout time.Duration
	if c.hc != nil {
		if c.hc.Transport != nil {
			base = c.hc.Transport
		}
		timeout = c.hc.Timeout
	}
	api := &http.Client{
		Transport: &oauth2.Transport{
			Source: &observedTokens{src: ts, observer: c.observer},
			Base:   &countingTransport{base: base, c: c},
		},
		Timeout: timeout,
	}
	svc, err := sheets.NewService(ctx, option.WithHTTPClient(api), option.WithEndpoint(c.endpoint))
	if err != nil {
		return nil, fmt.Errorf("sheets: create service: %w", err)
	}
	c.svc = svc
	return c, nil
}

// ServiceAccountEmail is the address to share spreadsheets with ("" when
// the credentials do not say).
func (c *Client) ServiceAccountEmail() string { return c.creds.ServiceAccountEmail() }

// Stats returns the running totals of the client's requests.
func (c *Client) Stats() Stats { return c.stats.snapshot() }

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
	if err != nil || o.observer == nil {
		return t, err
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
