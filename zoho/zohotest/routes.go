package zohotest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Stats counts what the emulator was asked. Stats() returns a copy.
type Stats struct {
	// TokenRequests counts calls to the token endpoint, successful or not.
	TokenRequests int
	// TokenGrants counts token calls by grant_type.
	TokenGrants map[string]int
	// TokenErrors counts token-endpoint failures by error code
	// ("invalid_code", "Access Denied", …).
	TokenErrors map[string]int
	// AccessTokensIssued counts access tokens minted.
	AccessTokensIssued int
	// APICalls counts CRM requests, whatever their answer.
	APICalls int
	// Calls counts CRM and accounts requests by "METHOD /path".
	Calls map[string]int
	// Responses counts requests by "METHOD /path STATUS" (STATUS 0: dropped).
	Responses map[string]int
	// Statuses counts CRM answers by HTTP status.
	Statuses map[int]int
	// Codes counts CRM error answers by Zoho code (INVALID_TOKEN, …).
	Codes map[string]int
	// RecordsServed counts records returned by Get Records and single-record GETs.
	RecordsServed int
	// BulkDownloads counts Bulk Read result downloads served.
	BulkDownloads int
	// MaxInFlight is the most CRM calls seen in flight at once.
	MaxInFlight int
	// FaultsInjected counts requests an injected fault acted on.
	FaultsInjected int
	// CreditsUsed counts API credits consumed: one per admitted CRM call,
	// a COQL query 1–3 by its LIMIT (§5.1).
	CreditsUsed int
	// COQLRecords counts records returned by COQL queries.
	COQLRecords int
}

func newStats() Stats {
	return Stats{TokenGrants: map[string]int{}, TokenErrors: map[string]int{}, Calls: map[string]int{},
		Responses: map[string]int{}, Statuses: map[int]int{}, Codes: map[string]int{}}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.stats
	c.TokenGrants = maps.Clone(c.TokenGrants)
	c.TokenErrors = maps.Clone(c.TokenErrors)
	c.Calls = maps.Clone(c.Calls)
	c.Responses = maps.Clone(c.Responses)
	c.Statuses = maps.Clone(c.Statuses)
	c.Codes = maps.Clone(c.Codes)
	c.MaxInFlight = int(s.maxInFlight)
	return c
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.stats = newStats()
	s.maxInFlight = 0
	s.mu.Unlock()
}

// statusWriter records the status and error code written.
type statusWriter struct {
	http.ResponseWriter
	status int
	code   string
	// record counts the answer once, when its status is written: before
	// the body, so a client that has read the answer sees it counted.
	record func()
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.counted()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		w.counted()
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) counted() {
	if w.record != nil {
		w.record()
		w.record = nil
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, errors.New("zohotest: connection cannot be hijacked")
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// fail writes a CRM error and counts its code.
func (s *Server) fail(w http.ResponseWriter, e *apiError) {
	if sw, ok := w.(*statusWriter); ok {
		sw.code = e.code
	}
	writeAPIError(w, e)
}

func (s *Server) routes() http.Handler {
	s.stats = newStats()
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	start := time.Now()
	path := r.URL.Path
	crm := strings.HasPrefix(path, "/crm/")
	sw.record = func() {
		key := r.Method + " " + path
		s.mu.Lock()
		s.stats.Calls[key]++
		s.stats.Responses[key+" "+strconv.Itoa(sw.status)]++
		if crm {
			s.stats.APICalls++
			s.stats.Statuses[sw.status]++
			if sw.code != "" {
				s.stats.Codes[sw.code]++
			}
		}
		s.mu.Unlock()
	}
	defer func() {
		sw.counted() // nothing written: counted with status 0 (dropped)
		// Path only: queries can carry client_secret, refresh_token or a code.
		s.logf("%s %s %d %s", r.Method, path, sw.status, time.Since(start).Round(time.Microsecond))
	}()

	switch {
	case strings.HasPrefix(path, "/accounts/"):
		if handled, cut := s.applyFaults(sw, r); handled {
			return
		} else if cut {
			rec := httptest.NewRecorder()
			s.serveAccounts(rec, r, strings.TrimPrefix(path, "/accounts"), true)
			s.writeCut(sw, rec)
			return
		}
		s.serveAccounts(sw, r, strings.TrimPrefix(path, "/accounts"), true)
	case strings.HasPrefix(path, "/accounts-"):
		rest := strings.TrimPrefix(path, "/accounts-")
		_, sub, _ := strings.Cut(rest, "/")
		s.serveAccounts(sw, r, "/"+sub, false)
	case crm:
		s.serveCRM(sw, r)
	default:
		s.fail(sw, errInvalidURL())
	}
}

func (s *Server) serveCRM(w http.ResponseWriter, r *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.mu.Lock()
	if n > s.maxInFlight {
		s.maxInFlight = n
	}
	limit := s.concurrency
	s.mu.Unlock()
	if limit > 0 && n > int64(limit) {
		s.fail(w, errTooMany("concurrency limit exceeded: too many requests in flight for this org"))
		return
	}
	handled, cut := s.applyFaults(w, r)
	if handled {
		return
	}
	if cut {
		rec := httptest.NewRecorder()
		s.serveAdmitted(&statusWriter{ResponseWriter: rec}, r)
		s.writeCut(w, rec)
		return
	}
	s.serveAdmitted(w, r)
}

// serveAdmitted serves a CRM call that passed the concurrency limit and faults.
func (s *Server) serveAdmitted(w http.ResponseWriter, r *http.Request) {
	scopes, aerr := s.authenticate(r)
	if aerr != nil {
		s.fail(w, aerr)
		return
	}
	if aerr := s.spendCredits(w, 1); aerr != nil {
		s.fail(w, aerr)
		return
	}
	c := &call{s: s, w: w, r: r, scopes: scopes}
	path := strings.TrimPrefix(r.URL.Path, "/crm/")
	switch {
	case strings.HasPrefix(path, "v8/"):
		c.v8(strings.Split(strings.TrimPrefix(path, "v8/"), "/"))
	case path == "bulk/v8/read" || strings.HasPrefix(path, "bulk/v8/read/"):
		c.bulk(strings.Split(strings.TrimPrefix(strings.TrimPrefix(path, "bulk/v8/read"), "/"), "/"))
	default:
		s.fail(w, errInvalidURL())
	}
}

// spendCredits takes n API credits from the rolling 24-hour budget and
// sets X-API-CREDITS-REMAINING once half of it is used (§6.1).
func (s *Server) spendCredits(w http.ResponseWriter, n int) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	budget := s.opts.DailyCredits
	if budget <= 0 {
		s.stats.CreditsUsed += n
		return nil
	}
	cut := s.now.Add(-24 * time.Hour)
	i := 0
	for i < len(s.credits) && !s.credits[i].After(cut) {
		i++
	}
	s.credits = s.credits[i:]
	if len(s.credits)+n > budget {
		w.Header().Set("X-API-CREDITS-REMAINING", strconv.Itoa(max(0, budget-len(s.credits))))
		return errTooMany("API credits exhausted: the org used its credits of the last 24 hours")
	}
	s.stats.CreditsUsed += n
	for range n {
		s.credits = append(s.credits, s.now)
	}
	if used := len(s.credits); used*2 >= budget {
		w.Header().Set("X-API-CREDITS-REMAINING", strconv.Itoa(budget-used))
	}
	return nil
}

// call is one admitted CRM request.
type call struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	scopes []string
}

