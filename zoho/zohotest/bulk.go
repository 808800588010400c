package zohotest

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bulk Read limits (reference §5.2).
const (
	bulkPageSize      = 200_000
	downloadsPerMin   = 10
	maxBulkBody       = 1 << 20
	bulkTokenLife     = 24 * time.Hour
	bulkDownloadsSpan = time.Minute
)

type bulkJob struct {
	id        string
	module    *module
	fields    []bulkCol
	query     map[string]any // as sent, echoed in the status
	snap      []*record      // this job's page
	page      int
	more      bool
	nextToken string
	polls     int
	fail      bool
	created   time.Time
}

type bulkToken struct {
	module *module
	fields []bulkCol
	snap   []*record
	offset int
	page   int
	expiry time.Time
}

// FailNextBulkJob makes the next Bulk Read job end in state FAILURE.
func (s *Server) FailNextBulkJob() {
	s.mu.Lock()
	s.bulkFailNext = true
	s.mu.Unlock()
}

func bulkScopes(scopes []string) bool {
	return hasScope(scopes, "ZohoCRM.bulk.read", "ZohoCRM.bulk.ALL")
}

func (c *call) bulk(seg []string) {
	switch {
	case len(seg) == 1 && seg[0] == "":
		if c.r.Method != http.MethodPost {
			c.fail(errMethod())
			return
		}
		c.bulkCreate()
	case len(seg) == 1 && c.r.Method == http.MethodGet:
		c.bulkStatus(seg[0])
	case len(seg) == 2 && seg[1] == "result" && c.r.Method == http.MethodGet:
		c.bulkResult(seg[0])
	case len(seg) <= 2:
		c.fail(errMethod())
	default:
		c.fail(errInvalidURL())
	}
}

type bulkRequest struct {
	Callback *struct {
		URL    string `json:"url"`
		Method string `json:"method"`
	} `json:"callback"`
	Query *struct {
		Module *struct {
			APIName string `json:"api_name"`
		} `json:"module"`
		Fields    []string        `json:"fields"`
		Page      *int            `json:"page"`
		PageToken string          `json:"page_token"`
		Criteria  json.RawMessage `json:"criteria"`
		Cvid      string          `json:"cvid"`
	} `json:"query"`
	FileType string `json:"file_type"`
}

