package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// COQL limits (reference §5.1).
const (
	coqlPageSize   = 2000 // records per query
	coqlMaxColumns = 50   // select columns per query
	// MaxWhereCriteria is how many criteria ReadOptions.Where may hold:
	// COQL allows 25 per query and the reader adds up to 3 of its own
	// (the Modified_Time window and key paging).
	MaxWhereCriteria = 22
)

// Read paths reported by ReadPath.
const (
	PathCOQL       = "coql"        // POST /crm/v8/coql, 2,000 records a call
	PathGetRecords = "get-records" // GET /crm/v8/{module}, 200 a call, Bulk Read past 100,000
)

// ReadPath says how Records reads some fields of a module.
type ReadPath struct {
	Name   string // PathCOQL or PathGetRecords
	Reason string // why COQL cannot serve the fields ("" on the COQL path)
}

// ReadPath returns the path Records takes for these fields of module (for
// `check`). It fetches the module's field metadata once.
func (c *Client) ReadPath(ctx context.Context, module string, fields []string) (ReadPath, error) {
	meta, err := c.fieldMeta(ctx, module)
	if err != nil {
		return ReadPath{}, err
	}
	return c.pathFor(fields, meta), nil
}

// coqlUnsupported says why COQL cannot select f ("" when it can): the
// reference lists multi-select lookups, image uploads and subforms; Tag
// and multi-user lookups are undocumented, so they take the safe path.
func coqlUnsupported(f zsync.Field) string {
	if f.APIName == "Tag" {
		return "Tag is not documented for COQL"
	}
	switch f.DataType {
	case "multiselectlookup", "imageupload", "subform", "fileupload", "multiuserlookup":
		return f.APIName + " is a " + f.DataType + " field, which COQL cannot select"
	}
	return ""
}

func (c *Client) pathFor(fields []string, meta map[string]zsync.Field) ReadPath {
	if why := c.noCOQL.Load(); why != nil {
		return ReadPath{PathGetRecords, *why}
	}
	for _, f := range fields {
		head, _, _ := strings.Cut(f, ".")
		if fm, ok := meta[head]; ok {
			if why := coqlUnsupported(fm); why != "" {
				return ReadPath{PathGetRecords, why}
			}
		}
	}
	return ReadPath{PathCOQL, ""}
}

// readPlan is how one Records call reads: one or more passes merged by id.
type readPlan struct {
	path   ReadPath
	passes []pass
}

func (c *Client) planRead(ctx context.Context, module string, opts zsync.ReadOptions) (*readPlan, error) {
	meta, err := c.fieldMeta(ctx, module)
	if err != nil {
		return nil, err
	}
	var plain, related []string
	seen := map[string]bool{"id": true, "Modified_Time": true}
	for _, f := range opts.Fields {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		if strings.Contains(f, ".") {
			related = append(related, f)
		} else {
			plain = append(plain, f)
		}
	}
	cols := make(map[string]zsync.Field, len(meta)+len(related))
	for k, v := range meta {
		cols[k] = v
	}
	for _, p := range related {
		f, ok, err := c.pathField(ctx, module, p)
		if err != nil {
			return nil, err
		}
		if ok {
			cols[p] = f
		}
	}
	if c.noCOQL.Load() != nil && opts.Where != "" && !opts.WindowSince.IsZero() {
		// Only a change window: Modified_Time alone still finds every
		// record changed itself (a renamed account waits for a full read).
		opts.Where, opts.Since = "", opts.WindowSince
	}
	plan := &readPlan{path: c.pathFor(opts.Fields, meta)}
	var coqlCols []string // what COQL reads
	switch {
	case plan.path.Name == PathCOQL:
		coqlCols = append(plain, related...)
	case c.noCOQL.Load() != nil && opts.Where != "":
		return nil, fmt.Errorf("a filter needs COQL, and %s", plan.path.Reason)
	case c.noCOQL.Load() != nil && len(related) > 0:
		c.log.Warn().Str("module", module).Strs("fields", related).Msg("related fields need COQL; they stay empty: " + plan.path.Reason)
	default:
		coqlCols = related
	}
	var users map[string]zsync.Lookup
	if userColumns(coqlCols, cols) != nil {
		if users, err = c.userNames(ctx); err != nil {
			return nil, err
		}
	}
	var coqlPasses []pass
	if plan.path.Name == PathCOQL || len(coqlCols) > 0 || opts.Where != "" {
		groups := splitColumns(coqlCols)
		for _, g := range groups {
			coqlPasses = append(coqlPasses, c.coqlPass(ctx, module, g, opts, cols, users))
		}
	}
	if plan.path.Name == PathCOQL {
		plan.passes = coqlPasses
		return plan, nil
	}
	var getPasses []pass
	since := opts.Since
	if opts.Where != "" && !opts.WindowSince.IsZero() {
		since = opts.WindowSince // the rest is fetched by id: see window.go
	}
	for _, fields := range splitFields(plain) {
		getPasses = append(getPasses, func(yield func(zsync.Record, error) bool) bool {
			return c.readPass(ctx, module, fields, since, meta, yield)
		})
	}
	if opts.Where != "" && !opts.WindowSince.IsZero() {
		coqlPasses, getPasses = c.fillWindow(ctx, module, plain, meta, coqlPasses, getPasses)
	}
	if opts.Where != "" {
		// The filter's COQL pass goes first: it decides which records are read.
		plan.passes = append(coqlPasses, getPasses...)
	} else {
		plan.passes = append(getPasses, coqlPasses...)
	}
	c.log.Info().Str("module", module).Str("reason", plan.path.Reason).Msg("reading with Get Records: COQL cannot serve every field")
	return plan, nil
}

