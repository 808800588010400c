package zoho

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// chainCRM serves n records (three per Modified_Time second) sorted by
// Modified_Time and id, with Zoho's page, page_token and chain limits
// scaled down to limit records per chain, and Bulk Read.
type chainCRM struct {
	t     *testing.T
	limit int
	ids   []string
	mod   []time.Time
	mu    sync.Mutex
	jobs  map[string]time.Time // job id → criteria (Modified_Time >=)
	polls int
	// endless makes every job say more records follow, with the same token.
	endless bool
	// naive writes the export's datetimes without an offset.
	naive bool
}

func newChainCRM(t *testing.T, w *wire, n, limit int) *chainCRM {
	f := &chainCRM{t: t, limit: limit, jobs: map[string]time.Time{}}
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		f.ids = append(f.ids, strconv.Itoa(5725767000000000000+i))
		f.mod = append(f.mod, t0.Add(time.Duration(i/3)*time.Second))
	}
	w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, 200, map[string]any{"fields": []map[string]any{
			{"api_name": "Modified_Time", "data_type": "datetime"}, {"api_name": "N", "data_type": "integer"},
			{"api_name": "Owner", "data_type": "ownerlookup"}}})
	})
	w.mux.HandleFunc("GET /crm/v8/Things", f.list)
	w.mux.HandleFunc("POST /crm/bulk/v8/read", f.create)
	w.mux.HandleFunc("GET /crm/bulk/v8/read/{id}", f.poll)
	w.mux.HandleFunc("GET /crm/bulk/v8/read/{id}/result", f.result)
	return f
}

func (f *chainCRM) list(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start := 0
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		since, err := time.Parse(time.RFC3339, ims)
		if err != nil {
			f.t.Errorf("If-Modified-Since %q: %v", ims, err)
		}
		for start < len(f.mod) && !f.mod[start].After(since) {
			start++
		}
	}
	off := 0
	if tok := q.Get("page_token"); tok != "" {
		off, _ = strconv.Atoi(tok)
	} else {
		p, _ := strconv.Atoi(q.Get("page"))
		off = (p - 1) * 200
	}
	if off >= f.limit {
		writeJSON(rw, 400, map[string]any{"code": "PAGINATION_LIMIT_EXCEEDED", "status": "error", "message": "limit"})
		return
	}
	end := min(start+off+200, len(f.ids))
	var data []map[string]any
	for i := start + off; i < end; i++ {
		data = append(data, map[string]any{"id": f.ids[i], "Modified_Time": f.mod[i].Format(time.RFC3339), "N": i})
	}
	if len(data) == 0 {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	info := map[string]any{"more_records": end < len(f.ids), "count": len(data)}
	if end < len(f.ids) {
		info["next_page_token"] = strconv.Itoa(off + 200)
	}
	writeJSON(rw, 200, map[string]any{"data": data, "info": info})
}

func (f *chainCRM) create(rw http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/json" {
		writeJSON(rw, 415, map[string]any{"code": "MEDIA_TYPE_NOT_SUPPORTED", "status": "error"})
		return
	}
	var body struct {
		Query struct {
			Module struct {
				APIName string `json:"api_name"`
			} `json:"module"`
			Fields   []string `json:"fields"`
			Criteria struct {
				Field struct {
					APIName string `json:"api_name"`
				} `json:"field"`
				Comparator string `json:"comparator"`
				Value      string `json:"value"`
			} `json:"criteria"`
		} `json:"query"`
	}
	json.NewDecoder(r.Body).Decode(&body)
	q := body.Query
	if q.Module.APIName != "Things" || q.Criteria.Field.APIName != "Modified_Time" || q.Criteria.Comparator != "greater_equal" {
		f.t.Errorf("bulk query %+v", q)
	}
	from, err := time.Parse(time.RFC3339, q.Criteria.Value)
	if err != nil {
		f.t.Errorf("criteria value %q", q.Criteria.Value)
	}
	f.mu.Lock()
	id := fmt.Sprint(9000 + len(f.jobs))
	f.jobs[id] = from
	f.mu.Unlock()
	writeJSON(rw, 201, map[string]any{"data": []map[string]any{{"status": "success", "code": "ADDED_SUCCESSFULLY",
		"details": map[string]any{"id": id, "operation": "read", "state": "ADDED"}}}, "info": map[string]any{}})
}