func (c *call) bulkCreate() {
	mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if mt != "application/json" {
		c.fail(newAPIError(http.StatusUnsupportedMediaType, "MEDIA_TYPE_NOT_SUPPORTED", "The media type is not supported",
			map[string]any{"content_type": c.r.Header.Get("Content-Type")}))
		return
	}
	if !bulkScopes(c.scopes) {
		c.fail(errScopeMismatch())
		return
	}
	raw, err := io.ReadAll(io.LimitReader(c.r.Body, maxBulkBody))
	if err != nil {
		c.fail(errInvalidParam("body"))
		return
	}
	var req bulkRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&req); err != nil {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the body is not valid JSON", map[string]any{"error": err.Error()}))
		return
	}
	if req.Query == nil {
		c.fail(newAPIError(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"api_name": "query"}))
		return
	}
	if req.Query.Module == nil || req.Query.Module.APIName == "" {
		c.fail(newAPIError(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"api_name": "module"}))
		return
	}
	if req.FileType != "" && req.FileType != "csv" && req.FileType != "ics" {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the file_type given seems to be invalid", map[string]any{"api_name": "file_type"}))
		return
	}
	sc, aerr := lookupSchema(req.Query.Module.APIName)
	if aerr != nil || !sc.listable {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the module given seems to be invalid", map[string]any{"api_name": "module"}))
		return
	}
	if req.FileType == "ics" {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "ics export is only for Events", map[string]any{"api_name": "file_type"}))
		return
	}
	if !hasScope(c.scopes, moduleReadScopes(sc.name)...) {
		c.fail(errScopeMismatch())
		return
	}
	if req.Query.Cvid != "" {
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the cvid given seems to be invalid", map[string]any{"api_name": "cvid"}))
		return
	}
	fields := []bulkCol{{name: "id", f: sc.field("id")}}
	if len(req.Query.Fields) == 0 {
		for _, f := range sc.fields {
			if f.api != "id" {
				fields = append(fields, bulkCol{name: f.api, f: f})
			}
		}
	}
	for _, name := range req.Query.Fields {
		col, ok := parseBulkCol(sc, name)
		if !ok {
			c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the field given seems to be invalid", map[string]any{"api_name": name}))
			return
		}
		if name != "id" {
			fields = append(fields, col)
		}
	}
	var crit *criterion
	if len(req.Query.Criteria) > 0 && string(req.Query.Criteria) != "null" {
		var e *apiError
		if crit, e = parseCriterion(sc, req.Query.Criteria); e != nil {
			c.fail(e)
			return
		}
	}
	if req.Query.Page != nil && req.Query.PageToken != "" {
		c.fail(newAPIError(http.StatusBadRequest, "AMBIGUITY_DURING_PROCESSING", "page and page_token cannot be given together",
			map[string]any{"ambiguity_due_to": []string{"page", "page_token"}}))
		return
	}
	page := 1
	if req.Query.Page != nil {
		if *req.Query.Page < 1 {
			c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the page given seems to be invalid", map[string]any{"api_name": "page"}))
			return
		}
		page = *req.Query.Page
	}
	var query map[string]any
	json.Unmarshal(raw, &struct {
		Query *map[string]any `json:"query"`
	}{&query})

	s := c.s
	s.mu.Lock()
	m := s.mods[sc.name]
	size := s.opts.BulkPageSize
	if size <= 0 {
		size = bulkPageSize
	}
	var all []*record
	offset := 0
	if req.Query.PageToken != "" {
		bt := s.bulkTokens[req.Query.PageToken]
		switch {
		case bt == nil || bt.module != m:
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "The token given seems to be invalid", map[string]any{"api_name": "page_token"}))
			return
		case !s.now.Before(bt.expiry):
			s.mu.Unlock()
			c.fail(newAPIError(http.StatusBadRequest, "EXPIRED_VALUE", "The token given has expired", map[string]any{"api_name": "page_token"}))
			return
		}
		all, offset, page = bt.snap, bt.offset, bt.page
	} else {
		for _, r := range m.recs {
			if crit == nil || crit.match(s, m, r) {
				all = append(all, r)
			}
		}
		offset = (page - 1) * size
	}
	end := min(offset+size, len(all))
	job := &bulkJob{module: m, fields: fields, query: query, page: page, created: s.now, fail: s.bulkFailNext}
	s.bulkFailNext = false
	if offset < end {
		job.snap = all[offset:end]
	}
	if end < len(all) {
		job.more = true
		job.nextToken = s.rng.hex(40)
		if s.bulkTokens == nil {
			s.bulkTokens = map[string]*bulkToken{}
		}
		s.bulkTokens[job.nextToken] = &bulkToken{module: m, fields: fields, snap: all, offset: end, page: page + 1, expiry: s.now.Add(bulkTokenLife)}
	}
	job.id = s.nextID()
	if s.jobs == nil {
		s.jobs = map[string]*bulkJob{}
	}
	s.jobs[job.id] = job
	created := s.now.In(s.loc).Format(time.RFC3339)
	s.mu.Unlock()
	writeJSON(c.w, http.StatusCreated, map[string]any{
		"data": []any{map[string]any{
			"status": "success", "code": "ADDED_SUCCESSFULLY", "message": "Added successfully.",
			"details": map[string]any{"id": job.id, "operation": "read", "state": "ADDED",
				"created_by": minUser(users[0]), "created_time": created},
		}},
		"info": map[string]any{},
	})
}

func errJobNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "RESOURCE_NOT_FOUND", "the requested resource does not exist", map[string]any{"resource_path_index": 0})
}

func (c *call) bulkStatus(id string) {
	if !bulkScopes(c.scopes) {
		c.fail(errScopeMismatch())
		return
	}
	s := c.s
	s.mu.Lock()
	job := s.jobs[id]
	if job == nil {
		s.mu.Unlock()
		c.fail(errJobNotFound())
		return
	}
	job.polls++
	state := job.state(s.opts.BulkPolls)
	out := map[string]any{
		"id": job.id, "operation": "read", "state": state, "query": job.query, "file_type": "csv",
		"created_by": minUser(users[0]), "created_time": job.created.In(s.loc).Format(time.RFC3339),
	}
	switch state {
	case "COMPLETED":
		var next any
		if job.nextToken != "" {
			next = job.nextToken
		}
		size := s.opts.BulkPageSize
		if size <= 0 {
			size = bulkPageSize
		}
		out["result"] = map[string]any{"page": job.page, "per_page": size, "count": len(job.snap),
			"download_url": "/crm/bulk/v8/read/" + job.id + "/result", "more_records": job.more, "next_page_token": next}
	case "FAILURE":
		out["result"] = map[string]any{"error_message": map[string]any{"status": "error", "code": "INTERNAL_ERROR",
			"message": "the export failed", "details": map[string]any{}}}
	}
	s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"data": []any{out}})
}

// state: ADDED until first polled, IN PROGRESS for polls polls, then done.
func (j *bulkJob) state(polls int) string {
	if polls <= 0 {
		polls = 1
	}
	switch {
	case j.polls <= polls:
		return "IN PROGRESS"
	case j.fail:
		return "FAILURE"
	}
	return "COMPLETED"
}

func (c *call) bulkResult(id string) {
	if !bulkScopes(c.scopes) {
		c.fail(errScopeMismatch())
		return
	}
	s := c.s
	s.mu.Lock()
	job := s.jobs[id]
	if job == nil {
		s.mu.Unlock()
		c.fail(errJobNotFound())
		return
	}
	if job.state(s.opts.BulkPolls) != "COMPLETED" {
		s.mu.Unlock()
		c.fail(newAPIError(http.StatusBadRequest, "INVALID_REQUEST", "the job is not completed yet; poll its state first", map[string]any{"state": job.state(s.opts.BulkPolls)}))
		return
	}
	cut := s.now.Add(-bulkDownloadsSpan)
	i := 0
	for i < len(s.downloads) && !s.downloads[i].After(cut) {
		i++
	}
	s.downloads = s.downloads[i:]
	if len(s.downloads) >= downloadsPerMin {
		s.mu.Unlock()
		c.fail(errTooMany("download limit exceeded: at most 10 download requests per minute"))
		return
	}
	s.downloads = append(s.downloads, s.now)
	s.stats.BulkDownloads++
	var csvBuf bytes.Buffer
	cw := csv.NewWriter(&csvBuf)
	row := make([]string, len(job.fields))
	for i, col := range job.fields {
		row[i] = col.name
	}
	cw.Write(row)
	for _, r := range job.snap {
		for i, col := range job.fields {
			row[i] = s.csvValue(s.bulkValue(job.module, r, col))
		}
		cw.Write(row)
	}
	s.mu.Unlock()
	cw.Flush()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	fw, _ := zw.Create(job.id + ".csv")
	fw.Write(csvBuf.Bytes())
	zw.Close()
	c.w.Header().Set("Content-Type", "application/zip")
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+job.id+`.zip"`)
	c.w.Header().Set("Content-Length", strconv.Itoa(zbuf.Len()))
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(zbuf.Bytes())
}

// bulkCol is one column of an export: a field of the module, or a field
// one relation away, which is how an export names its lookups (§5.2:
// Account_Name.Account_Name, Owner.last_name).
type bulkCol struct {
	name string
	f    *fieldSpec // the module's field
	rel  *fieldSpec // through a lookup: the related module's field
	user string     // through a user lookup: one of userColumns
}

