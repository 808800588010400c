package zohotest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Get Records limits (reference §2, §2.1).
const (
	maxFields     = 50
	maxPerPage    = 200
	discreteLimit = 2000
	chainLimit    = 100_000
	tokenLife     = 24 * time.Hour
	maxChains     = 128 // live page-token chains kept; the oldest is forgotten
)

// chain is a page-token chain: a snapshot of the ordered result, bound to
// the parameters of the request that started it. Records are immutable
// versions, so pages show the data as it was when the chain started, in a
// stable order, however the CRM changes meanwhile.
type chain struct {
	key     string // canonical parameters, page and page_token excluded
	snap    []*record
	mod     *module
	fields  []*fieldSpec
	sortBy  string
	order   string
	perPage int
	expiry  time.Time
}

type pageToken struct {
	c      *chain
	offset int
}

type chainStore struct {
	tokens map[string]*pageToken
	order  []*chain
}

// chainLimit is the records one page-token chain serves (Options.ChainLimit).
func (s *Server) chainLimit() int {
	if s.opts.ChainLimit > 0 {
		return s.opts.ChainLimit
	}
	return chainLimit
}

func (s *Server) newToken(c *chain, offset int) string {
	if s.chains.tokens == nil {
		s.chains.tokens = map[string]*pageToken{}
	}
	if !slices.Contains(s.chains.order, c) {
		s.chains.order = append(s.chains.order, c)
		if len(s.chains.order) > maxChains {
			old := s.chains.order[0]
			s.chains.order = s.chains.order[1:]
			for t, pt := range s.chains.tokens {
				if pt.c == old {
					delete(s.chains.tokens, t)
				}
			}
		}
	}
	t := s.rng.hex(40)
	s.chains.tokens[t] = &pageToken{c: c, offset: offset}
	return t
}

// listParams are the validated parameters of Get Records.
type listParams struct {
	fields    []*fieldSpec
	perPage   int
	page      int
	token     string
	sortBy    string
	order     string
	converted string
	approved  string
	ids       map[string]bool
	since     time.Time
	key       string
}

func (c *call) parseList(m *module) (*listParams, *apiError) {
	q := c.r.URL.Query()
	p := &listParams{perPage: maxPerPage, page: 1, sortBy: "id", order: "desc", converted: "false", approved: "true"}
	var err *apiError
	if !q.Has("fields") || strings.Trim(q.Get("fields"), ", ") == "" {
		return nil, errRequiredParam("fields")
	}
	if p.fields, err = parseFields(m.schema, q.Get("fields")); err != nil {
		return nil, err
	}
	if v := q.Get("per_page"); q.Has("per_page") {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 {
			return nil, errInvalidParam("per_page")
		}
		if n > maxPerPage {
			return nil, newAPIError(http.StatusBadRequest, "INVALID_DATA", "the per_page given seems to be invalid",
				map[string]any{"param": "per_page", "maximum_value": maxPerPage})
		}
		p.perPage = n
	}
	p.token = q.Get("page_token")
	if q.Has("page_token") && q.Has("page") {
		return nil, newAPIError(http.StatusBadRequest, "AMBIGUITY_DURING_PROCESSING", "page and page_token cannot be given together",
			map[string]any{"ambiguity_due_to": []string{"page", "page_token"}})
	}
	if q.Has("page_token") && p.token == "" {
		return nil, errInvalidParam("page_token")
	}
	if v := q.Get("page"); q.Has("page") {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 {
			return nil, errInvalidParam("page")
		}
		p.page = n
	}
	if q.Has("cvid") {
		return nil, errInvalidParam("cvid") // the emulator has no custom views
	}
	if v := q.Get("sort_by"); q.Has("sort_by") {
		if v != "id" && v != "Created_Time" && v != "Modified_Time" {
			return nil, errInvalidParam("sort_by")
		}
		p.sortBy = v
	}
	if v := q.Get("sort_order"); q.Has("sort_order") {
		if v != "asc" && v != "desc" {
			return nil, errInvalidParam("sort_order")
		}
		p.order = v
	}
	if v := q.Get("converted"); q.Has("converted") {
		if v != "true" && v != "false" && v != "both" {
			return nil, errInvalidParam("converted")
		}
		p.converted = v
	}
	if v := q.Get("approved"); q.Has("approved") {
		if v != "true" && v != "false" && v != "both" {
			return nil, errInvalidParam("approved")
		}
		p.approved = v
	}
	if v := q.Get("ids"); q.Has("ids") {
		p.ids = map[string]bool{}
		for _, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			if !isID(id) {
				return nil, errInvalidParam("ids")
			}
			p.ids[id] = true
		}
		if len(p.ids) > 100 {
			return nil, newAPIError(http.StatusBadRequest, "LIMIT_EXCEEDED", "ids limit exceeded", map[string]any{"limit": 100, "param": "ids"})
		}
	}
	if h := c.r.Header.Get("If-Modified-Since"); h != "" {
		t, e := time.Parse(time.RFC3339, h)
		if e != nil {
			return nil, newAPIError(http.StatusBadRequest, "INVALID_DATA", "the If-Modified-Since header given seems to be invalid",
				map[string]any{"header": "If-Modified-Since", "expected_format": "2019-07-25T15:26:49+05:30"})
		}
		p.since = t
	}
	// The parameters a page token is bound to: all but page and page_token.
	bound := url.Values{}
	for k, vs := range q {
		if k != "page" && k != "page_token" {
			bound[k] = vs
		}
	}
	p.key = bound.Encode()
	return p, nil
}