// splitColumns groups COQL columns so that each query selects at most 50,
// Modified_Time included (id always comes back).
func splitColumns(cols []string) [][]string {
	var groups [][]string
	for {
		n := min(len(cols), coqlMaxColumns-1)
		groups = append(groups, cols[:n:n])
		cols = cols[n:]
		if len(cols) == 0 {
			return groups
		}
	}
}

// pathField returns the field a dotted path ends at, walking lookups
// through the related modules' metadata; false when it leads nowhere.
func (c *Client) pathField(ctx context.Context, module, path string) (zsync.Field, bool, error) {
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		meta, err := c.fieldMeta(ctx, module)
		if err != nil {
			return zsync.Field{}, false, err
		}
		f, ok := meta[seg]
		if !ok {
			return zsync.Field{}, false, nil
		}
		if i == len(segs)-1 {
			return f, true, nil
		}
		if f.LookupModule == "" {
			return zsync.Field{}, false, nil
		}
		module = f.LookupModule
	}
	return zsync.Field{}, false, nil
}

// userColumns returns the columns holding user lookups (COQL sends only a
// user's last name: the full name and email come from /users).
func userColumns(cols []string, meta map[string]zsync.Field) []string {
	var out []string
	for _, k := range cols {
		switch meta[k].DataType {
		case "ownerlookup", "userlookup":
			out = append(out, k)
		}
	}
	return out
}

// andAll joins conditions with and, bracketing every pair as COQL wants
// beyond two conditions: ((a and b) and c).
func andAll(conds []string) string {
	if len(conds) == 0 {
		return "id is not null"
	}
	acc := conds[0]
	for _, c := range conds[1:] {
		acc = "(" + acc + " and " + c + ")"
	}
	return acc
}

// coqlTime formats a datetime literal: ISO 8601 with an offset, no ms.
func coqlTime(t time.Time) string { return "'" + ifModifiedSince(t) + "'" }

