// Package sheetstest is an in-memory emulator of the Google Sheets API v4
// and of Google's OAuth token endpoint, for tests and the demo.
//
// It serves the real google.golang.org/api/sheets/v4 client: the wire JSON,
// the A1 notation, the grid limits, the per-user quotas and the error
// envelopes follow the project's reference (shared/reference/
// google-sheets-api.md). Spreadsheets are only readable by identities they
// are shared with, and API calls need a bearer token issued by the token
// endpoint for a service account made by NewServiceAccount (unless
// Options.NoAuth).
//
//	srv, _ := sheetstest.NewServer(sheetstest.Options{})
//	defer srv.Stop()
//	key := srv.NewServiceAccount("sync@proj.iam.gserviceaccount.com")
//	id := srv.CreateSpreadsheet("CRM", "Europe/Berlin")
//	srv.Share(id, "sync@proj.iam.gserviceaccount.com")
//	svc, _ := sheets.NewService(ctx, option.WithEndpoint(srv.URL()+"/"),
//		option.WithAuthCredentialsJSON(option.ServiceAccount, key))
//
// Formulas are stored, not evaluated: reads return the formula text (or a
// literal for trivial formulas such as ="x" or =42).
package sheetstest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value is a listening server on a
// loopback port with Google's default quotas.
type Options struct {
	// NoListener opens no TCP port: HTTPClient calls the handler in-process.
	NoListener bool
	// Addr is the loopback address to listen on ("127.0.0.1:0" when empty).
	Addr string
	// Now is the clock for quotas and token expiry. nil means the wall
	// clock. Advance moves either clock forward.
	Now func() time.Time
	// Sleep waits out latency faults; nil means a timer that also ends
	// when the request's context is done.
	Sleep func(time.Duration)
	// ReadQuota and WriteQuota are requests per minute per user: 0 means
	// Google's 60, a negative value means unlimited.
	ReadQuota  int
	WriteQuota int
	// Logger receives one line per request (never tokens or keys). nil = silent.
	Logger io.Writer
	// NoAuth accepts any caller, without a token, as the identity
	// "anonymous" that may access every spreadsheet (for clients built with
	// option.WithoutAuthentication).
	NoAuth bool
	// Key, when set, is the RSA key of every service account, which saves
	// generating one (keys are otherwise cached per email in the process).
	Key *rsa.PrivateKey
	// Seed makes spreadsheet, sheet and metadata ids deterministic.
	Seed uint64
}

// Server is a running emulator. All methods are safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	offset   time.Duration
	books    map[string]*spreadsheet
	accounts map[string]*account // by lower-cased email
	tokens   map[string]*token
	disabled map[string]bool // project ids with the API disabled
	windows  map[string]*window
	faults   []*Fault
	hook     func(*http.Request)
	stats    Stats
	rng      *rand.Rand
	gen      uint64
	fmts     map[numFmt]*numFmt // interned number formats

	logMu sync.Mutex

	url    string
	ln     net.Listener
	hs     *http.Server
	hc     *http.Client
	served sync.WaitGroup
}

const noListenerURL = "http://sheetstest.localhost"

// NewServer starts an emulator: listening on a loopback port unless
// o.NoListener. Errors come from listening on o.Addr.
func NewServer(o Options) (*Server, error) {
	s := &Server{opts: o,
		books: map[string]*spreadsheet{}, accounts: map[string]*account{}, tokens: map[string]*token{},
		disabled: map[string]bool{}, windows: map[string]*window{},
		rng: rand.New(rand.NewPCG(o.Seed, 0x5eed5eed)),
	}
	s.stats.init()
	if o.NoListener {
		s.url = noListenerURL
		s.hc = &http.Client{Transport: inProcess{s}}
		return s, nil
	}
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sheetstest: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("serve: %v", err)
		}
	}()
	return s, nil
}

// URL is the API root (no trailing slash): clients use
// option.WithEndpoint(s.URL()+"/"). With NoListener it is
// http://sheetstest.localhost, reachable only through HTTPClient.
func (s *Server) URL() string { return s.url }

// TokenURL is the OAuth token endpoint; service account keys carry it as
// token_uri.
func (s *Server) TokenURL() string { return s.url + "/token" }

// HTTPClient reaches the server: over loopback, or in-process with NoListener.
func (s *Server) HTTPClient() *http.Client { return s.hc }

// Handler serves the API and the token endpoint.
func (s *Server) Handler() http.Handler { return s }

// Stop closes the listener and open connections.
func (s *Server) Stop() {
	if s.hs != nil {
		s.hs.Close()
		s.served.Wait()
	}
	if t, ok := s.hc.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// Advance moves the emulator clock forward (quota windows, token expiry).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// now reads the clock; callers hold s.mu.
func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now().Add(s.offset)
	}
	return time.Now().Add(s.offset)
}

