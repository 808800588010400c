package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonscan"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Get Records limits (reference §2).
const (
	perPage          = 200     // max records per page
	maxFieldsPerCall = 50      // max API names in fields
	discreteLimit    = 2000    // records reachable with page/per_page
	maxChainRecords  = 100_000 // records per page_token chain
)

// ifModifiedSince formats t as Zoho wants it: ISO 8601 with an offset.
func ifModifiedSince(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05-07:00")
}

// Records streams a module's records (it implements zsync.Source).
//
// Wherever COQL can serve the fields (see ReadPath) it reads through COQL,
// 2,000 records a call: a full read pages by key (id > last, id order), an
// incremental one by (Modified_Time, id) from opts.Since; opts.Where is
// ANDed with those conditions, and related paths ("Account_Name.Industry")
// come back under the same dotted key. Otherwise it reads with Get Records
// (GET /crm/v8/{module}, 200 per page, page tokens, Leads with converted
// ones, Bulk Read past one page-token chain; see WithBulkReadAbove), plus a
// COQL pass for related paths and the filter. User lookups carry the
// user's full name and email on every path (GET /users, cached).
//
// Values are decoded by the module's field metadata (fetched once and
// cached; Fields refreshes it). More than one pass (over 50 columns, or a
// fallback with related paths or a filter) holds the module in memory and
// merges by id; otherwise memory stays at one page. Errors are *APIError,
// *TokenError, *PagingError (Zoho's paging went wrong) or the context's.
// https://www.zoho.com/crm/developer/docs/api/v8/Get-Records-through-COQL-Query.html
// https://www.zoho.com/crm/developer/docs/api/v8/get-records.html
func (c *Client) Records(ctx context.Context, module string, opts zsync.ReadOptions) iter.Seq2[zsync.Record, error] {
	opts.Fields = slices.Clone(opts.Fields)
	return func(yield func(zsync.Record, error) bool) {
		for attempt := 0; ; attempt++ {
			var refused error
			c.read(ctx, module, opts, func(r zsync.Record, err error) bool {
				if err != nil && attempt == 0 && scopeMissing(err) {
					refused = err // nothing was yielded yet: read again without COQL
					return false
				}
				return yield(r, err)
			})
			if refused == nil {
				return
			}
			c.disableCOQL(refused)
		}
	}
}

func (c *Client) read(ctx context.Context, module string, opts zsync.ReadOptions, yield func(zsync.Record, error) bool) {
	plan, err := c.planRead(ctx, module, opts)
	if err != nil {
		if !scopeMissing(err) {
			err = fmt.Errorf("zoho: read %s: %w", module, err)
		}
		yield(zsync.Record{}, err)
		return
	}
	if len(plan.passes) == 1 {
		plan.passes[0](yield)
		return
	}
	mergePasses(plan.passes, yield)
}

// splitFields returns the fields to ask for in each pass: every pass has id
// and Modified_Time and at most maxFieldsPerCall names.
func splitFields(fields []string) [][]string {
	var rest []string
	seen := map[string]bool{"id": true, "Modified_Time": true}
	for _, f := range fields {
		if f != "" && !seen[f] {
			seen[f] = true
			rest = append(rest, f)
		}
	}
	var passes [][]string
	for {
		n := min(len(rest), maxFieldsPerCall-2)
		passes = append(passes, append([]string{"id", "Modified_Time"}, rest[:n]...))
		rest = rest[n:]
		if len(rest) == 0 {
			return passes
		}
	}
}

// pass reads one group of fields and yields each record; it reports
// false when the consumer stopped or an error was yielded.
type pass func(yield func(zsync.Record, error) bool) bool

// mergePasses reads every pass and merges them by id into the records of
// the first. A record missing from a later pass (deleted meanwhile) keeps
// the fields it has; one only in a later pass (created or, with a filter,
// changed meanwhile) is left to the next run, whose cursor is older than
// its Modified_Time.
func mergePasses(passes []pass, yield func(zsync.Record, error) bool) {
	var recs []zsync.Record
	index := map[string]int{}
	var failed error
	passes[0](func(r zsync.Record, err error) bool {
		if err != nil {
			failed = err
			return false
		}
		index[r.ID] = len(recs)
		recs = append(recs, r)
		return true
	})
	for _, p := range passes[1:] {
		if failed != nil {
			break
		}
		p(func(r zsync.Record, err error) bool {
			if err != nil {
				failed = err
				return false
			}
			if i, ok := index[r.ID]; ok {
				for k, v := range r.Fields {
					if k != "Modified_Time" {
						recs[i].Fields[k] = v
					}
				}
			}
			return true
		})
	}
	if failed != nil {
		yield(zsync.Record{}, failed)
		return
	}
	for _, r := range recs {
		if !yield(r, nil) {
			return
		}
	}
}