// coqlPass reads columns cols of module through COQL, 2,000 records a
// query. A full read pages by key (id > last, id order), never by offset,
// so it has no 100,000-record cap. An incremental read orders by
// (Modified_Time, id) and continues after the last pair read, so records
// sharing a Modified_Time across a page boundary are neither skipped nor
// read twice; a record modified during the read comes again later with
// its new time and is yielded once (its first version; the next run,
// starting before the cursor, reads the newer one).
func (c *Client) coqlPass(ctx context.Context, module string, cols []string, opts zsync.ReadOptions,
	meta map[string]zsync.Field, users map[string]zsync.Lookup) pass {
	sel := strings.Join(append([]string{"Modified_Time"}, cols...), ", ")
	ucols := userColumns(cols, meta)
	full := opts.Since.IsZero()
	return func(yield func(zsync.Record, error) bool) bool {
		var (
			lastID string
			lastT  time.Time
			seen   map[string]struct{}
			passed string // a full read: the id of the last record passed on
			guard  = pageGuard{op: "coql " + module}
		)
		if !full {
			seen = map[string]struct{}{}
		}
		// Records are passed on as they are read. A record seen before — an
		// answer asked for again after it was cut off, or sent twice by a
		// broken server — is not: a full read pages by ascending id, an
		// incremental one remembers the ids.
		each := func(r zsync.Record) bool {
			for _, k := range ucols {
				if l, ok := r.Fields[k].(zsync.Lookup); ok {
					if u, ok := users[l.ID]; ok {
						r.Fields[k] = zsync.Lookup{ID: l.ID, Name: u.Name, Email: u.Email}
					}
				}
			}
			if seen != nil {
				if _, dup := seen[r.ID]; dup {
					return true
				}
				seen[r.ID] = struct{}{}
			} else if passed != "" && !idAfter(r.ID, passed) {
				return true
			}
			passed = r.ID
			return yield(r, nil)
		}
		for page := 1; ; page++ {
			var conds []string
			if opts.Where != "" {
				conds = append(conds, "("+opts.Where+")")
			}
			order := "id asc"
			switch {
			case full && lastID != "":
				conds = append(conds, "id > '"+lastID+"'")
			case !full && lastID == "":
				conds = append(conds, "Modified_Time >= "+coqlTime(opts.Since))
				order = "Modified_Time asc, id asc"
			case !full:
				conds = append(conds, "(Modified_Time > "+coqlTime(lastT)+" or (Modified_Time = "+coqlTime(lastT)+" and id > '"+lastID+"'))")
				order = "Modified_Time asc, id asc"
			}
			query := fmt.Sprintf("select %s from %s where %s order by %s limit %d", sel, module, andAll(conds), order, coqlPageSize)
			op := fmt.Sprintf("coql %s page %d", module, page)
			ans, err := c.coqlPage(ctx, op, query, meta, each)
			if ans.stopped {
				return false
			}
			if err != nil {
				yield(zsync.Record{}, err)
				return false
			}
			// A page ending where the last one did: Zoho ignored the paging condition.
			if err := guard.next(ans.n, recordKey(ans.last), ans.info.MoreRecords); err != nil {
				yield(zsync.Record{}, err)
				return false
			}
			if ans.info.MoreRecords && (ans.last.ID == "" || !full && ans.last.Modified.IsZero()) {
				yield(zsync.Record{}, fmt.Errorf("zoho: %s: a record without id or Modified_Time; cannot page on", op))
				return false
			}
			if !ans.info.MoreRecords {
				return true
			}
			lastID, lastT = ans.last.ID, ans.last.Modified
		}
	}
}

