package zohotest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
)

// PagingFault is a list answer whose paging misbehaves, as a broken
// server or a caching proxy in front of Zoho might send it. Each kind
// would make a client that trusts the paging info loop forever or stop
// early without a word. It acts on the list endpoints (Get Records, COQL,
// users, deleted records); answers that are not 200 pass unchanged.
//
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/users", Paging: zohotest.PageRepeated, Times: -1})
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/Leads", Paging: zohotest.PageTokenRepeated})
//	srv.InjectFault(zohotest.Fault{Path: "/crm/v8/Leads", Paging: zohotest.PageEmpty, After: 1})
type PagingFault string

const (
	// PageRepeated serves the first answer the fault acts on again at
	// every later hit, saying more records follow: a server ignoring page,
	// page_token or COQL's paging condition. The replayed answer keeps its
	// info.page and next_page_token.
	PageRepeated PagingFault = "repeated"
	// PageTokenRepeated serves the page asked for, but its
	// next_page_token is the page_token the request sent (more_records
	// true). Only requests carrying a page_token match.
	PageTokenRepeated PagingFault = "token-repeated"
	// PageEmpty serves the answer without its rows (data or users: [],
	// count 0) yet with more_records true; a next_page_token is kept.
	PageEmpty PagingFault = "empty"
)

// pagingReplay is what a PageRepeated fault serves again; every copy of
// the Fault shares it.
type pagingReplay struct {
	mu     sync.Mutex
	header http.Header
	body   []byte
}

// servePaging serves r into a buffer, bends the answer's paging as kind
// says, then sends it.
func (s *Server) servePaging(w http.ResponseWriter, r *http.Request, f *Fault) {
	if f.replay != nil {
		f.replay.mu.Lock()
		defer f.replay.mu.Unlock()
		if f.replay.body != nil {
			sendRecorded(w, f.replay.header, http.StatusOK, f.replay.body)
			return
		}
	}
	rec := httptest.NewRecorder()
	inner := &statusWriter{ResponseWriter: rec}
	s.serveAdmitted(inner, r)
	if sw, ok := w.(*statusWriter); ok && inner.code != "" {
		sw.code = inner.code
	}
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		if b, ok := bendPaging(body, f.Paging, r.URL.Query().Get("page_token")); ok {
			body = b
			if f.replay != nil {
				f.replay.header, f.replay.body = rec.Header().Clone(), b
			}
		}
	}
	sendRecorded(w, rec.Header(), rec.Code, body)
}

// bendPaging rewrites the rows and info of a list answer; false when it
// is not one (no info object).
func bendPaging(body []byte, kind PagingFault, sentToken string) ([]byte, bool) {
	var doc map[string]json.RawMessage
	var info map[string]any
	if json.Unmarshal(body, &doc) != nil || json.Unmarshal(doc["info"], &info) != nil || info == nil {
		return nil, false
	}
	info["more_records"] = true
	switch kind {
	case PageTokenRepeated:
		info["next_page_token"] = sentToken
	case PageEmpty:
		for _, rows := range []string{"data", "users"} {
			if _, ok := doc[rows]; ok {
				doc[rows] = json.RawMessage("[]")
			}
		}
		info["count"] = 0
	}
	raw, err := json.Marshal(info)
	if err != nil {
		return nil, false
	}
	doc["info"] = raw
	out, err := json.Marshal(doc)
	return out, err == nil
}

// sendRecorded writes a buffered answer to w.
func sendRecorded(w http.ResponseWriter, h http.Header, status int, body []byte) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	if len(body) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	w.Write(body)
}
