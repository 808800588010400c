package zoho

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Bulk Read polling: first wait, cap, and the longest a job may take.
const (
	bulkPollFirst = 2 * time.Second
	bulkPollMax   = 30 * time.Second
	bulkMaxWait   = 2 * time.Hour
	// bulkDownloadTimeout bounds one download attempt of a result file.
	bulkDownloadTimeout = 30 * time.Minute
	// bulkDownloadWindow is the span of Zoho's 10-downloads limit.
	bulkDownloadWindow = time.Minute
)

// BulkQuery selects what a Bulk Read job exports.
type BulkQuery struct {
	Module string
	Fields []string // API names; empty = all fields. id is always exported.
	// Since, when set, exports only records with Modified_Time >= Since.
	Since time.Time
}

// BulkRecords exports records with Bulk Read (scope ZohoCRM.bulk.read):
// it creates a job, polls it with backoff, downloads the zipped CSV to a
// temporary file and streams its rows, typed by the field metadata; one job
// holds up to 200,000 records and the next page is another job. Records are
// in the order of the export, not sorted. Lookups carry only their id
// (Records names them; see bulkTail).
// https://www.zoho.com/crm/developer/docs/api/v8/bulk-read/overview.html
func (c *Client) BulkRecords(ctx context.Context, q BulkQuery) iter.Seq2[zsync.Record, error] {
	q.Fields = append([]string(nil), q.Fields...)
	return func(yield func(zsync.Record, error) bool) {
		meta, err := c.fieldMeta(ctx, q.Module)
		if err != nil {
			yield(zsync.Record{}, fmt.Errorf("zoho: bulk read %s: %w", q.Module, err))
			return
		}
		c.bulkRead(ctx, q, meta, yield)
	}
}

// bulkTail reads, with Bulk Read, the records modified at or after from,
// skipping the ids in seen (already yielded at exactly from). Bulk Read
// exports lookups as ids: a COQL pass over the same window first reads
// the names of the records and users they point at (users with their full
// names), by id, and each exported row gets them as it streams, so every
// row has the same values as the rows the page-token chain served and
// memory holds the names, not the tail.
func (c *Client) bulkTail(ctx context.Context, module string, fields []string, from time.Time,
	seen map[string]struct{}, meta map[string]zsync.Field, yield func(zsync.Record, error) bool) bool {
	q := BulkQuery{Module: module, Fields: fields, Since: from}
	untimed := 0
	defer func() {
		if untimed > 0 {
			c.log.Warn().Str("module", module).Int("records", untimed).
				Msg("Bulk Read exported records with no Modified_Time that reads as a datetime with an offset: passed on as they are")
		}
	}()
	skip := func(r zsync.Record) bool {
		if r.Modified.IsZero() {
			// Not one to drop as read already: the export holds only
			// records modified since from; a repeat costs nothing.
			untimed++
			return false
		}
		return r.Modified.Before(from) || r.Modified.Equal(from) && has(seen, r.ID)
	}
	var names lookupNames
	if lookups := lookupColumns(fields, meta); len(lookups) > 0 {
		var err error
		if c.noCOQL.Load() == nil {
			names, err = c.readLookupNames(ctx, module, lookups, from, meta)
		}
		switch {
		case err != nil && !scopeMissing(err):
			yield(zsync.Record{}, err)
			return false
		case err != nil:
			c.disableCOQL(err)
		}
		if names == nil {
			c.log.Warn().Str("module", module).Msg("Bulk Read exports lookups as ids and COQL is not allowed: their names stay empty")
		}
	}
	return c.bulkRead(ctx, q, meta, func(r zsync.Record, err error) bool {
		if err == nil {
			if skip(r) {
				return true
			}
			names.fill(r)
		}
		return yield(r, err)
	})
}

// lookupNames holds, for each lookup field, the named lookup of each
// record or user it points at, by that one's id.
type lookupNames map[string]map[string]zsync.Lookup

// fill replaces r's id-only lookups with the named ones.
func (n lookupNames) fill(r zsync.Record) {
	for f, byID := range n {
		if l, ok := r.Fields[f].(zsync.Lookup); ok {
			if named, ok := byID[l.ID]; ok {
				r.Fields[f] = named
			}
		}
	}
}