// idAfter reports whether record id a sorts after b as Zoho orders ids:
// as numbers (every Zoho id is a number of up to 19 digits), else as text.
func idAfter(a, b string) bool {
	if isDigits(a) && isDigits(b) && len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// coqlCredits is what a query costs by its LIMIT (reference §5.1).
func coqlCredits(limit int) int {
	switch {
	case limit <= 200:
		return 1
	case limit <= 1000:
		return 2
	}
	return 3
}

// coqlAnswer is what one COQL query answered.
type coqlAnswer struct {
	info    pageInfo
	n       int          // records in the answer
	last    zsync.Record // the last of them
	stopped bool         // each asked to stop
}

// coqlPage runs one query and hands each record of the answer to each as
// it is read; 204 and data:[] are both no rows. An answer cut off is asked
// for again, and each then sees its first records again.
func (c *Client) coqlPage(ctx context.Context, op, query string, meta map[string]zsync.Field,
	each func(zsync.Record) bool) (coqlAnswer, error) {
	body, _ := json.Marshal(map[string]string{"select_query": query})
	var ans coqlAnswer
	err := c.retryBody(ctx, op, func() error {
		resp, err := c.do(ctx, &request{op: op, method: http.MethodPost, path: "/crm/v8/coql", body: body,
			credits: coqlCredits(coqlPageSize), records: true})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		ans = coqlAnswer{}
		if resp.StatusCode == http.StatusNoContent {
			return nil
		}
		ans.info, ans.stopped, err = eachRecord(resp.Body, op, meta, func(r zsync.Record) bool {
			ans.n++
			ans.last = r
			return each(r)
		})
		return err
	})
	return ans, err
}

// CountWhere returns how many records of module match where (COQL WHERE
// syntax; "" counts them all): select COUNT(id) … where …, one credit.
func (c *Client) CountWhere(ctx context.Context, module, where string) (int, error) {
	if where == "" {
		where = "id is not null"
	}
	op := "coql count " + module
	body, _ := json.Marshal(map[string]string{"select_query": "select COUNT(id) from " + module + " where " + where})
	var n int
	err := c.retryBody(ctx, op, func() error {
		resp, err := c.do(ctx, &request{op: op, method: http.MethodPost, path: "/crm/v8/coql", body: body, credits: 1})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n = 0
		if resp.StatusCode == http.StatusNoContent {
			return nil
		}
		var out struct {
			Data []map[string]json.RawMessage `json:"data"`
		}
		if err := decodeLimited(resp.Body, &out); err != nil {
			var ne *netError
			if errors.As(err, &ne) {
				return err
			}
			return fmt.Errorf("zoho: %s: decode answer: %w", op, err)
		}
		for _, row := range out.Data {
			for _, v := range row { // one aggregate: its key is COQL's to choose
				if n, err = parseCount(v); err != nil {
					return fmt.Errorf("zoho: %s: %w", op, err)
				}
			}
		}
		return nil
	})
	return n, err
}

// parseCount reads a count sent as a number or, as the OAS has
// actions/count, a string.
func parseCount(raw json.RawMessage) (int, error) {
	s := string(raw)
	if q, ok := jsonString(raw); ok {
		s = q
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("count %s is not a number", raw)
	}
	return n, nil
}

// usersTTL is how long the users list is reused: a run, not a daemon's life.
const usersTTL = 10 * time.Minute

// userNames returns every user (type=AllUsers: inactive owners too) by
// id, with full name and email, cached for usersTTL.
func (c *Client) userNames(ctx context.Context) (map[string]zsync.Lookup, error) {
	c.usersMu.Lock()
	defer c.usersMu.Unlock()
	if c.users != nil && c.now().Sub(c.usersAt) < usersTTL {
		return c.users, nil
	}
	out := map[string]zsync.Lookup{}
	guard := pageGuard{op: "list users", maxPages: maxListPages}
	for page := 1; ; page++ {
		var body struct {
			Users []struct {
				ID        string `json:"id"`
				FullName  string `json:"full_name"`
				FirstName string `json:"first_name"`
				LastName  string `json:"last_name"`
				Email     string `json:"email"`
			} `json:"users"`
			Info pageInfo `json:"info"`
		}
		q := map[string][]string{"type": {"AllUsers"}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
		found, err := c.getJSON(ctx, fmt.Sprintf("list users page %d", page), "/crm/v8/users", q, &body)
		if err != nil {
			return nil, err
		}
		if !found {
			break
		}
		last := ""
		if n := len(body.Users); n > 0 {
			last = body.Users[n-1].ID
		}
		if err := guard.vetPage(page, body.Info, len(body.Users), last); err != nil {
			return nil, err
		}
		for _, u := range body.Users {
			name := u.FullName
			if name == "" {
				name = strings.TrimSpace(u.FirstName + " " + u.LastName)
			}
			out[u.ID] = zsync.Lookup{ID: u.ID, Name: name, Email: u.Email}
		}
		if !body.Info.MoreRecords {
			break
		}
	}
	c.users, c.usersAt = out, c.now()
	return out, nil
}

// scopeMissing reports a COQL or users call refused for a missing scope:
// a refresh token minted before this version asked for them.
func scopeMissing(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == "OAUTH_SCOPE_MISMATCH" &&
		(strings.HasPrefix(ae.Op, "coql ") || strings.HasPrefix(ae.Op, "list users"))
}

// disableCOQL switches the client to Get Records for good, once.
func (c *Client) disableCOQL(err error) {
	why := "the refresh token lacks ZohoCRM.coql.READ or ZohoCRM.users.READ (run `zoho2sheets auth` again)"
	if !c.noCOQL.CompareAndSwap(nil, &why) {
		return
	}
	c.log.Warn().Err(err).Msg("COQL or the users list is not allowed for this refresh token: reading with Get Records (200 records a call); run `zoho2sheets auth` again to allow COQL")
}