// pageInfo is the "info" object of a list answer.
type pageInfo struct {
	MoreRecords   bool   `json:"more_records"`
	NextPageToken string `json:"next_page_token"`
	Count         int    `json:"count"`
	Page          int    `json:"page"`
}

// readPass reads one field group, page by page, and yields each record.
// It returns false when the consumer stopped or an error was yielded.
func (c *Client) readPass(ctx context.Context, module string, fields []string, since time.Time,
	meta map[string]zsync.Field, yield func(zsync.Record, error) bool) bool {
	path := "/crm/v8/" + url.PathEscape(module)
	base := url.Values{
		"fields":     {joinComma(fields)},
		"per_page":   {strconv.Itoa(perPage)},
		"sort_by":    {"Modified_Time"},
		"sort_order": {"asc"},
	}
	if module == "Leads" {
		base.Set("converted", "both") // Zoho hides converted leads by default
	}
	full := since.IsZero()
	var (
		total     int       // records yielded
		last      time.Time // newest Modified_Time yielded
		boundary  = map[string]struct{}{}
		resumed   bool // reading a continuation chain
		chainFrom time.Time
	)
	buf := make([]zsync.Record, 0, perPage)
	for {
		// One page-token chain.
		var (
			page, inChain int
			token         string
			guard         = pageGuard{op: "list " + module}
		)
		hdr := http.Header{}
		if !since.IsZero() {
			hdr.Set("If-Modified-Since", ifModifiedSince(since))
		}
		for {
			q := maps(base)
			if token != "" {
				q.Set("page_token", token)
			} else {
				page++
				q.Set("page", strconv.Itoa(page))
			}
			op := fmt.Sprintf("list %s page %d", module, page)
			if token != "" {
				op = fmt.Sprintf("list %s after record %d", module, total)
			}
			var info pageInfo
			var err error
			buf, info, err = c.recordsPage(ctx, op, path, q, hdr, meta, buf[:0])
			if err != nil {
				var ae *APIError
				if errors.As(err, &ae) && inChain > 0 && (ae.Code == "PAGINATION_LIMIT_EXCEEDED" || ae.Code == "EXPIRED_VALUE") {
					break // the chain is spent, or its token outlived its 24 h: continue below
				}
				yield(zsync.Record{}, err)
				return false
			}
			if err := vetRecordsPage(&guard, token, page, buf, info); err != nil {
				yield(zsync.Record{}, err)
				return false
			}
			for _, r := range buf {
				if resumed && (r.Modified.Before(last) || r.Modified.Equal(last) && has(boundary, r.ID)) {
					continue // already yielded by the previous chain
				}
				if r.Modified.After(last) {
					last = r.Modified
					clear(boundary)
				}
				if r.Modified.Equal(last) {
					boundary[r.ID] = struct{}{}
				}
				total++
				if !yield(r, nil) {
					return false
				}
			}
			inChain += len(buf)
			if !info.MoreRecords {
				return true
			}
			switch {
			case info.NextPageToken != "":
				token = info.NextPageToken
			case token != "":
				yield(zsync.Record{}, fmt.Errorf("zoho: list %s: more_records without a next_page_token after %d records", module, total))
				return false
			case page*perPage >= discreteLimit:
				yield(zsync.Record{}, fmt.Errorf("zoho: list %s: Zoho sent no page token and pages stop at %d records", module, discreteLimit))
				return false
			}
			// Zoho serves at most chainLimit records, in pages of at most
			// perPage, per chain: past either, a new chain takes over.
			if inChain >= c.chainLimit || guard.pages >= (c.chainLimit+perPage-1)/perPage {
				break
			}
		}
		// Past one chain: Zoho caps a page-token chain at 100,000 records.
		if full && c.bulkMin > 0 && total >= c.bulkMin && !c.noBulk.Load() && c.bulkCanName(module, fields, meta) {
			c.log.Info().Str("module", module).Int("read", total).Msg("page-token chain exhausted; reading the rest with Bulk Read")
			ok, refused := c.bulkTailOrRefused(ctx, module, fields, last, boundary, meta, yield)
			if refused == nil {
				return ok
			}
			c.bulkDeclined(module, refused) // nothing of the tail was yielded: read on with chains
		}
		if resumed && !last.After(chainFrom) {
			yield(zsync.Record{}, fmt.Errorf("zoho: list %s: more than %d records share Modified_Time %s; cannot page past them",
				module, c.chainLimit, last.Format(time.RFC3339)))
			return false
		}
		// A new chain from just before the newest record read; the overlap
		// is skipped by time and id.
		resumed, chainFrom = true, last
		since = last.Add(-time.Second)
		c.log.Info().Str("module", module).Int("read", total).Time("from", since).Msg("page-token chain exhausted; starting a new one")
	}
}

