package sheetstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// route is one API method recognised from the request line.
type route struct {
	name   string // e.g. spreadsheets.values.batchUpdate
	rpc    string // RPC name for ErrorInfo metadata
	write  bool
	id     string // spreadsheet id
	rng    string // values/{range}
	metaID string // developerMetadata/{id}
}

func (s *Server) parseRoute(method, escPath string) (route, bool) {
	rest, ok := strings.CutPrefix(escPath, "/v4/spreadsheets")
	if !ok {
		return route{}, false
	}
	get, post, put := method == http.MethodGet, method == http.MethodPost, method == http.MethodPut
	if rest == "" || rest == "/" {
		return route{name: "spreadsheets.create", rpc: "SpreadsheetsService.CreateSpreadsheet", write: true}, post
	}
	if rest[0] != '/' {
		return route{}, false
	}
	rest = rest[1:]
	i := strings.IndexAny(rest, "/:")
	if i < 0 {
		i = len(rest)
	}
	id, err := url.PathUnescape(rest[:i])
	if err != nil || id == "" {
		return route{}, false
	}
	rt := route{id: id}
	tail := rest[i:]
	set := func(name, rpc string, write, ok bool) (route, bool) {
		rt.name, rt.rpc, rt.write = name, rpc, write
		return rt, ok
	}
	switch tail {
	case "":
		return set("spreadsheets.get", "SpreadsheetsService.GetSpreadsheet", false, get)
	case ":batchUpdate":
		return set("spreadsheets.batchUpdate", "SpreadsheetsService.BatchUpdateSpreadsheet", true, post)
	case ":getByDataFilter":
		return set("spreadsheets.getByDataFilter", "SpreadsheetsService.GetSpreadsheetByDataFilter", false, post)
	case "/values:batchGet":
		return set("spreadsheets.values.batchGet", "SpreadsheetsService.BatchGetValues", false, get)
	case "/values:batchUpdate":
		return set("spreadsheets.values.batchUpdate", "SpreadsheetsService.BatchUpdateValues", true, post)
	case "/values:batchClear":
		return set("spreadsheets.values.batchClear", "SpreadsheetsService.BatchClearValues", true, post)
	case "/values:batchGetByDataFilter":
		return set("spreadsheets.values.batchGetByDataFilter", "SpreadsheetsService.BatchGetValuesByDataFilter", false, post)
	case "/values:batchUpdateByDataFilter":
		return set("spreadsheets.values.batchUpdateByDataFilter", "SpreadsheetsService.BatchUpdateValuesByDataFilter", true, post)
	case "/values:batchClearByDataFilter":
		return set("spreadsheets.values.batchClearByDataFilter", "SpreadsheetsService.BatchClearValuesByDataFilter", true, post)
	case "/developerMetadata:search":
		return set("spreadsheets.developerMetadata.search", "SpreadsheetsService.SearchDeveloperMetadata", false, post)
	}
	if m, ok := strings.CutPrefix(tail, "/developerMetadata/"); ok {
		rt.metaID = m
		return set("spreadsheets.developerMetadata.get", "SpreadsheetsService.GetDeveloperMetadata", false, get)
	}
	if r, ok := strings.CutPrefix(tail, "/values/"); ok && r != "" {
		name, rpc, write, okm := "spreadsheets.values.get", "SpreadsheetsService.GetValues", false, get
		switch {
		case strings.HasSuffix(r, ":append"):
			r = strings.TrimSuffix(r, ":append")
			name, rpc, write, okm = "spreadsheets.values.append", "SpreadsheetsService.AppendValues", true, post
		case strings.HasSuffix(r, ":clear"):
			r = strings.TrimSuffix(r, ":clear")
			name, rpc, write, okm = "spreadsheets.values.clear", "SpreadsheetsService.ClearValues", true, post
		case put:
			name, rpc, write, okm = "spreadsheets.values.update", "SpreadsheetsService.UpdateValues", true, true
		}
		dec, err := url.PathUnescape(r)
		if err != nil {
			return route{}, false
		}
		rt.rng = dec
		return set(name, rpc, write, okm)
	}
	return route{}, false
}

// maxBody bounds request bodies (Google recommends 2 MB; the emulator
// accepts far more so large-sheet tests can run).
const maxBody = 512 << 20

func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > maxBody {
		return io.ReadAll(io.LimitReader(r.Body, maxBody))
	}
	b := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, b)
	return b, err
}

