// Package zohotest is an in-memory emulator of Zoho Accounts (OAuth 2.0)
// and the Zoho CRM v8 REST API, modelled on fake-gcs-server's fakestorage.
//
// It is product code: the demo and emulate commands run it, and every
// client test talks to it. It is only worth what it rejects, so it answers
// like Zoho does (status codes, error JSON, HTTP-200 token errors, paging
// limits, throttles) as written down in the project's Zoho reference.
//
//	srv, _ := zohotest.NewServer(zohotest.Options{NoListener: true, Seed: 1})
//	defer srv.Stop()
//	hc := srv.HTTPClient()   // reaches the emulator in-process
//	creds := srv.Credentials()
//	// POST srv.AccountsURL()+"/oauth/v2/token", then GET srv.APIDomain()+"/crm/v8/Leads?fields=…"
//
// The emulator's clock only moves when Advance is called, so token expiry,
// throttles and Modified_Time are deterministic.
package zohotest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultStart is the emulator clock's start when Options.Start is zero.
var DefaultStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// DefaultConcurrency is the number of CRM calls allowed in flight at once
// (the Standard edition's limit); one more gets 429 TOO_MANY_REQUESTS.
const DefaultConcurrency = 10

// DC is the data centre the emulator plays: its accounts server is
// AccountsURL and redirects report location=us.
const DC = "us"

// noListenerURL is the base URL when no port is opened. The host is a
// .localhost name so clients that allow plain http only on loopback accept it.
const noListenerURL = "http://zohotest.localhost"

// Options configures NewServer. The zero value is a listening emulator
// with the default data set.
type Options struct {
	// NoListener opens no TCP port: HTTPClient calls the handler in-process.
	NoListener bool
	// Addr is the loopback address to listen on ("127.0.0.1:0" when empty).
	Addr string
	// Seed makes the data set deterministic: same seed, same records.
	Seed int64
	// Records is the number of seeded records per module (Leads, Contacts,
	// Accounts, Deals). nil means 25 of each; a module missing from a
	// non-nil map has none.
	Records map[string]int
	// Start is where the emulator clock starts; zero means DefaultStart.
	Start time.Time
	// Location is the CRM user's time zone: datetimes are written with its
	// offset. nil means a fixed +05:30 (India), like Zoho's own samples.
	Location *time.Location
	// Logger receives one line per request (method, path, status; never a
	// query string or a secret). nil is silent.
	Logger io.Writer
	// Concurrency is the number of CRM calls allowed in flight; 0 means
	// DefaultConcurrency, a negative number means no limit.
	Concurrency int
	// DailyCredits is the org's API credit budget per rolling 24 hours of
	// emulator clock; 0 means unlimited. Each CRM call costs one credit.
	DailyCredits int
	// BulkPageSize is the number of records per Bulk Read job page; 0
	// means Zoho's 200,000.
	BulkPageSize int
	// BulkPolls is how many status polls a Bulk Read job answers before it
	// is COMPLETED (0 means 1: the first poll says IN PROGRESS).
	BulkPolls int
	// ChainLimit is how many records one Get Records page-token chain
	// serves before PAGINATION_LIMIT_EXCEEDED; 0 means Zoho's 100,000.
	// A small one lets a test reach the Bulk Read tail with few records.
	ChainLimit int
	// RedirectURIs are the registered redirect URIs of the client. Empty
	// means any http(s) URI on a loopback host.
	RedirectURIs []string
	// Sleep is used for latency faults; nil means time.Sleep.
	Sleep func(time.Duration)
}

// Credentials are the client id, client secret and refresh token the
// emulator accepts. They are secrets for the client under test: never log them.
type Credentials struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// Server is a running emulator. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	url    string
	ln     net.Listener
	hs     *http.Server
	hc     *http.Client
	tr     *http.Transport // closed on Stop (listener mode)
	loc    *time.Location
	sleep  func(time.Duration)
	logMu  sync.Mutex
	served sync.WaitGroup

	inFlight atomic.Int64

	mu           sync.Mutex
	now          time.Time
	start        time.Time // clock at NewServer: seeded data ends here
	concurrency  int
	creds        Credentials
	rng          rngState
	acc          accountsState
	mods         map[string]*module
	chains       chainStore
	jobs         map[string]*bulkJob
	bulkTokens   map[string]*bulkToken
	bulkFailNext bool
	downloads    []time.Time
	credits      []time.Time
	faults       []*faultState
	stats        Stats
	idSeq        uint64 // last id handed out, minus idBase
	stopped      bool
	handler      http.Handler
	maxInFlight  int64
	org          *Org // nil: defaultOrg
}