// userColumns are the fields of a user an export can take through a user
// lookup. [UNCONFIRMED beyond last_name: the users API's own keys]
var userColumns = []string{"first_name", "last_name", "full_name", "email"}

// parseBulkCol resolves a name of the query's fields.
func parseBulkCol(sc *moduleSchema, name string) (bulkCol, bool) {
	head, tail, dotted := strings.Cut(name, ".")
	f := sc.field(head)
	if f == nil {
		return bulkCol{}, false
	}
	col := bulkCol{name: name, f: f}
	switch {
	case !dotted:
		return col, true
	case f.dataType == "lookup" && f.lookupModule != "":
		rsc, err := lookupSchema(f.lookupModule)
		if err != nil {
			return bulkCol{}, false
		}
		col.rel = rsc.field(tail) // nil for two relations: "a.b" is no field
		return col, col.rel != nil
	case f.dataType == "ownerlookup" || f.dataType == "userlookup":
		col.user = tail
		return col, slices.Contains(userColumns, tail)
	}
	return bulkCol{}, false
}

// bulkValue is column col of record r. Callers hold s.mu.
func (s *Server) bulkValue(m *module, r *record, col bulkCol) any {
	v := s.value(m, r, col.f)
	switch {
	case col.rel != nil:
		lk, ok := v.(lookupV)
		if !ok {
			return nil
		}
		tm := s.mods[col.f.lookupModule]
		if tm == nil || tm.byID[lk.id] == nil {
			return nil
		}
		return s.value(tm, tm.byID[lk.id], col.rel)
	case col.user != "":
		u, ok := v.(*user)
		if !ok {
			return nil
		}
		switch col.user {
		case "last_name":
			return u.lastName()
		case "first_name":
			return strings.TrimSpace(strings.TrimSuffix(u.name, u.lastName()))
		case "email":
			return u.email
		}
		return u.name
	}
	return v
}