func isID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseFields resolves a fields parameter: at most 50 known API names.
func parseFields(sc *moduleSchema, v string) ([]*fieldSpec, *apiError) {
	var out []*fieldSpec
	seen := map[string]bool{}
	names := strings.Split(v, ",")
	n := 0
	for _, name := range names {
		if strings.TrimSpace(name) != "" {
			n++
		}
	}
	if n > maxFields {
		return nil, newAPIError(http.StatusBadRequest, "LIMIT_EXCEEDED", "Fields limit exceeded",
			map[string]any{"limit": maxFields, "param": "fields"})
	}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		f := sc.field(name)
		if f == nil {
			return nil, newAPIError(http.StatusBadRequest, "INVALID_DATA", "the field api name given seems to be invalid",
				map[string]any{"param": "fields", "api_name": name})
		}
		out = append(out, f)
	}
	if !seen["id"] {
		out = append(out, sc.field("id")) // Zoho always returns id
	}
	return out, nil
}

// query returns the records matching p, ordered by p.sortBy with id as the
// tie-breaker. Callers hold s.mu.
func (s *Server) query(m *module, p *listParams) []*record {
	snap := make([]*record, 0, len(m.recs))
	conv := m.schema.field("Converted__s")
	since := p.since.Unix()
	for _, r := range m.recs {
		if !p.since.IsZero() && r.modified < since {
			continue
		}
		if p.ids != nil && !p.ids[r.id] {
			continue
		}
		if conv != nil && p.converted != "both" {
			c, _ := s.value(m, r, conv).(bool)
			if c != (p.converted == "true") {
				continue
			}
		}
		if p.approved == "false" {
			continue // every emulated record is approved
		}
		snap = append(snap, r)
	}
	key := func(r *record) int64 {
		switch p.sortBy {
		case "Created_Time":
			return r.created
		case "Modified_Time":
			return r.modified
		}
		return 0
	}
	if p.sortBy != "id" {
		slices.SortStableFunc(snap, func(a, b *record) int { return cmp.Compare(key(a), key(b)) })
	}
	if p.order == "desc" {
		slices.Reverse(snap) // ids are fixed-width, so id order is string order
	}
	return snap
}