// NewServer builds the data set and, unless o.NoListener, starts serving on
// a loopback port. Errors come from listening on o.Addr or a bad option.
func NewServer(o Options) (*Server, error) {
	s := &Server{opts: o, loc: o.Location, sleep: o.Sleep}
	if s.loc == nil {
		s.loc = time.FixedZone("IST", 5*3600+30*60)
	}
	if s.sleep == nil {
		s.sleep = time.Sleep
	}
	s.now = o.Start
	if s.now.IsZero() {
		s.now = DefaultStart
	}
	s.now = s.now.Truncate(time.Second)
	s.concurrency = o.Concurrency
	if s.concurrency == 0 {
		s.concurrency = DefaultConcurrency
	}
	for m, n := range o.Records {
		if n < 0 {
			return nil, fmt.Errorf("zohotest: Records[%q] = %d: want 0 or more", m, n)
		}
		if _, ok := schemas()[m]; !ok || !schemas()[m].listable {
			return nil, fmt.Errorf("zohotest: Records[%q]: no such module (want one of %s)", m, strings.Join(seedableModules(), ", "))
		}
	}
	s.rng = newRNG(uint64(o.Seed))
	s.initAccounts()
	s.initData()
	s.handler = s.routes()

	if o.NoListener {
		s.url = noListenerURL
		s.hc = &http.Client{Transport: &inProcessTransport{s: s}}
		return s, nil
	}
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("zohotest: Addr %q: %w (want host:port, e.g. 127.0.0.1:8090)", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("zohotest: Addr %q: the emulator serves plain http, so it listens on loopback only (use 127.0.0.1:PORT)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("zohotest: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.tr = &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: false}
	s.hc = &http.Client{Transport: s.tr}
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("serve: %v", err)
		}
	}()
	return s, nil
}

// URL returns the emulator's base URL: http://127.0.0.1:PORT, or
// http://zohotest.localhost with NoListener (reachable only via HTTPClient).
func (s *Server) URL() string { return s.url }

// Addr returns the listening address (host:port), or "" with NoListener.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// AccountsURL returns the accounts server of the emulator's data centre
// (URL()+"/accounts"): token, revoke and consent endpoints live under it.
func (s *Server) AccountsURL() string { return s.url + "/accounts" }

// AccountsURLFor returns the accounts server of data centre dc ("us", "eu",
// "in", …). Only DC ("us") knows the emulator's client: every other DC
// answers the token endpoint with invalid_client, as Zoho does when a
// client is used at the wrong data centre.
func (s *Server) AccountsURLFor(dc string) string {
	dc = strings.ToLower(strings.TrimSpace(dc))
	if dc == "" || dc == DC || dc == "com" {
		return s.AccountsURL()
	}
	return s.url + "/accounts-" + dc
}

// APIDomain returns the api_domain the token endpoint reports: the CRM API
// lives at APIDomain()+"/crm/v8/…".
func (s *Server) APIDomain() string { return s.url }

// HTTPClient returns a client that reaches the emulator: a dedicated
// transport over loopback, or an in-process transport with NoListener.
func (s *Server) HTTPClient() *http.Client { return s.hc }

// Handler returns the emulator's HTTP handler (accounts and CRM routes).
func (s *Server) Handler() http.Handler { return s.handler }

// Stop closes the listener and every connection, releasing requests held
// by faults. It is safe to call more than once.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	s.mu.Unlock()
	if s.hs != nil {
		s.hs.Close()
		s.served.Wait()
	}
	if s.tr != nil {
		s.tr.CloseIdleConnections()
	}
}

// Credentials returns the client id, secret and refresh token the emulator
// accepts. The refresh token carries the scopes zoho2sheets needs
// (ZohoCRM.modules.READ, settings.modules.READ, settings.fields.READ, bulk.read).
func (s *Server) Credentials() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds
}

// Now returns the emulator clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Advance moves the emulator clock by d: access tokens and grant codes
// expire, throttle windows slide, and later changes get later Modified_Time.
func (s *Server) Advance(d time.Duration) {
	if d < 0 {
		panic("zohotest: Advance with a negative duration")
	}
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

// SetConcurrency changes how many CRM calls may be in flight (n <= 0: no limit).
func (s *Server) SetConcurrency(n int) {
	s.mu.Lock()
	if n <= 0 {
		n = -1
	}
	s.concurrency = n
	s.mu.Unlock()
}

// InFlight returns the number of CRM calls being served right now.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// logf writes one line to Options.Logger. Callers never pass secrets.
func (s *Server) logf(format string, args ...any) {
	if s.opts.Logger == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Logger, "zohotest: "+format+"\n", args...)
}