// OnRequest sets a hook run before each API request (not token requests),
// outside the server's lock, so it may call SortRows, SetCell and the like:
// a human editing the sheet while a client runs. nil removes it.
func (s *Server) OnRequest(f func(r *http.Request)) {
	s.mu.Lock()
	s.hook = f
	s.mu.Unlock()
}

// DisableAPI makes every call by service accounts of project (the key's
// project_id) fail with 403 accessNotConfigured, as when the Sheets API is
// not enabled in that Cloud project.
func (s *Server) DisableAPI(project string) {
	s.mu.Lock()
	s.disabled[project] = true
	s.mu.Unlock()
}

func (s *Server) logf(format string, a ...any) {
	if s.opts.Logger == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.opts.Logger, "sheetstest: "+format+"\n", a...)
}

// response is what a handler answers; one writer turns it into HTTP.
type response struct {
	status int
	body   []byte
	header map[string]string
}

func errResponse(e *apiError) response {
	return response{status: e.code, body: e.body(), header: e.header}
}

// ServeHTTP serves /token and /v4/spreadsheets/....
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := r.URL.EscapedPath()
	isAPI := strings.HasPrefix(path, "/v4/")
	if isAPI {
		s.mu.Lock()
		hook := s.hook
		s.mu.Unlock()
		if hook != nil {
			hook(r)
		}
	}
	f := s.matchFault(r)
	if f != nil && f.Latency > 0 {
		s.sleep(r.Context(), f.Latency)
	}
	if f != nil && f.Hang {
		s.logf("%s %s -> no answer (injected hang)", r.Method, r.URL.Path)
		<-r.Context().Done()
		return
	}
	if f != nil && !f.AfterApply && (f.Drop || f.Status != 0) {
		s.serveFault(w, r, f, start)
		return
	}
	var resp response
	user := ""
	switch {
	case path == "/token":
		resp = s.handleToken(r)
	case isAPI:
		resp, user = s.handleAPI(r)
	default:
		resp = errResponse(&apiError{code: 404, status: "NOT_FOUND",
			message: fmt.Sprintf("sheetstest: no endpoint %s %s (the API is served under /v4/spreadsheets, tokens at /token)", r.Method, r.URL.Path)})
	}
	if f != nil && f.AfterApply {
		s.serveFault(w, r, f, start)
		return
	}
	if f != nil && f.Stall {
		s.serveStalled(w, r, resp)
		return
	}
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	// Counted before the answer is sent: a client that has read it sees it counted.
	s.mu.Lock()
	s.stats.Statuses[resp.status]++
	s.mu.Unlock()
	w.WriteHeader(resp.status)
	w.Write(resp.body)
	if user != "" {
		user = " user=" + user
	}
	s.logf("%s %s -> %d%s (%s)", r.Method, r.URL.Path, resp.status, user, time.Since(start).Round(time.Microsecond))
}

func (s *Server) sleep(ctx context.Context, d time.Duration) {
	if s.opts.Sleep != nil {
		s.opts.Sleep(d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// inProcess is the NoListener transport: it calls the handler directly.
type inProcess struct{ s *Server }

// recorder is the in-process ResponseWriter. Hijack marks the response as
// dropped: the transport then fails the request as a broken connection would.
type recorder struct {
	header  http.Header
	status  int
	body    []byte
	dropped bool
	stallAt int // > -1: the transport sends this much of body, then stalls
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body == nil {
		w.body = make([]byte, 0, len(p))
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.dropped = true
	a, b := net.Pipe()
	b.Close()
	return a, bufio.NewReadWriter(bufio.NewReader(a), bufio.NewWriter(a)), nil
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = r.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:1"
	rec := &recorder{header: http.Header{}, stallAt: -1}
	t.s.ServeHTTP(rec, r)
	if rec.dropped {
		return nil, fmt.Errorf("sheetstest: connection dropped (injected fault): %w", io.ErrUnexpectedEOF)
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	var body io.Reader = bytes.NewReader(rec.body)
	if rec.stallAt >= 0 {
		body = io.MultiReader(bytes.NewReader(rec.body[:rec.stallAt]), stalled{req.Context()})
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", rec.status, http.StatusText(rec.status)), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(body),
		ContentLength: int64(len(rec.body)), Request: req,
	}, nil
}

// stalled is a body that sends nothing more until the request's context
// ends (a Stall fault).
type stalled struct{ ctx context.Context }

func (b stalled) Read([]byte) (int, error) {
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}