func (c *call) listRecords(m *module) {
	p, err := c.parseList(m)
	if err != nil {
		c.fail(err)
		return
	}
	s := c.s
	s.mu.Lock()
	var ch *chain
	var offset int
	if p.token != "" {
		pt := s.chains.tokens[p.token]
		switch {
		case pt == nil || pt.c.mod != m:
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "The token given seems to be invalid", map[string]any{"param": "page_token"}))
			return
		case !s.now.Before(pt.c.expiry):
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "EXPIRED_VALUE", "The token given has expired", map[string]any{"param": "page_token"}))
			return
		case pt.c.key != p.key:
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "TOKEN_BOUND_DATA_MISMATCH", "the parameters do not match the ones the page token was issued for",
				map[string]any{"param": "page_token"}))
			return
		case pt.offset >= s.chainLimit():
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "PAGINATION_LIMIT_EXCEEDED",
				fmt.Sprintf("You can only get the first %d records using page_token param", s.chainLimit()),
				map[string]any{"limit": s.chainLimit()}))
			return
		}
		ch, offset = pt.c, pt.offset
	} else {
		if p.page*p.perPage > discreteLimit {
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
				"You can only get the first 2000 records without using page_token param", map[string]any{"limit": discreteLimit}))
			return
		}
		ch = &chain{key: p.key, snap: s.query(m, p), mod: m, fields: p.fields, sortBy: p.sortBy, order: p.order,
			perPage: p.perPage, expiry: s.now.Add(tokenLife)}
		offset = (p.page - 1) * p.perPage
	}
	if len(ch.snap) == 0 && !p.since.IsZero() && p.token == "" {
		s.mu.Unlock()
		c.w.WriteHeader(http.StatusNotModified)
		return
	}
	end := min(offset+p.perPage, len(ch.snap), s.chainLimit())
	if offset >= end {
		s.mu.Unlock()
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	page := ch.snap[offset:end]
	b := make([]byte, 0, 256*len(page))
	b = append(b, `{"data":[`...)
	for i, r := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendRecord(b, m, r, p.fields)
	}
	more := end < len(ch.snap)
	var next, expiry any
	if more {
		next = s.newToken(ch, end)
		expiry = ch.expiry.In(s.loc).Format(time.RFC3339)
	}
	s.stats.RecordsServed += len(page)
	s.mu.Unlock()
	info, _ := json.Marshal(struct {
		Call              bool   `json:"call"`
		PerPage           int    `json:"per_page"`
		NextPageToken     any    `json:"next_page_token"`
		Count             int    `json:"count"`
		SortBy            string `json:"sort_by"`
		Page              int    `json:"page"`
		PreviousPageToken any    `json:"previous_page_token"`
		PageTokenExpiry   any    `json:"page_token_expiry"`
		SortOrder         string `json:"sort_order"`
		Email             bool   `json:"email"`
		MoreRecords       bool   `json:"more_records"`
	}{false, p.perPage, next, len(page), ch.sortBy, offset/p.perPage + 1, nil, expiry, ch.order, false, more})
	b = append(b, `],"info":`...)
	b = append(b, info...)
	b = append(b, '}')
	writeBody(c.w, http.StatusOK, b)
}

// getRecord: GET /crm/v8/{module}/{id} returns every field (or ?fields=).
func (c *call) getRecord(m *module, id string) {
	if !isID(id) {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the id given seems to be invalid", map[string]any{"resource_path_index": 1}))
		return
	}
	fields := m.schema.fields
	if q := c.r.URL.Query(); q.Has("fields") {
		var err *apiError
		if fields, err = parseFields(m.schema, q.Get("fields")); err != nil {
			c.fail(err)
			return
		}
	}
	s := c.s
	s.mu.Lock()
	r := m.byID[id]
	if r == nil {
		s.mu.Unlock()
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	b := append([]byte(`{"data":[`), s.appendRecord(nil, m, r, fields)...)
	s.stats.RecordsServed++
	s.mu.Unlock()
	b = append(b, "]}"...)
	writeBody(c.w, http.StatusOK, b)
}

// pageParams reads page and per_page (default 1 and maxPerPage), as the
// deleted-records and users lists take them; ok is false when the error
// has been written.
func (c *call) pageParams(q url.Values) (page, perPage int, ok bool) {
	page, perPage = 1, maxPerPage
	if q.Has("page") {
		n, err := strconv.Atoi(q.Get("page"))
		if err != nil || n < 1 {
			c.fail(errInvalidParam("page"))
			return 0, 0, false
		}
		page = n
	}
	if q.Has("per_page") {
		n, err := strconv.Atoi(q.Get("per_page"))
		if err != nil || n < 1 || n > maxPerPage {
			c.fail(errInvalidParam("per_page"))
			return 0, 0, false
		}
		perPage = n
	}
	return page, perPage, true
}

// pageOf returns the bounds of page (1-based) of a list of n; past its end
// it answers 204 No Content, as Zoho does, and returns false.
func (c *call) pageOf(page, perPage, n int) (off, end int, ok bool) {
	off = (page - 1) * perPage
	if off >= n {
		c.w.WriteHeader(http.StatusNoContent)
		return 0, 0, false
	}
	return off, min(off+perPage, n), true
}

// Deleted-record windows (§4).
const (
	recycleWindow   = 60 * 24 * time.Hour
	permanentWindow = 120 * 24 * time.Hour
)

func (c *call) listDeleted(m *module) {
	q := c.r.URL.Query()
	typ := "all"
	if q.Has("type") {
		typ = q.Get("type")
		if typ != "all" && typ != "recycle" && typ != "permanent" {
			c.fail(newAPIError(http.StatusBadRequest, "PATTERN_NOT_MATCHED", "Please check whether the input values are correct",
				map[string]any{"param": "type", "expected_pattern": "all|recycle|permanent"}))
			return
		}
	}
	page, perPage, ok := c.pageParams(q)
	if !ok {
		return
	}
	var since int64 = -1 << 62
	if h := c.r.Header.Get("If-Modified-Since"); h != "" {
		t, err := time.Parse(time.RFC3339, h)
		if err != nil {
			c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the If-Modified-Since header given seems to be invalid",
				map[string]any{"header": "If-Modified-Since"}))
			return
		}
		since = t.Unix()
	}
	s := c.s
	s.mu.Lock()
	now := s.now
	var list []*deletion
	for i := len(m.deleted) - 1; i >= 0; i-- { // newest first
		d := m.deleted[i]
		if d.at < since || (typ != "all" && d.typ != typ) {
			continue
		}
		window := recycleWindow
		if d.typ == "permanent" {
			window = permanentWindow
		}
		if now.Sub(time.Unix(d.at, 0)) > window {
			continue
		}
		list = append(list, d)
	}
	s.mu.Unlock()
	off, end, ok := c.pageOf(page, perPage, len(list))
	if !ok {
		return
	}
	data := make([]any, 0, end-off)
	for _, d := range list[off:end] {
		data = append(data, map[string]any{
			"deleted_by":   minUser(d.by),
			"id":           d.id,
			"display_name": d.displayName,
			"type":         d.typ,
			"created_by":   minUser(d.createdBy),
			"deleted_time": time.Unix(d.at, 0).In(s.loc).Format(time.RFC3339),
		})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"data": data, "info": map[string]any{
		"per_page": perPage, "count": len(data), "page": page, "more_records": end < len(list)}})
}