// readLookupNames reads, through COQL, the lookups of the records of
// module modified since from, with their names.
func (c *Client) readLookupNames(ctx context.Context, module string, lookups []string, from time.Time,
	meta map[string]zsync.Field) (lookupNames, error) {
	var users map[string]zsync.Lookup
	if userColumns(lookups, meta) != nil {
		var err error
		if users, err = c.userNames(ctx); err != nil {
			return nil, err
		}
	}
	names := make(lookupNames, len(lookups))
	for _, f := range lookups {
		names[f] = map[string]zsync.Lookup{}
	}
	var failed error
	for _, group := range splitColumns(lookups) {
		p := c.coqlPass(ctx, module, group, zsync.ReadOptions{Since: from}, meta, users)
		p(func(r zsync.Record, err error) bool {
			if err != nil {
				failed = err
				return false
			}
			for _, f := range group {
				if l, ok := r.Fields[f].(zsync.Lookup); ok && l.ID != "" {
					names[f][l.ID] = l
				}
			}
			return true
		})
		if failed != nil {
			return nil, failed
		}
	}
	return names, nil
}

// bulkTailOrRefused is bulkTail, except that when Zoho refuses the first
// job (a missing scope, or a 400: which fields Bulk Read exports is not
// documented) it yields nothing and returns the refusal.
func (c *Client) bulkTailOrRefused(ctx context.Context, module string, fields []string, from time.Time,
	seen map[string]struct{}, meta map[string]zsync.Field, yield func(zsync.Record, error) bool) (ok bool, refused error) {
	started := false
	ok = c.bulkTail(ctx, module, fields, from, seen, meta, func(r zsync.Record, err error) bool {
		if err != nil && !started && bulkRefused(err) {
			refused = err
			return false
		}
		started = true
		return yield(r, err)
	})
	return ok, refused
}

// bulkRefused reports whether err is Zoho refusing to create a Bulk Read
// job: for a missing scope, or as a bad request.
func bulkRefused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && strings.HasPrefix(ae.Op, "create bulk read job") &&
		(bulkScopeMissing(err) || ae.Status == http.StatusBadRequest)
}

// bulkScopeMissing reports whether err is Zoho refusing a Bulk Read job
// to a refresh token without ZohoCRM.bulk.read.
func bulkScopeMissing(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == "OAUTH_SCOPE_MISMATCH" && strings.HasPrefix(ae.Op, "create bulk read job")
}

// bulkDeclined says why a read goes on without Bulk Read; a missing
// scope stops the client using it at all, once.
func (c *Client) bulkDeclined(module string, err error) {
	if !bulkScopeMissing(err) {
		c.log.Warn().Str("module", module).Err(err).Msg("Zoho refused the Bulk Read job: reading past 100,000 records with Get Records (200 records a call)")
		return
	}
	if c.noBulk.Swap(true) {
		return
	}
	c.log.Warn().Err(err).Msg("Bulk Read is not allowed for this refresh token (it lacks ZohoCRM.bulk.read): reading past 100,000 records with Get Records (200 records a call); run `zoho2sheets auth` again to allow Bulk Read")
}

// bulkCanName reports whether a Bulk Read tail of these fields can carry
// what the page-token chains do: its lookups, users and layout come as
// bare ids, named only through COQL. Without COQL the read goes on with
// new chains (200 records a call) rather than leave those names empty on
// every record past the first chain.
func (c *Client) bulkCanName(module string, fields []string, meta map[string]zsync.Field) bool {
	if c.noCOQL.Load() == nil || len(lookupColumns(fields, meta)) == 0 {
		return true
	}
	c.log.Info().Str("module", module).Msg("not switching to Bulk Read: it exports lookups as ids, and without COQL they could not be named; reading on with Get Records")
	return false
}

// lookupColumns returns the fields among fields that Bulk Read exports as
// a bare id where the JSON paths name it: lookups, users and the layout.
func lookupColumns(fields []string, meta map[string]zsync.Field) []string {
	var out []string
	for _, f := range fields {
		switch meta[f].DataType {
		case "lookup", "ownerlookup", "userlookup", "layout":
			out = append(out, f)
		}
	}
	return out
}

type bulkJob struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Result *struct {
		Page          int    `json:"page"`
		Count         int    `json:"count"`
		DownloadURL   string `json:"download_url"`
		MoreRecords   bool   `json:"more_records"`
		NextPageToken string `json:"next_page_token"`
		// ErrorMessage says why a job ended in FAILURE.
		ErrorMessage *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error_message"`
	} `json:"result"`
}