func (f *chainCRM) poll(rw http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.polls++
	state := "IN PROGRESS"
	if f.polls%3 == 0 {
		state = "COMPLETED"
	}
	f.mu.Unlock()
	id := r.PathValue("id")
	result := map[string]any{"page": 1, "count": 1, "download_url": "/crm/bulk/v8/read/" + id + "/result", "more_records": false}
	if f.endless {
		result["more_records"], result["next_page_token"] = true, "same-token"
	}
	writeJSON(rw, 200, map[string]any{"data": []map[string]any{{"id": id, "state": state, "result": result}}})
}

func (f *chainCRM) result(rw http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	from := f.jobs[r.PathValue("id")]
	f.mu.Unlock()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(r.PathValue("id") + ".csv")
	cw := csv.NewWriter(w)
	cw.Write([]string{"Id", "Modified_Time", "N", "Owner"})
	for i := len(f.ids) - 1; i >= 0; i-- { // not sorted, like an export
		if !f.mod[i].Before(from) {
			mod := f.mod[i].Format(time.RFC3339)
			if f.naive {
				mod = f.mod[i].Format("2006-01-02T15:04:05")
			}
			cw.Write([]string{f.ids[i], mod, strconv.Itoa(i), "5725767000000000001"})
		}
	}
	cw.Flush()
	zw.Close()
	rw.Header().Set("Content-Type", "application/zip")
	rw.Write(buf.Bytes())
}

func checkAll(t *testing.T, f *chainCRM, recs []zsync.Record) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("duplicate %s", r.ID)
		}
		seen[r.ID] = true
		n, ok := r.Fields["N"].(int64)
		if !ok || f.ids[n] != r.ID || !r.Modified.Equal(f.mod[n]) {
			t.Fatalf("record %+v", r)
		}
	}
	if len(seen) != len(f.ids) {
		t.Fatalf("read %d of %d records", len(seen), len(f.ids))
	}
}

func TestReadPastChainLimit(t *testing.T) {
	t.Run("NewChain", func(t *testing.T) {
		c, w := setup(t, WithBulkReadAbove(0))
		c.chainLimit = 400
		f := newChainCRM(t, w, 1001, 400)
		recs, err := collect(c.Records(context.Background(), "Things", zsync.ReadOptions{Fields: []string{"N"}}))
		if err != nil {
			t.Fatal(err)
		}
		checkAll(t, f, recs)
		for i := 1; i < len(recs); i++ {
			if recs[i].Modified.Before(recs[i-1].Modified) {
				t.Fatalf("out of order at %d", i)
			}
		}
	})
	t.Run("BulkRead", func(t *testing.T) {
		c, w := setup(t)
		c.chainLimit, c.bulkMin = 400, 400
		f := newChainCRM(t, w, 1001, 400)
		recs, err := collect(c.Records(context.Background(), "Things", zsync.ReadOptions{Fields: []string{"N"}}))
		if err != nil {
			t.Fatal(err)
		}
		checkAll(t, f, recs)
		if o := recs[len(recs)-1].Fields["Owner"]; o != (zsync.Lookup{ID: "5725767000000000001"}) {
			t.Errorf("Owner from CSV = %#v", o)
		}
		if len(w.sleeps.All()) != 2 {
			t.Errorf("polls waited %v", w.sleeps.All())
		}
		if !strings.Contains(w.Logs(), "Bulk Read") {
			t.Errorf("switch to Bulk Read not logged")
		}
	})
	// ISO 8601 allows a datetime without an offset, which does not parse:
	// such records are passed on (a repeat costs nothing), not dropped as
	// older than the tail.
	t.Run("BulkReadUnreadableTimes", func(t *testing.T) {
		c, w := setup(t)
		c.chainLimit, c.bulkMin = 400, 400
		f := newChainCRM(t, w, 1001, 400)
		f.naive = true
		recs, err := collect(c.Records(context.Background(), "Things", zsync.ReadOptions{Fields: []string{"N"}}))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			seen[r.ID] = true
		}
		if len(seen) != len(f.ids) {
			t.Fatalf("read %d of %d records", len(seen), len(f.ids))
		}
		if !strings.Contains(w.Logs(), "no Modified_Time") {
			t.Errorf("unreadable times not logged")
		}
	})
	t.Run("BulkReadSameTokenStops", func(t *testing.T) {
		c, w := setup(t)
		c.chainLimit, c.bulkMin = 400, 400
		f := newChainCRM(t, w, 1001, 400)
		f.endless = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := collect(c.Records(ctx, "Things", zsync.ReadOptions{Fields: []string{"N"}}))
		var pe *PagingError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "bulk read Things: Zoho's paging misbehaved: it sent the same page token twice") {
			t.Fatalf("err = %v, want the same-token *PagingError", err)
		}
		f.mu.Lock()
		n := len(f.jobs)
		f.mu.Unlock()
		if n != 2 {
			t.Errorf("%d jobs created, want 2 (the second one repeats the token)", n)
		}
		assertNoSecrets(t, err.Error(), "same-token")
	})
	// Without COQL nothing could name the ids Bulk Read exports for
	// lookups: a read that maps one goes on with new chains.
	t.Run("LookupsWithoutCOQLStayOnChains", func(t *testing.T) {
		c, w := setup(t)
		c.chainLimit, c.bulkMin = 400, 400
		f := newChainCRM(t, w, 1001, 400)
		recs, err := collect(c.Records(context.Background(), "Things", zsync.ReadOptions{Fields: []string{"N", "Owner"}}))
		if err != nil {
			t.Fatal(err)
		}
		checkAll(t, f, recs)
		if n := c.Stats().ByStatus[201]; n != 0 {
			t.Errorf("%d Bulk Read jobs created", n)
		}
		if !strings.Contains(w.Logs(), "not switching to Bulk Read") {
			t.Errorf("staying on chains not logged")
		}
	})
	t.Run("IncrementalNeverUsesBulk", func(t *testing.T) {
		c, w := setup(t)
		c.chainLimit, c.bulkMin = 400, 400
		f := newChainCRM(t, w, 1001, 400)
		since := f.mod[100]
		recs, err := collect(c.Records(context.Background(), "Things", zsync.ReadOptions{Since: since}))
		if err != nil {
			t.Fatal(err)
		}
		if want := 1001 - 102; len(recs) != want { // ids 0..101 are at or before since
			t.Fatalf("read %d, want %d", len(recs), want)
		}
		if c.Stats().ByStatus[201] != 0 {
			t.Errorf("bulk job created for an incremental read")
		}
	})
}