// handleAPI authenticates, charges quota, checks access and runs the method.
func (s *Server) handleAPI(r *http.Request) (response, string) {
	rt, ok := s.parseRoute(r.Method, r.URL.EscapedPath())
	if !ok {
		return errResponse(&apiError{code: 404, status: "NOT_FOUND",
			message: fmt.Sprintf("sheetstest: no API method %s %s", r.Method, r.URL.Path)}), ""
	}
	body, err := readBody(r)
	if err != nil {
		return errResponse(badRequest("could not read the request body: %v", err)), ""
	}
	q := r.URL.Query()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	s.stats.LastRequestTime = s.now()
	s.stats.LargestRequest = max(s.stats.LargestRequest, len(body))
	c, aerr := s.authenticate(r)
	if aerr != nil {
		return errResponse(aerr), ""
	}
	if s.disabled[c.project] {
		return errResponse(errAPIDisabled(projectNumber(c.project))), c.email
	}
	if rt.write && !c.write || !c.read {
		return errResponse(errInsufficientScope(rt.rpc)), c.email
	}
	if ok, limit := s.takeQuota(c.email, rt.write); !ok {
		s.stats.QuotaExceeded++
		return errResponse(errQuota(rt.write, projectNumber(c.project), limit)), c.email
	}
	if rt.write {
		s.stats.Writes++
	} else {
		s.stats.Reads++
	}
	s.stats.Methods[rt.name]++

	if rt.name == "spreadsheets.create" {
		out, aerr := s.createFromAPI(c, body)
		return s.finish(out, aerr, q), c.email
	}
	ss := s.books[rt.id]
	if ss == nil {
		return errResponse(errNotFound), c.email
	}
	if c.email != "anonymous" && (!ss.shared[c.email] || rt.write && ss.viewOnly[c.email]) {
		return errResponse(errDenied), c.email
	}
	var out any
	if rt.write {
		t := s.begin(ss)
		t.by = c.email
		switch rt.name {
		case "spreadsheets.batchUpdate":
			out, aerr = s.batchUpdate(t, body)
		case "spreadsheets.values.update":
			out, aerr = s.valuesUpdate(t, rt.rng, q, body)
		case "spreadsheets.values.append":
			out, aerr = s.valuesAppend(t, rt.rng, q, body)
		case "spreadsheets.values.clear":
			out, aerr = s.valuesClear(t, rt.rng)
		case "spreadsheets.values.batchUpdate":
			out, aerr = s.valuesBatchUpdate(t, body)
		case "spreadsheets.values.batchClear":
			out, aerr = s.valuesBatchClear(t, body)
		case "spreadsheets.values.batchUpdateByDataFilter":
			out, aerr = s.valuesBatchUpdateByDataFilter(t, body)
		case "spreadsheets.values.batchClearByDataFilter":
			out, aerr = s.valuesBatchClearByDataFilter(t, body)
		}
		if aerr == nil {
			t.commit()
		}
	} else {
		switch rt.name {
		case "spreadsheets.get":
			out, aerr = s.getSpreadsheet(ss, q, nil)
		case "spreadsheets.getByDataFilter":
			out, aerr = s.getByDataFilter(ss, q, body)
		case "spreadsheets.values.get":
			out, aerr = s.valuesGet(ss, rt.rng, q)
		case "spreadsheets.values.batchGet":
			out, aerr = s.valuesBatchGet(ss, q)
		case "spreadsheets.values.batchGetByDataFilter":
			out, aerr = s.valuesBatchGetByDataFilter(ss, body)
		case "spreadsheets.developerMetadata.search":
			out, aerr = s.searchMetadata(ss, body)
		case "spreadsheets.developerMetadata.get":
			out, aerr = s.getMetadata(ss, rt.metaID)
		}
	}
	return s.finish(out, aerr, q), c.email
}

// finish renders a handler's result, applying a `fields` mask if asked.
func (s *Server) finish(out any, aerr *apiError, q url.Values) response {
	if aerr != nil {
		return errResponse(aerr)
	}
	b, ok := out.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(out); err != nil {
			return errResponse(&apiError{code: 500, status: "INTERNAL", message: "sheetstest: encode the response: " + err.Error()})
		}
	}
	if f := q.Get("fields"); f != "" {
		mask, err := parseMask(f)
		if err != nil {
			return errResponse(badRequest("Invalid field selection %s", f))
		}
		var v any
		if json.Unmarshal(b, &v) == nil {
			b, _ = json.Marshal(mask.apply(v))
		}
	}
	return response{status: 200, body: b}
}

// mask is a parsed field mask: nil children mean "everything below".
type mask map[string]mask

// parseMask parses "a,b(c,d/e),f.g" (both '.' and '/' separate path parts).
func parseMask(s string) (mask, error) {
	m, rest, err := parseMaskList(s, 0)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, fmt.Errorf("unexpected %q", rest)
	}
	return m, nil
}

func parseMaskList(s string, depth int) (mask, string, error) {
	m := mask{}
	for {
		i := strings.IndexAny(s, ",()")
		path := s
		if i < 0 {
			s = ""
		} else {
			path, s = s[:i], s[i:]
		}
		parts := strings.FieldsFunc(strings.TrimSpace(path), func(r rune) bool { return r == '.' || r == '/' })
		if len(parts) == 0 {
			return nil, "", fmt.Errorf("empty field name")
		}
		var sub mask // nil = all below
		if strings.HasPrefix(s, "(") {
			var err error
			if sub, s, err = parseMaskList(s[1:], depth+1); err != nil {
				return nil, "", err
			}
			if !strings.HasPrefix(s, ")") {
				return nil, "", fmt.Errorf("missing )")
			}
			s = s[1:]
		}
		m.add(parts, sub)
		switch {
		case s == "":
			if depth > 0 {
				return nil, "", fmt.Errorf("missing )")
			}
			return m, "", nil
		case s[0] == ',':
			s = s[1:]
		case s[0] == ')' && depth > 0:
			return m, s, nil
		default:
			return nil, "", fmt.Errorf("unexpected %q", s)
		}
	}
}

// add merges path (ending in sub) into m.
func (m mask) add(path []string, sub mask) {
	node := m
	for k, p := range path {
		child, seen := node[p]
		if seen && child == nil {
			return // already everything
		}
		if k == len(path)-1 {
			if sub == nil {
				node[p] = nil
				return
			}
			if child == nil {
				child = mask{}
				node[p] = child
			}
			for sk, sv := range sub {
				child.add([]string{sk}, sv)
			}
			return
		}
		if child == nil {
			child = mask{}
			node[p] = child
		}
		node = child
	}
}

func (m mask) apply(v any) any {
	if m == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		if _, all := m["*"]; all {
			return x
		}
		out := map[string]any{}
		for k, sub := range m {
			if val, ok := x[k]; ok {
				out[k] = sub.apply(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.apply(e)
		}
		return out
	}
	return v
}