func (c *Client) bulkRead(ctx context.Context, q BulkQuery, meta map[string]zsync.Field, yield func(zsync.Record, error) bool) bool {
	page, token := 1, ""
	guard := pageGuard{op: "bulk read " + q.Module}
	for {
		job, err := c.bulkCreate(ctx, q, page, token)
		if err != nil {
			yield(zsync.Record{}, err)
			return false
		}
		job, err = c.bulkWait(ctx, q.Module, job.ID)
		if err != nil {
			yield(zsync.Record{}, err)
			return false
		}
		if !c.bulkDownload(ctx, q.Module, job.ID, meta, yield) {
			return false
		}
		if job.Result == nil || !job.Result.MoreRecords {
			return true
		}
		// Each job is a long export: one repeated for ever would never end.
		err = guard.next(job.Result.Count, "", true)
		if token == "" && err == nil {
			err = guard.page(page, job.Result.Page) // result.page is undocumented with a token
		}
		if err != nil {
			yield(zsync.Record{}, err)
			return false
		}
		if token = job.Result.NextPageToken; token != "" {
			if err := guard.token(token); err != nil {
				yield(zsync.Record{}, err)
				return false
			}
		}
		page++
	}
}

func (c *Client) bulkCreate(ctx context.Context, q BulkQuery, page int, token string) (*bulkJob, error) {
	query := map[string]any{"module": map[string]string{"api_name": q.Module}}
	var fields []string
	for _, f := range q.Fields {
		if f != "id" { // always exported
			fields = append(fields, f)
		}
	}
	if len(fields) > 0 {
		query["fields"] = fields
	}
	if token != "" {
		query["page_token"] = token
	} else {
		query["page"] = page
	}
	if !q.Since.IsZero() {
		query["criteria"] = map[string]any{
			"field": map[string]string{"api_name": "Modified_Time"}, "comparator": "greater_equal",
			"value": ifModifiedSince(q.Since),
		}
	}
	body, _ := json.Marshal(map[string]any{"query": query})
	op := fmt.Sprintf("create bulk read job for %s page %d", q.Module, page)
	resp, err := c.do(ctx, &request{op: op, method: http.MethodPost, path: "/crm/bulk/v8/read", body: body})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			Status  string  `json:"status"`
			Code    string  `json:"code"`
			Message string  `json:"message"`
			Details bulkJob `json:"details"`
		} `json:"data"`
	}
	if err := decodeLimited(resp.Body, &out); err != nil {
		return nil, fmt.Errorf("zoho: %s: decode answer: %w", op, err)
	}
	if len(out.Data) == 0 || out.Data[0].Details.ID == "" {
		return nil, fmt.Errorf("zoho: %s: no job id in the answer", op)
	}
	return &out.Data[0].Details, nil
}

// bulkWait polls a job until it completes, with capped exponential waits.
func (c *Client) bulkWait(ctx context.Context, module, id string) (*bulkJob, error) {
	op := "poll bulk read job " + id + " of " + module
	wait, waited := bulkPollFirst, time.Duration(0)
	for {
		var out struct {
			Data []bulkJob `json:"data"`
		}
		if _, err := c.getJSON(ctx, op, "/crm/bulk/v8/read/"+id, nil, &out); err != nil {
			return nil, err
		}
		if len(out.Data) == 0 {
			return nil, fmt.Errorf("zoho: %s: no job in the answer", op)
		}
		j := &out.Data[0]
		if j.ID == "" {
			j.ID = id
		}
		switch strings.ToUpper(j.State) {
		case "COMPLETED":
			return j, nil
		case "FAILURE", "FAILED":
			why := ""
			if j.Result != nil && j.Result.ErrorMessage != nil {
				why = fmt.Sprintf(" (%s: %s)", j.Result.ErrorMessage.Code, j.Result.ErrorMessage.Message)
			}
			return nil, fmt.Errorf("zoho: %s: the job failed on Zoho's side%s; run again (a full read retries it)", op, why)
		}
		if waited >= bulkMaxWait {
			return nil, fmt.Errorf("zoho: %s: still %s after %s", op, j.State, waited)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("zoho: %s: %w", op, err)
		}
		waited += wait
		wait = min(bulkPollMax, wait*2)
	}
}

// bulkDownload fetches a job's zip into a temporary file (zip needs random
// access) and streams the CSV inside it.
func (c *Client) bulkDownload(ctx context.Context, module, id string, meta map[string]zsync.Field, yield func(zsync.Record, error) bool) bool {
	op := "download bulk read result " + id + " of " + module
	f, err := os.CreateTemp("", "zoho-bulk-*.zip")
	if err != nil {
		yield(zsync.Record{}, fmt.Errorf("zoho: %s: %w", op, err))
		return false
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := c.downloadTo(ctx, op, "/crm/bulk/v8/read/"+id+"/result", f)
	if err != nil {
		yield(zsync.Record{}, err)
		return false
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		yield(zsync.Record{}, fmt.Errorf("zoho: %s: not a zip file: %w", op, err))
		return false
	}
	for _, zf := range zr.File {
		if !strings.HasSuffix(strings.ToLower(zf.Name), ".csv") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			yield(zsync.Record{}, fmt.Errorf("zoho: %s: %w", op, err))
			return false
		}
		ok := streamCSV(rc, meta, func(r zsync.Record, err error) bool {
			if err != nil {
				err = fmt.Errorf("zoho: %s: %s: %w", op, zf.Name, err)
			}
			return yield(r, err)
		})
		rc.Close()
		if !ok {
			return false
		}
	}
	return true
}