func TestMoreThan50FieldsMerged(t *testing.T) {
	c, w := setup(t)
	var fields []string
	meta := []map[string]any{{"api_name": "Modified_Time", "data_type": "datetime"}}
	for i := range 120 {
		fields = append(fields, fmt.Sprintf("F%03d", i))
		meta = append(meta, map[string]any{"api_name": fields[i], "data_type": "integer"})
	}
	w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, 200, map[string]any{"fields": meta})
	})
	passes := 0
	w.mux.HandleFunc("GET /crm/v8/Wide", func(rw http.ResponseWriter, r *http.Request) {
		asked := strings.Split(r.URL.Query().Get("fields"), ",")
		if len(asked) > 50 {
			writeJSON(rw, 400, map[string]any{"code": "LIMIT_EXCEEDED", "status": "error"})
			return
		}
		passes++
		var data []map[string]any
		for rec := range 3 {
			m := map[string]any{}
			for _, f := range asked {
				switch f {
				case "id":
					m[f] = fmt.Sprint(100 + rec)
				case "Modified_Time":
					m[f] = "2026-01-01T00:00:00Z"
				default:
					n, _ := strconv.Atoi(f[1:])
					m[f] = n * (rec + 1)
				}
			}
			data = append(data, m)
		}
		writeJSON(rw, 200, map[string]any{"data": data, "info": map[string]any{"more_records": false}})
	})
	recs, err := collect(c.Records(context.Background(), "Wide", zsync.ReadOptions{Fields: fields}))
	if err != nil {
		t.Fatal(err)
	}
	if passes != 3 || len(recs) != 3 {
		t.Fatalf("%d passes, %d records", passes, len(recs))
	}
	for i, r := range recs {
		if len(r.Fields) != 122 || r.Fields["F119"] != int64(119*(i+1)) || r.ID != fmt.Sprint(100+i) {
			t.Errorf("record %d: %d fields, F119=%v", i, len(r.Fields), r.Fields["F119"])
		}
	}
}