// csvValue is a value as Bulk Read exports it: lookups as their id,
// datetimes ISO 8601, multi-selects joined with ";". Callers hold s.mu.
func (s *Server) csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case dtV:
		return time.Unix(int64(x), 0).In(s.loc).Format(time.RFC3339)
	case *user:
		return x.id
	case lookupV:
		return x.id
	case []string:
		return strings.Join(x, ";")
	case []lookupV:
		names := make([]string, len(x))
		for i, t := range x {
			names[i] = t.name
		}
		return strings.Join(names, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// criterion is a Bulk Read filter: a comparison or an and/or group.
type criterion struct {
	field      *fieldSpec
	comparator string
	values     []any
	op         string
	group      []*criterion
}

func parseCriterion(sc *moduleSchema, raw json.RawMessage) (*criterion, *apiError) {
	var in struct {
		GroupOperator string            `json:"group_operator"`
		Group         []json.RawMessage `json:"group"`
		Field         *struct {
			APIName string `json:"api_name"`
		} `json:"field"`
		Comparator string `json:"comparator"`
		Value      any    `json:"value"`
	}
	bad := func(what string) *apiError {
		return newAPIError(http.StatusBadRequest, "INVALID_QUERY", "the criteria given seems to be invalid", map[string]any{"api_name": what})
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, bad("criteria")
	}
	if in.GroupOperator != "" || in.Group != nil {
		op := strings.ToLower(in.GroupOperator)
		if op != "and" && op != "or" || len(in.Group) == 0 {
			return nil, bad("group_operator")
		}
		c := &criterion{op: op}
		for _, g := range in.Group {
			sub, err := parseCriterion(sc, g)
			if err != nil {
				return nil, err
			}
			c.group = append(c.group, sub)
		}
		return c, nil
	}
	if in.Field == nil || sc.field(in.Field.APIName) == nil {
		return nil, bad("field")
	}
	c := &criterion{field: sc.field(in.Field.APIName), comparator: in.Comparator}
	switch c.comparator {
	case "equal", "not_equal", "greater_than", "greater_equal", "less_than", "less_equal":
		c.values = []any{in.Value}
	case "in", "not_in", "between", "not_between":
		arr, ok := in.Value.([]any)
		if !ok || (strings.HasSuffix(c.comparator, "between") && len(arr) != 2) {
			return nil, bad("value")
		}
		c.values = arr
	case "contains", "not_contains", "starts_with", "ends_with":
		if _, ok := in.Value.(string); !ok {
			return nil, bad("value")
		}
		c.values = []any{in.Value}
	default:
		return nil, bad("comparator")
	}
	if c.field.dataType == "datetime" {
		switch c.comparator {
		case "contains", "not_contains", "starts_with", "ends_with":
			return nil, bad("comparator") // not among the datetime comparators (§5.2)
		}
		for i, v := range c.values {
			str, _ := v.(string)
			t, err := time.Parse("2006-01-02T15:04:05Z07:00", str)
			if err != nil || strings.Contains(str, ".") {
				return nil, bad("value") // datetimes with an offset and no milliseconds (§5.2)
			}
			c.values[i] = float64(t.Unix())
		}
	}
	return c, nil
}

func (c *criterion) match(s *Server, m *module, r *record) bool {
	if c.group != nil {
		for _, g := range c.group {
			ok := g.match(s, m, r)
			if c.op == "and" && !ok {
				return false
			}
			if c.op == "or" && ok {
				return true
			}
		}
		return c.op == "and"
	}
	v := s.value(m, r, c.field)
	cmpTo := func(want any) (int, bool) { return compareValues(v, want) }
	switch c.comparator {
	case "equal", "not_equal":
		d, ok := cmpTo(c.values[0])
		return (ok && d == 0) == (c.comparator == "equal")
	case "greater_than", "greater_equal", "less_than", "less_equal":
		d, ok := cmpTo(c.values[0])
		if !ok {
			return false
		}
		switch c.comparator {
		case "greater_than":
			return d > 0
		case "greater_equal":
			return d >= 0
		case "less_than":
			return d < 0
		}
		return d <= 0
	case "in", "not_in":
		found := false
		for _, w := range c.values {
			if d, ok := cmpTo(w); ok && d == 0 {
				found = true
			}
		}
		return found == (c.comparator == "in")
	case "between", "not_between":
		lo, ok1 := cmpTo(c.values[0])
		hi, ok2 := cmpTo(c.values[1])
		in := ok1 && ok2 && lo >= 0 && hi <= 0
		return in == (c.comparator == "between")
	}
	str, _ := v.(string)
	w, _ := c.values[0].(string)
	switch c.comparator {
	case "contains":
		return strings.Contains(str, w)
	case "not_contains":
		return !strings.Contains(str, w)
	case "starts_with":
		return strings.HasPrefix(str, w)
	}
	return strings.HasSuffix(str, w)
}

// compareValues compares a stored value with a JSON criterion value.
func compareValues(v, want any) (int, bool) {
	switch x := v.(type) {
	case dtV:
		w, ok := want.(float64)
		return cmp.Compare(float64(x), w), ok
	case int64:
		w, ok := want.(float64)
		return cmp.Compare(float64(x), w), ok
	case float64:
		w, ok := want.(float64)
		return cmp.Compare(x, w), ok
	case string:
		w, ok := want.(string)
		return strings.Compare(x, w), ok
	case bool:
		w, ok := want.(bool)
		if !ok || x != w {
			return 1, ok
		}
		return 0, true
	case *user:
		w, ok := want.(string)
		return strings.Compare(x.id, w), ok
	case lookupV:
		w, ok := want.(string)
		return strings.Compare(x.id, w), ok
	}
	return 0, false
}