func (c *call) fail(e *apiError) { c.s.fail(c.w, e) }

func (c *call) requireScope(wanted ...string) bool {
	if hasScope(c.scopes, wanted...) {
		return true
	}
	c.fail(errScopeMismatch())
	return false
}

func moduleReadScopes(module string) []string {
	return []string{"ZohoCRM.modules.ALL", "ZohoCRM.modules.READ",
		"ZohoCRM.modules." + module + ".ALL", "ZohoCRM.modules." + module + ".READ"}
}

func (c *call) v8(seg []string) {
	if len(seg) == 1 && seg[0] == "coql" {
		c.coql()
		return
	}
	if c.r.Method != http.MethodGet {
		c.fail(errMethod())
		return
	}
	switch {
	case len(seg) == 2 && seg[0] == "settings" && seg[1] == "modules":
		c.settingsModules("")
	case len(seg) == 3 && seg[0] == "settings" && seg[1] == "modules":
		c.settingsModules(seg[2])
	case len(seg) == 2 && seg[0] == "settings" && seg[1] == "fields":
		c.settingsFields()
	case len(seg) == 1 && seg[0] == "users":
		c.listUsers()
	case len(seg) == 1 && seg[0] == "org":
		c.getOrg()
	case seg[0] == "settings" || seg[0] == "" || len(seg) > 3:
		c.fail(errInvalidURL())
	default:
		sc, err := lookupSchema(seg[0])
		if err != nil {
			c.fail(err)
			return
		}
		if !c.requireScope(moduleReadScopes(sc.name)...) {
			return
		}
		if !sc.listable {
			c.fail(newAPIError(http.StatusForbidden, "NOT_SUPPORTED", "the module is not supported for this user", map[string]any{}))
			return
		}
		m := c.s.mods[sc.name]
		switch {
		case len(seg) == 1:
			c.listRecords(m)
		case len(seg) == 2 && seg[1] == "deleted":
			c.listDeleted(m)
		case len(seg) == 3 && seg[1] == "actions" && seg[2] == "count":
			c.count(m)
		case len(seg) == 2:
			c.getRecord(m, seg[1])
		default:
			c.fail(errInvalidURL())
		}
	}
}

// inProcessTransport serves requests with the handler, without a socket
// (Options.NoListener), like fake-gcs-server's muxTransport.
type inProcessTransport struct{ s *Server }

func (t *inProcessTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	base, _ := url.Parse(noListenerURL)
	if req.URL.Host != base.Host {
		return nil, fmt.Errorf("zohotest: the in-process client only reaches %s, not %s (use URL(), AccountsURL() or APIDomain())", noListenerURL, req.URL.Host)
	}
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:1"
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				resp, err = nil, fmt.Errorf("zohotest: connection dropped by an injected fault: %w", io.ErrUnexpectedEOF)
				return
			}
			panic(p)
		}
	}()
	t.s.handler.ServeHTTP(rec, sreq)
	if err := req.Context().Err(); err != nil {
		return nil, err // the client gave up (a Hang fault)
	}
	resp = rec.Result()
	resp.Request = req
	if n, err := strconv.Atoi(resp.Header.Get(cutHeader)); err == nil {
		resp.Header.Del(cutHeader)
		b := rec.Body.Bytes()
		var tail io.Reader = errReader{io.ErrUnexpectedEOF}
		if resp.Header.Get(stallHeader) != "" {
			resp.Header.Del(stallHeader)
			tail = stallReader{req.Context()}
		}
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b[:min(n, len(b))]), tail))
	}
	return resp, nil
}

// stallReader sends nothing until the request's context ends.
type stallReader struct{ ctx context.Context }

func (r stallReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