// downloadTo writes a result file to w, refetching it when the connection
// drops mid-way. Zoho allows 10 downloads per minute: a 429 waits at least
// that minute out (the usual retries would give up within it).
func (c *Client) downloadTo(ctx context.Context, op, path string, f *os.File) (int64, error) {
	var n int64
	err := c.retryBody(ctx, op, func() error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("zoho: %s: %w", op, err)
		}
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("zoho: %s: %w", op, err)
		}
		resp, err := c.do(ctx, &request{op: op, method: http.MethodGet, path: path, timeout: bulkDownloadTimeout,
			wait429: bulkDownloadWindow})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n, err = io.Copy(f, resp.Body)
		return err
	})
	if err != nil {
		return 0, err // it names op
	}
	return n, nil
}

// crMark stands for a carriage return inside a quoted CSV field while
// encoding/csv reads it: a byte that never occurs in UTF-8 text.
const crMark = '\xff'

// crKeeper hides the carriage returns inside quoted CSV fields from
// encoding/csv, which drops a "\r" before "\n" even there: CRM text keeps
// its "\r\n" on the JSON paths, so it must from the export too, or the
// same record's cell changes with the path that read it. A '"' toggles
// the quoted state (an escaped "" toggles twice).
type crKeeper struct {
	r      io.Reader
	quoted bool
}

func (k *crKeeper) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	for i, b := range p[:n] {
		switch {
		case b == '"':
			k.quoted = !k.quoted
		case b == '\r' && k.quoted:
			p[i] = crMark
		}
	}
	return n, err
}

// keepCR puts back the carriage returns crKeeper hid in a field.
func keepCR(s string) string {
	if strings.IndexByte(s, crMark) < 0 {
		return s
	}
	return strings.ReplaceAll(s, string([]byte{crMark}), "\r")
}

// streamCSV yields one record per CSV row, typed by the field metadata.
func streamCSV(r io.Reader, meta map[string]zsync.Field, yield func(zsync.Record, error) bool) bool {
	cr := csv.NewReader(&crKeeper{r: r})
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return true
	}
	if err != nil {
		yield(zsync.Record{}, err)
		return false
	}
	cols := make([]string, len(head))
	fields := make([]*zsync.Field, len(head))
	for i, h := range head {
		cols[i] = strings.TrimPrefix(h, "\ufeff")
		if f, ok := meta[cols[i]]; ok {
			fields[i] = &f
		} else if cols[i] == "Modified_Time" || cols[i] == "Created_Time" {
			fields[i] = &datetimeField
		}
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			yield(zsync.Record{}, err)
			return false
		}
		rec := zsync.Record{Fields: make(map[string]zsync.Value, len(cols))}
		for i, s := range row {
			if i >= len(cols) {
				break
			}
			s = keepCR(s)
			k := cols[i]
			if k == "id" || k == "Id" || k == "ID" {
				rec.ID = s
				rec.Fields["id"] = s
				continue
			}
			v := csvValue(s, fields[i])
			if k == "Modified_Time" {
				if t, ok := v.(time.Time); ok {
					rec.Modified = t
				}
			}
			rec.Fields[k] = v
		}
		if !yield(rec, nil) {
			return false
		}
	}
}

// csvValue types one CSV cell of a Bulk Read export. Lookups are exported
// as their id; multi-select values are joined with ";" [UNCONFIRMED].
func csvValue(s string, f *zsync.Field) zsync.Value {
	if s == "" {
		return nil
	}
	if f == nil {
		return s
	}
	if f.APIName == "Tag" {
		// The separator is not documented: the emulator (like Zoho's tag
		// input) uses ",", older exports ";". Tag names hold neither.
		var out []zsync.Value
		for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, zsync.Lookup{Name: n})
			}
		}
		return out
	}
	dataType := f.DataType
	if dataType == "formula" || dataType == "rollup_summary" {
		// Their result's type is only in json_type (as for the cell's
		// kind), and the JSON paths read a number or a boolean there.
		dataType = f.JSONType
	}
	switch dataType {
	case "lookup", "ownerlookup", "userlookup", "layout":
		return zsync.Lookup{ID: s}
	case "date":
		if d, err := zsync.ParseDate(s); err == nil {
			return d
		}
	case "datetime":
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
	case "multiselectpicklist":
		parts := strings.Split(s, ";")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	case "integer":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "double", "currency", "percent", "decimal":
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return n
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return s
}