// vetRecordsPage checks a Get Records answer before its records are used
// (see pageGuard): asked for page (token ""), or with page_token token.
func vetRecordsPage(g *pageGuard, token string, page int, buf []zsync.Record, info pageInfo) error {
	last := ""
	if len(buf) > 0 {
		last = recordKey(buf[len(buf)-1])
	}
	var err error
	if token == "" {
		err = g.vetPage(page, info, len(buf), last)
	} else {
		err = g.next(len(buf), last, info.MoreRecords) // info.page is not documented with a token
	}
	if err == nil && info.MoreRecords && info.NextPageToken != "" {
		err = g.token(info.NextPageToken)
	}
	return err
}

// recordKey identifies a version of a record: its id and Modified_Time.
func recordKey(r zsync.Record) string {
	return r.ID + " modified " + r.Modified.Format(time.RFC3339)
}

func has(m map[string]struct{}, k string) bool { _, ok := m[k]; return ok }

func maps(v url.Values) url.Values {
	out := make(url.Values, len(v)+2)
	for k, vs := range v {
		out[k] = vs
	}
	return out
}

func joinComma(ss []string) string {
	n := 0
	for _, s := range ss {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s...)
	}
	return string(b)
}

// recordsPage fetches and decodes one page into buf. 204 and 304 are an
// empty last page. A connection dropped while the body is read refetches
// the page (bounded like other retries).
func (c *Client) recordsPage(ctx context.Context, op, path string, q url.Values, hdr http.Header,
	meta map[string]zsync.Field, buf []zsync.Record) ([]zsync.Record, pageInfo, error) {
	var (
		out  []zsync.Record
		info pageInfo
	)
	err := c.retryBody(ctx, op, func() error {
		var err error
		out, info, err = c.recordsPageOnce(ctx, op, path, q, hdr, meta, buf[:0])
		return err
	})
	return out, info, err
}

