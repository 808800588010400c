package sheetstest

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure injected into matching requests, in the order added;
// the first matching fault with Times left applies.
type Fault struct {
	// Method is the HTTP method to match ("" = any).
	Method string
	// Path matches when it is a substring of the request path as decoded,
	// e.g. "values:batchUpdate", ":batchUpdate", "/token" ("" = any).
	Path string
	// Status is the HTTP status answered, with Google's body for it: 429
	// (RESOURCE_EXHAUSTED), 500, 503... 0 = no error (latency only).
	Status int
	// Times is how many matching requests fail; 0 means once.
	Times int
	// Latency delays the answer (before the request is handled).
	Latency time.Duration
	// Drop closes the connection without an answer (an in-process client
	// gets a transport error).
	Drop bool
	// AfterApply handles the request normally (changes are kept) and only
	// then fails or drops it: a write that succeeded but whose answer was lost.
	AfterApply bool
	// Hang never answers: the request is held, unhandled, until the client
	// gives up (its context ends) or the server stops.
	Hang bool
	// Stall handles the request normally (changes are kept), sends the
	// headers and half of the body, then nothing more until the client
	// gives up: a write whose answer never arrives.
	Stall bool
}

// InjectFault adds a fault; see Fault.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults removes every fault not yet used up.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

func (s *Server) matchFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.Contains(r.URL.Path, f.Path) {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		if f.Drop || f.Status != 0 || f.Hang || f.Stall {
			s.stats.Faults++
		}
		c := *f
		return &c
	}
	return nil
}

// serveStalled sends the headers and half of body, then waits for the
// client to give up. In-process, the transport plays the stall.
func (s *Server) serveStalled(w http.ResponseWriter, r *http.Request, resp response) {
	half := len(resp.body) / 2
	if rec, ok := w.(*recorder); ok {
		rec.stallAt = half
	}
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	if _, ok := w.(*recorder); ok {
		w.Write(resp.body)
		return
	}
	w.Write(resp.body[:half])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	s.logf("%s %s -> %d, stalled after %d of %d bytes (injected)", r.Method, r.URL.Path, resp.status, half, len(resp.body))
	<-r.Context().Done()
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f *Fault, start time.Time) {
	if f.Drop {
		s.logf("%s %s -> dropped (injected)", r.Method, r.URL.Path)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a writer that cannot hijack
	}
	rt, ok := s.parseRoute(r.Method, r.URL.EscapedPath())
	write := ok && rt.write
	e := faultError(f.Status, write)
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.code)
	w.Write(e.body())
	s.mu.Lock()
	s.stats.Statuses[e.code]++
	s.mu.Unlock()
	s.logf("%s %s -> %d (injected, %s)", r.Method, r.URL.Path, e.code, time.Since(start).Round(time.Microsecond))
}

// Stats counts what the server was asked. Reads and Writes count API
// requests that passed authentication and the quota check, which is what
// Google charges to the per-minute quotas.
type Stats struct {
	Requests        int            // API requests received (token requests excluded)
	Reads           int            // get, batchGet, developerMetadata:search...
	Writes          int            // batchUpdate, update, append, clear...
	CellsWritten    int            // cells changed by committed writes
	TokenRequests   int            // calls to the token endpoint
	TokensIssued    int            // access tokens handed out
	QuotaExceeded   int            // requests answered 429 by the quota check
	Faults          int            // injected failures served
	Methods         map[string]int // by API method, e.g. "spreadsheets.values.batchUpdate"
	Statuses        map[int]int    // responses by HTTP status
	RowsInserted    int            // rows added by insertDimension/appendDimension/append
	LargestRequest  int            // bytes of the largest request body
	LastRequestTime time.Time      // emulator time of the last API request
}

func (st *Stats) init() {
	st.Methods = map[string]int{}
	st.Statuses = map[int]int{}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Methods = maps.Clone(s.stats.Methods)
	st.Statuses = maps.Clone(s.stats.Statuses)
	return st
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.stats = Stats{}
	s.stats.init()
	s.mu.Unlock()
}

// window is one user's fixed one-minute quota window.
type window struct {
	start time.Time
	n     int
}

// takeQuota charges one request to user's read or write quota; callers hold s.mu.
func (s *Server) takeQuota(user string, write bool) (ok bool, limit int) {
	limit, key := s.opts.ReadQuota, user+"\x00r"
	if write {
		limit, key = s.opts.WriteQuota, user+"\x00w"
	}
	if limit == 0 {
		limit = 60
	}
	if limit < 0 {
		return true, limit
	}
	now := s.now()
	w := s.windows[key]
	if w == nil || now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		w = &window{start: now}
		s.windows[key] = w
	}
	if w.n >= limit {
		return false, limit
	}
	w.n++
	return true, limit
}