func minUser(u *user) any {
	if u == nil {
		return nil
	}
	return map[string]any{"name": u.name, "id": u.id}
}

// count: GET /crm/v8/{module}/actions/count. Converted leads are not
// counted, as they are not listed by default [UNCONFIRMED]. The count is a
// string, as the published OAS (record.json) has it.
func (c *call) count(m *module) {
	s := c.s
	s.mu.Lock()
	n := len(s.query(m, &listParams{sortBy: "id", order: "asc", converted: "false", approved: "true"}))
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"count": strconv.Itoa(n)})
}

var settingsScopes = []string{"ZohoCRM.settings.ALL", "ZohoCRM.settings.READ"}

func (c *call) settingsModules(one string) {
	if !c.requireScope(append(settingsScopes, "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.modules.ALL")...) {
		return
	}
	if one != "" {
		sc, err := lookupSchema(one)
		if err != nil {
			c.fail(err)
			return
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"modules": []any{sc.meta()}})
		return
	}
	q := c.r.URL.Query()
	if q.Has("status") {
		for _, st := range strings.Split(q.Get("status"), ",") {
			switch st {
			case "user_hidden", "system_hidden", "scheduled_for_deletion", "visible":
			default:
				c.fail(errInvalidParam("status"))
				return
			}
		}
		if !slices.Contains(strings.Split(q.Get("status"), ","), "visible") {
			c.w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	var out []any
	for _, name := range moduleOrder {
		out = append(out, schemas()[name].meta())
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"modules": out})
}

func (c *call) settingsFields() {
	if !c.requireScope(append(settingsScopes, "ZohoCRM.settings.fields.READ", "ZohoCRM.settings.fields.ALL")...) {
		return
	}
	q := c.r.URL.Query()
	if q.Get("module") == "" {
		c.fail(errRequiredParam("module"))
		return
	}
	sc, err := lookupSchema(q.Get("module"))
	if err != nil {
		c.fail(err)
		return
	}
	if q.Has("type") {
		switch q.Get("type") {
		case "all":
		case "unused":
			c.w.WriteHeader(http.StatusNoContent) // every emulated field is used
			return
		default:
			c.fail(errInvalidParam("type"))
			return
		}
	}
	out := make([]any, 0, len(sc.fields))
	for _, f := range sc.fields {
		out = append(out, f.meta(sc))
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"fields": out})
}