func (c *Client) recordsPageOnce(ctx context.Context, op, path string, q url.Values, hdr http.Header,
	meta map[string]zsync.Field, buf []zsync.Record) ([]zsync.Record, pageInfo, error) {
	resp, err := c.do(ctx, &request{op: op, method: http.MethodGet, path: path, query: q, header: hdr, records: true})
	if err != nil {
		return buf, pageInfo{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified {
		return buf, pageInfo{}, nil
	}
	return decodeRecords(resp.Body, op, meta, buf)
}

// decodeRecords streams a {"data":[…],"info":{…}} answer into buf, one
// record at a time.
func decodeRecords(body io.Reader, op string, meta map[string]zsync.Field, buf []zsync.Record) ([]zsync.Record, pageInfo, error) {
	info, _, err := eachRecord(body, op, meta, func(r zsync.Record) bool {
		buf = append(buf, r)
		return true
	})
	return buf, info, err
}

// eachRecord streams a {"data":[…],"info":{…}} answer to each, one record
// at a time, as it is read: a page of 2,000 records is never held whole.
// It stops early, with stopped set, when each returns false.
func eachRecord(body io.Reader, op string, meta map[string]zsync.Field, each func(zsync.Record) bool) (info pageInfo, stopped bool, err error) {
	// The page is scanned, not decoded into a map per record: each value's
	// JSON goes straight to decodeValue (about half the allocations).
	sc := jsonscan.New(body)
	bad := func(err error) (pageInfo, bool, error) {
		var ne *netError
		if errors.As(err, &ne) {
			return info, false, err
		}
		return info, false, fmt.Errorf("zoho: %s: decode answer: %w", op, err)
	}
	var key, raw []byte
	if !sc.Expect('{') {
		return bad(sc.Err())
	}
	for sc.More('}') {
		key, _ = sc.Key(key[:0])
		switch string(key) {
		case "data":
			if !sc.Expect('[') {
				break
			}
			// Records of a page carry the same fields (those asked for):
			// each map is sized like the one before, not for the module.
			fields := 8
			for sc.More(']') {
				var rec zsync.Record
				if rec, key, raw = scanRecord(sc, meta, fields, key, raw); sc.Err() == nil {
					fields = len(rec.Fields)
					if !each(rec) {
						return info, true, nil
					}
				}
			}
		case "info":
			var ok bool
			if raw, ok = sc.Raw(raw[:0]); ok {
				if err := json.Unmarshal(raw, &info); err != nil {
					return bad(err)
				}
			}
		default:
			sc.Skip()
		}
	}
	if err := sc.Err(); err != nil {
		return bad(err)
	}
	return info, false, nil
}

var datetimeField = zsync.Field{DataType: "datetime"}

// scanRecord reads one record object of about fields fields from sc; key
// and raw are scratch buffers, returned for reuse.
func scanRecord(sc *jsonscan.Scanner, meta map[string]zsync.Field, fields int, key, raw []byte) (zsync.Record, []byte, []byte) {
	rec := zsync.Record{Fields: make(map[string]zsync.Value, fields)}
	if !sc.Expect('{') {
		return rec, key, raw
	}
	for sc.More('}') {
		var ok bool
		if key, ok = sc.Key(key[:0]); !ok {
			break
		}
		if raw, ok = sc.Raw(raw[:0]); !ok {
			break
		}
		setField(&rec, key, raw, meta)
	}
	return rec, key, raw
}

// setField decodes one JSON field of a record into rec. $-prefixed keys
// are Zoho's read-only meta and are dropped.
func setField(rec *zsync.Record, k, raw []byte, meta map[string]zsync.Field) {
	if len(k) > 0 && k[0] == '$' {
		return
	}
	if string(k) == "id" {
		id := rawID(raw)
		rec.ID = id
		rec.Fields["id"] = id
		return
	}
	var (
		fp   *zsync.Field
		name string
	)
	if f, ok := meta[string(k)]; ok {
		fp, name = &f, f.APIName // the metadata's string: no copy of the key per record
		if name != string(k) {
			name = string(k) // a related path (Account_Name.Industry) keyed by its path
		}
	} else {
		name = string(k)
		if name == "Modified_Time" || name == "Created_Time" {
			fp = &datetimeField
		}
	}
	v := decodeValue(raw, fp)
	if name == "Modified_Time" {
		if t, ok := v.(time.Time); ok {
			rec.Modified = t
		}
	}
	rec.Fields[name] = v
}

// Deleted streams the records of a module deleted since a time (all since
// the start of the recycle bin's window when since is zero): GET
// /crm/v8/{module}/deleted?type=all with If-Modified-Since. Zoho lists
// recycle-bin deletions for 60 days and permanent ones for 120.
// https://www.zoho.com/crm/developer/docs/api/v8/get-deleted-records.html
func (c *Client) Deleted(ctx context.Context, module string, since time.Time) iter.Seq2[zsync.Deletion, error] {
	return func(yield func(zsync.Deletion, error) bool) {
		path := "/crm/v8/" + url.PathEscape(module) + "/deleted"
		hdr := http.Header{}
		if !since.IsZero() {
			hdr.Set("If-Modified-Since", ifModifiedSince(since))
		}
		guard := pageGuard{op: "list deleted " + module, maxPages: maxListPages}
		for page := 1; ; page++ {
			var body struct {
				Data []struct {
					ID          json.RawMessage `json:"id"`
					DeletedTime string          `json:"deleted_time"`
				} `json:"data"`
				Info pageInfo `json:"info"`
			}
			q := url.Values{"type": {"all"}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
			op := fmt.Sprintf("list deleted %s page %d", module, page)
			// A body cut mid-way is asked again (retryBody), not a failed run.
			var empty bool
			err := c.retryBody(ctx, op, func() error {
				body.Data, body.Info = nil, pageInfo{}
				resp, err := c.do(ctx, &request{op: op, method: http.MethodGet, path: path, query: q, header: hdr})
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				empty = resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified
				if empty {
					return nil
				}
				if err := decodeLimited(resp.Body, &body); err != nil {
					var ne *netError
					if errors.As(err, &ne) {
						return err
					}
					return fmt.Errorf("zoho: %s: decode answer: %w", op, err)
				}
				return nil
			})
			if err != nil {
				yield(zsync.Deletion{}, err)
				return
			}
			if empty {
				return
			}
			last := ""
			if n := len(body.Data); n > 0 {
				last = rawID(body.Data[n-1].ID) + " deleted " + body.Data[n-1].DeletedTime
			}
			if err := guard.vetPage(page, body.Info, len(body.Data), last); err != nil {
				yield(zsync.Deletion{}, err)
				return
			}
			for _, d := range body.Data {
				id := rawID(d.ID)
				t, _ := time.Parse(time.RFC3339, d.DeletedTime)
				if !since.IsZero() && !t.IsZero() && t.Before(since) {
					continue
				}
				if !yield(zsync.Deletion{ID: id, Deleted: t}, nil) {
					return
				}
			}
			if !body.Info.MoreRecords {
				return
			}
		}
	}
}

// rawID reads an id Zoho sent as a JSON string or number.
func rawID(raw []byte) string {
	if id, ok := jsonString(raw); ok {
		return id
	}
	return string(raw)
}
