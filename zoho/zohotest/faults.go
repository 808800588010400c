package zohotest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests misbehave, to test a client's retries,
// backoff and error handling. Faults act before authentication, in the
// order they were injected; the first one that still has hits left wins.
//
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/Leads", Status: 429, Times: 3})
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/*", Drop: true})
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/Deals", ExpireTokens: true, After: 2})
//	srv.InjectFault(zohotest.Fault{Path: "/accounts/oauth/v2/token", Hang: true})
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/users", Paging: zohotest.PageRepeated, Times: -1})
type Fault struct {
	// Method matches the HTTP method; "" matches any.
	Method string
	// Path matches the URL path exactly, or as a prefix when it ends in
	// "*" ("/crm/v8/*"). "" matches every CRM and accounts path.
	Path string
	// BodyContains, when set, matches only requests whose body holds this
	// text, e.g. "from Deals " for the COQL queries of one module.
	BodyContains string
	// After lets this many matching requests through before acting.
	After int
	// Times is how many requests the fault acts on: 0 means once, a
	// negative number means forever.
	Times int

	// Latency delays the answer (with Options.Sleep); alone, the request
	// is then served normally.
	Latency time.Duration
	// Hold blocks the request until the channel is closed or the request
	// is cancelled, then serves it normally (or applies the other fields).
	// With it, a test can keep requests in flight without sleeping.
	Hold <-chan struct{}
	// ExpireTokens invalidates every access token, then serves the request
	// normally, which answers 401 INVALID_TOKEN: expiry in the middle of a run.
	ExpireTokens bool
	// Drop closes the connection without an answer (hijacked over TCP; an
	// io.ErrUnexpectedEOF from HTTPClient with NoListener).
	Drop bool
	// CutBody serves the request but closes the connection after half of
	// the body was sent (Content-Length announces all of it).
	CutBody bool
	// Hang never answers: the request is held until the client gives up
	// (its context ends) or the server stops, as a stuck proxy or
	// overloaded server does.
	Hang bool
	// Stall serves the request, sends the headers and half of the body,
	// then sends nothing more until the client gives up.
	Stall bool
	// Status answers with this HTTP status and Zoho's error body for it
	// (429 TOO_MANY_REQUESTS, 500 INTERNAL_ERROR, 401 INVALID_TOKEN, …).
	Status int
	// Code and Message override the error body's code and message.
	Code, Message string
	// Body replaces the error JSON (e.g. an HTML page from a proxy).
	Body string
	// ContentType goes with Body (default text/html).
	ContentType string
	// Header is added to the answer (e.g. Retry-After).
	Header http.Header
	// Paging serves the request but bends its paging (see PagingFault).
	Paging PagingFault

	replay *pagingReplay // PageRepeated's answer, shared by the copies
}

type faultState struct {
	f          Fault
	seen, hits int
}

// InjectFault adds a fault. Faults apply to requests in arrival order.
func (s *Server) InjectFault(f Fault) {
	if f.Paging == PageRepeated {
		f.replay = &pagingReplay{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{f: f})
}

// ClearFaults removes every fault (requests held by a Hold stay held
// until their channel is closed).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns how many injected faults still have hits left.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, fs := range s.faults {
		if fs.f.Times < 0 || fs.hits < max(fs.f.Times, 1) {
			n++
		}
	}
	return n
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
		return false
	}
	if f.BodyContains != "" && !strings.Contains(string(peekBody(r)), f.BodyContains) {
		return false
	}
	if f.Paging != "" && !strings.HasPrefix(r.URL.Path, "/crm/") ||
		f.Paging == PageTokenRepeated && r.URL.Query().Get("page_token") == "" {
		return false
	}
	switch {
	case f.Path == "":
		return true
	case strings.HasSuffix(f.Path, "*"):
		return strings.HasPrefix(r.URL.Path, strings.TrimSuffix(f.Path, "*"))
	default:
		return r.URL.Path == f.Path
	}
}

// peekBody reads a request's body (up to 1 MiB) and puts it back.
func peekBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// applyFaults runs the first matching fault. handled means the answer was
// written (or the connection dropped); cut means the caller must serve
// into a buffer and send it with writeCut.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request) (handled, cut bool) {
	f := s.matchFault(r)
	if f == nil {
		return false, false
	}
	if f.Stall {
		// writeCut then holds the connection instead of closing it.
		w.Header().Set(stallHeader, "1")
		return false, true
	}
	return s.serveFault(w, r, f)
}

// matchFault returns the first fault that acts on r, counting the hit.
func (s *Server) matchFault(r *http.Request) *Fault {
	s.mu.Lock()
	var f *Fault
	for _, fs := range s.faults {
		if !fs.f.matches(r) {
			continue
		}
		fs.seen++
		if fs.seen <= fs.f.After {
			continue
		}
		if fs.f.Times >= 0 && fs.hits >= max(fs.f.Times, 1) {
			continue
		}
		fs.hits++
		ff := fs.f
		f = &ff
		s.stats.FaultsInjected++
		break
	}
	s.mu.Unlock()
	return f
}

// serveFault acts out f on r.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f *Fault) (handled, cut bool) {
	if f.Latency > 0 {
		s.sleep(f.Latency)
	}
	if f.Hold != nil {
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			return true, false
		}
	}
	if f.Hang {
		<-r.Context().Done()
		return true, false
	}
	if f.ExpireTokens {
		s.ExpireAccessTokens()
	}
	if f.Drop {
		if sw, ok := w.(*statusWriter); ok {
			if conn, _, err := sw.Hijack(); err == nil {
				conn.Close()
				return true, false
			}
		}
		panic(http.ErrAbortHandler) // in-process: the transport turns this into an error
	}
	if f.CutBody {
		return false, true
	}
	if f.Paging != "" {
		s.servePaging(w, r, f)
		return true, false
	}
	if f.Status == 0 {
		return false, false
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f.Body != "" {
		ct := f.ContentType
		if ct == "" {
			ct = "text/html"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		w.Write([]byte(f.Body))
		return true, false
	}
	code, msg := faultBody(f.Status)
	if f.Code != "" {
		code = f.Code
	}
	if f.Message != "" {
		msg = f.Message
	}
	s.fail(w, newAPIError(f.Status, code, msg, nil))
	return true, false
}

// faultBody is Zoho's error code and message for an injected status.
func faultBody(status int) (code, message string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TOO_MANY_REQUESTS", "too many requests"
	case http.StatusInternalServerError:
		return "INTERNAL_ERROR", "Internal Server Error"
	case http.StatusUnauthorized:
		return "INVALID_TOKEN", "invalid oauth token"
	case http.StatusForbidden:
		return "NO_PERMISSION", "permission denied"
	case http.StatusBadRequest:
		return "INVALID_DATA", "the given data seems to be invalid"
	case http.StatusNotFound:
		return "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"
	}
	text := strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	if text == "" {
		text = "HTTP_" + strconv.Itoa(status)
	}
	return text, http.StatusText(status)
}

// cutHeader tells the in-process transport where to cut a body;
// stallHeader that it must then stall instead of failing.
const (
	cutHeader   = "X-Zohotest-Cut-At"
	stallHeader = "X-Zohotest-Stall"
)

// writeCut sends rec's answer but only half of its body, then drops the
// connection (over TCP), or marks where the in-process transport must cut.
// After a Stall fault it holds the connection until the client closes it.
func (s *Server) writeCut(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	body := rec.Body.Bytes()
	half := len(body) / 2
	status := rec.Code
	stall := w.Header().Get(stallHeader) != ""
	if sw, ok := w.(*statusWriter); ok {
		if conn, buf, err := sw.Hijack(); err == nil {
			defer conn.Close()
			if stall {
				// The client closes the connection when it gives up.
				defer io.Copy(io.Discard, conn)
			}
			var hb bytes.Buffer
			fmt.Fprintf(&hb, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
			h := rec.Header().Clone()
			h.Set("Content-Length", strconv.Itoa(len(body)))
			h.Set("Connection", "close")
			h.Write(&hb)
			hb.WriteString("\r\n")
			hb.Write(body[:half])
			buf.Write(hb.Bytes())
			buf.Flush()
			sw.status = status
			return
		}
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.Header().Set(cutHeader, strconv.Itoa(half))
	w.WriteHeader(status)
	w.Write(body)
}
