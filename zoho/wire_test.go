package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

const (
	testClientID     = "1000.TESTCLIENT"
	testClientSecret = "client-secret-0123456789"
	testRefresh      = "1000.aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb"
)

// wire is a hand-written Zoho for exact wire checks: accounts server at
// /accounts, the CRM API at the root.
type wire struct {
	srv     *httptest.Server
	mux     *http.ServeMux
	clock   *fakeClock
	sleeps  *sleeps
	tokens  atomic.Int64 // tokens minted
	current atomic.Value // string: the valid access token
	// tokenReply, when set, answers the token endpoint instead.
	tokenReply func(w http.ResponseWriter, r *http.Request)
	logs       *bytes.Buffer
	logMu      sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func setup(t *testing.T, opts ...Option) (*Client, *wire) {
	t.Helper()
	w := &wire{mux: http.NewServeMux(), clock: newFakeClock(), sleeps: &sleeps{}, logs: &bytes.Buffer{}}
	w.current.Store("")
	w.mux.HandleFunc("POST /accounts/oauth/v2/token", func(rw http.ResponseWriter, r *http.Request) {
		if w.tokenReply != nil {
			w.tokenReply(rw, r)
			return
		}
		if r.FormValue("client_id") != testClientID || r.FormValue("client_secret") != testClientSecret ||
			r.FormValue("refresh_token") != testRefresh || r.FormValue("grant_type") != "refresh_token" {
			fmt.Fprint(rw, `{"error":"invalid_code"}`)
			return
		}
		n := w.tokens.Add(1)
		tok := fmt.Sprintf("1000.%032x.%d", n, n)
		w.current.Store(tok)
		fmt.Fprintf(rw, `{"access_token":%q,"api_domain":%q,"token_type":"Bearer","expires_in":3600}`, tok, w.srv.URL)
	})
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/accounts/") {
			if got := r.Header.Get("Authorization"); got != "Zoho-oauthtoken "+w.current.Load().(string) {
				rw.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(rw, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`)
				return
			}
		}
		w.mux.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.srv.Close)
	log := zerolog.New(lockedWriter{&w.logMu, w.logs}).Level(zerolog.DebugLevel)
	base := []Option{
		WithoutCOQL(), // the fake serves Get Records only
		WithCredentials(Credentials{ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefresh, DC: "eu"}),
		WithAccountsURL(w.srv.URL + "/accounts"),
		WithClock(w.clock.Now), WithSleep(w.sleeps.Sleep), WithLogger(log),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { assertNoSecrets(t, w.Logs()) })
	return c, w
}

func (w *wire) Logs() string {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	return w.logs.String()
}

func assertNoSecrets(t *testing.T, text string, extra ...string) {
	t.Helper()
	for _, s := range append([]string{testClientSecret, testRefresh, "aaaaaaaaaaaaaaaaaaaa"}, extra...) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("secret %q appears in:\n%s", s, text)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

var leadsFields = map[string]any{"fields": []map[string]any{
	{"api_name": "Last_Name", "data_type": "text", "json_type": "string", "field_label": "Last Name"},
	{"api_name": "Modified_Time", "data_type": "datetime", "json_type": "string"},
	{"api_name": "Owner", "data_type": "ownerlookup", "json_type": "jsonobject"},
	{"api_name": "Account", "data_type": "lookup", "json_type": "jsonobject", "lookup": map[string]any{"module": map[string]any{"api_name": "Accounts"}}},
	{"api_name": "Birthday", "data_type": "date", "json_type": "string"},
	{"api_name": "Langs", "data_type": "multiselectpicklist", "json_type": "jsonarray"},
	{"api_name": "Tag", "data_type": "text", "json_type": "jsonarray"},
	{"api_name": "Employees", "data_type": "integer", "json_type": "integer"},
	{"api_name": "Revenue", "data_type": "currency", "json_type": "double"},
	{"api_name": "Big", "data_type": "bigint", "json_type": "string"},
	{"api_name": "Converted__s", "data_type": "boolean", "json_type": "boolean"},
}}

func TestRecordsWire(t *testing.T) {
	c, w := setup(t)
	w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("module") != "Leads" {
			t.Errorf("module = %q", r.URL.Query().Get("module"))
		}
		writeJSON(rw, 200, leadsFields)
	})
	var calls []string
	w.mux.HandleFunc("GET /crm/v8/Leads", func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		calls = append(calls, q.Get("page")+"|"+q.Get("page_token"))
		if q.Get("fields") != "id,Modified_Time,Last_Name,Owner,Account,Birthday,Langs,Tag,Employees,Revenue,Big,Converted__s" {
			t.Errorf("fields = %q", q.Get("fields"))
		}
		for k, v := range map[string]string{"per_page": "200", "sort_by": "Modified_Time", "sort_order": "asc", "converted": "both"} {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
		if q.Has("page") && q.Has("page_token") {
			t.Errorf("page and page_token together")
		}
		if ims := r.Header.Get("If-Modified-Since"); ims != "2026-01-01T00:00:00+00:00" {
			t.Errorf("If-Modified-Since = %q", ims)
		}
		switch {
		case q.Get("page") == "1":
			io.WriteString(rw, `{"data":[{"id":"5725767000000412345","$editable":true,"Modified_Time":"2026-01-02T10:00:00+05:30",
				"Last_Name":"=IMPORTDATA(\"x\") \u00e9 😀","Owner":{"name":"Pat","id":"5725767000000001","email":"p@x.com"},
				"Account":{"name":"Zylker","id":"5725767000000002"},"Birthday":"1990-02-03","Langs":["English","German"],
				"Tag":[{"name":"vip","id":"5725767000000003"}],"Employees":120,"Revenue":250000.9,"Big":"12345678901234567890",
				"Converted__s":true}],
				"info":{"per_page":200,"count":1,"page":1,"more_records":true,"next_page_token":"tok2"}}`)
		case q.Get("page_token") == "tok2":
			io.WriteString(rw, `{"info":{"more_records":false,"count":1},"data":[{"id":"5725767000000412346","Modified_Time":"2026-01-03T10:00:00+05:30",
				"Last_Name":null,"Owner":null,"Account":null,"Birthday":null,"Langs":[],"Tag":[],"Employees":null,"Revenue":25,"Big":null,"Converted__s":false}]}`)
		default:
			t.Errorf("unexpected page %v", q)
		}
	})
	recs, err := collect(c.Records(context.Background(), "Leads", zsync.ReadOptions{
		Fields: []string{"Last_Name", "Owner", "Account", "Birthday", "Langs", "Tag", "Employees", "Revenue", "Big", "Converted__s", "id"},
		Since:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || strings.Join(calls, ",") != "1|,|tok2" {
		t.Fatalf("got %d records, calls %v", len(recs), calls)
	}
	r := recs[0]
	ist := time.FixedZone("", 5*3600+1800)
	want := map[string]zsync.Value{
		"id":            "5725767000000412345",
		"Modified_Time": time.Date(2026, 1, 2, 10, 0, 0, 0, ist),
		"Last_Name":     "=IMPORTDATA(\"x\") é 😀",
		"Owner":         zsync.Lookup{ID: "5725767000000001", Name: "Pat", Email: "p@x.com"},
		"Account":       zsync.Lookup{ID: "5725767000000002", Name: "Zylker"},
		"Birthday":      zsync.Date{Year: 1990, Month: 2, Day: 3},
		"Langs":         []string{"English", "German"},
		"Tag":           []zsync.Value{zsync.Lookup{ID: "5725767000000003", Name: "vip"}},
		"Employees":     int64(120),
		"Revenue":       250000.9,
		"Big":           "12345678901234567890",
		"Converted__s":  true,
	}
	if r.ID != "5725767000000412345" || !r.Modified.Equal(time.Date(2026, 1, 2, 4, 30, 0, 0, time.UTC)) {
		t.Errorf("ID %s Modified %v", r.ID, r.Modified)
	}
	if len(r.Fields) != len(want) {
		t.Errorf("fields %v", r.Fields)
	}
	for k, v := range want {
		got := r.Fields[k]
		if tv, ok := v.(time.Time); ok {
			if gt, ok := got.(time.Time); !ok || !gt.Equal(tv) {
				t.Errorf("%s = %#v, want %v", k, got, v)
			}
			continue
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	r = recs[1]
	for _, k := range []string{"Last_Name", "Owner", "Account", "Birthday", "Employees", "Big"} {
		if v, ok := r.Fields[k]; !ok || v != nil {
			t.Errorf("%s = %#v, want nil", k, v)
		}
	}
	if v := r.Fields["Revenue"]; v != 25.0 {
		t.Errorf("Revenue = %#v", v)
	}
	if v := r.Fields["Converted__s"]; v != false {
		t.Errorf("Converted__s = %#v", v)
	}
	if st := c.Stats(); st.Calls != 3 || st.TokenRefreshes != 1 || st.ByStatus[200] != 3 || st.Retries != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRecordsPagesThenNeedsToken(t *testing.T) {
	c, w := setup(t)
	w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) { writeJSON(rw, 200, leadsFields) })
	w.mux.HandleFunc("GET /crm/v8/Deals", func(rw http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("converted") {
			t.Errorf("converted sent for Deals")
		}
		var page int
		fmt.Sscan(q.Get("page"), &page)
		if page > 10 {
			writeJSON(rw, 400, map[string]any{"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "details": map[string]any{"limit": 2000}, "message": "no", "status": "error"})
			return
		}
		data := make([]map[string]any, 200)
		for i := range data {
			data[i] = map[string]any{"id": fmt.Sprint(page*1000 + i), "Modified_Time": "2026-01-02T10:00:00Z"}
		}
		writeJSON(rw, 200, map[string]any{"data": data, "info": map[string]any{"more_records": true, "page": page}})
	})
	recs, err := collect(c.Records(context.Background(), "Deals", zsync.ReadOptions{}))
	if err == nil || !strings.Contains(err.Error(), "no page token") {
		t.Fatalf("err = %v", err)
	}
	if len(recs) != 2000 {
		t.Errorf("read %d before failing", len(recs))
	}
}

func TestEmptyAnswers(t *testing.T) {
	c, w := setup(t)
	w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) { writeJSON(rw, 200, leadsFields) })
	w.mux.HandleFunc("GET /crm/v8/Leads", func(rw http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Modified-Since") != "" {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		rw.WriteHeader(http.StatusNoContent)
	})
	w.mux.HandleFunc("GET /crm/v8/Leads/deleted", func(rw http.ResponseWriter, r *http.Request) { rw.WriteHeader(http.StatusNoContent) })
	ctx := context.Background()
	for _, since := range []time.Time{{}, time.Now()} {
		recs, err := collect(c.Records(ctx, "Leads", zsync.ReadOptions{Since: since}))
		if err != nil || len(recs) != 0 {
			t.Errorf("since %v: %v %v", since, recs, err)
		}
	}
	dels, err := collect(c.Deleted(ctx, "Leads", time.Now()))
	if err != nil || len(dels) != 0 {
		t.Errorf("deleted: %v %v", dels, err)
	}
}

func TestRetries(t *testing.T) {
	c, w := setup(t, WithMaxRetries(3))
	var n atomic.Int64
	fail := map[int]func(http.ResponseWriter){
		1: func(rw http.ResponseWriter) {
			rw.Header().Set("Retry-After", "7")
			writeJSON(rw, 429, map[string]any{"code": "TOO_MANY_REQUESTS", "message": "slow down", "status": "error"})
		},
		2: func(rw http.ResponseWriter) {
			writeJSON(rw, 500, map[string]any{"code": "INTERNAL_ERROR", "status": "error"})
		},
		3: func(rw http.ResponseWriter) {
			hj := rw.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"cou")
			conn.Close()
		},
	}
	w.mux.HandleFunc("GET /crm/v8/Leads/actions/count", func(rw http.ResponseWriter, r *http.Request) {
		if f := fail[int(n.Add(1))]; f != nil {
			f(rw)
			return
		}
		writeJSON(rw, 200, map[string]any{"count": 42})
	})
	got, err := c.Count(context.Background(), "Leads")
	if err != nil || got != 42 {
		t.Fatalf("Count = %d, %v", got, err)
	}
	st := c.Stats()
	if st.Retries != 3 || st.Calls != 4 || st.ByStatus[429] != 1 || st.ByStatus[500] != 1 || st.ByStatus[200] != 2 {
		t.Errorf("stats %+v", st)
	}
	sl := w.sleeps.All()
	if len(sl) != 3 || sl[0] < 7*time.Second {
		t.Errorf("sleeps %v (Retry-After 7s first)", sl)
	}
	// 500: second retry of the call; cut body: first retry of the read.
	for i, lim := range []time.Duration{2 * backoffBase, backoffBase} {
		if d := sl[i+1]; d < lim/2 || d > lim {
			t.Errorf("sleep %d = %v, want within [%v, %v]", i+2, d, lim/2, lim)
		}
	}
	if !strings.Contains(w.Logs(), "recovered") {
		t.Errorf("no recovery logged")
	}

	t.Run("PermanentFailure", func(t *testing.T) {
		c, w := setup(t, WithMaxRetries(2))
		w.mux.HandleFunc("GET /crm/v8/Leads/actions/count", func(rw http.ResponseWriter, r *http.Request) {
			writeJSON(rw, 503, map[string]any{"code": "INTERNAL_ERROR", "message": "down", "status": "error"})
		})
		_, err := c.Count(context.Background(), "Leads")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 503 || !strings.Contains(err.Error(), "gave up after 3 attempts") {
			t.Fatalf("err = %v", err)
		}
		if zsync.Hint(err) == "" {
			t.Errorf("no hint")
		}
		if st := c.Stats(); st.Calls != 3 {
			t.Errorf("calls %d", st.Calls)
		}
	})
	t.Run("NotRetried", func(t *testing.T) {
		c, w := setup(t)
		w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) {
			writeJSON(rw, 400, map[string]any{"code": "INVALID_MODULE", "details": map[string]any{"resource_path_index": 0},
				"message": "the module name given seems to be invalid", "status": "error"})
		})
		_, err := c.Fields(context.Background(), "Leadz")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != "INVALID_MODULE" || ae.Details["resource_path_index"] != 0.0 {
			t.Fatalf("err = %#v", err)
		}
		if !strings.Contains(zsync.Hint(err), "zoho2sheets fields") {
			t.Errorf("hint %q", zsync.Hint(err))
		}
		if st := c.Stats(); st.Calls != 1 || st.Retries != 0 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("CancelStopsRetrying", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		c, w := setup(t, WithSleep(func(context.Context, time.Duration) error { cancel(); return context.Canceled }))
		w.mux.HandleFunc("GET /crm/v8/Leads/actions/count", func(rw http.ResponseWriter, r *http.Request) { writeJSON(rw, 500, nil) })
		_, err := c.Count(ctx, "Leads")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestInvalidTokenRefreshesOnce(t *testing.T) {
	c, w := setup(t)
	w.mux.HandleFunc("GET /crm/v8/Leads/actions/count", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, 200, map[string]any{"count": 1})
	})
	ctx := context.Background()
	if _, err := c.Count(ctx, "Leads"); err != nil {
		t.Fatal(err)
	}
	w.current.Store("revoked-everything") // every issued token now fails
	if _, err := c.Count(ctx, "Leads"); err != nil {
		t.Fatalf("after token death: %v", err)
	}
	if st := c.Stats(); st.TokenRefreshes != 2 || st.ByStatus[401] != 1 {
		t.Errorf("stats %+v", st)
	}
	// A token that keeps failing: one refresh, then a clear error.
	w.tokenReply = func(rw http.ResponseWriter, r *http.Request) {
		w.tokens.Add(1)
		fmt.Fprintf(rw, `{"access_token":"1000.%032x.dead","api_domain":%q,"expires_in":3600}`, 7, w.srv.URL)
	}
	w.current.Store("nobody")
	_, err := c.Count(ctx, "Leads")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "INVALID_TOKEN" || !strings.Contains(zsync.Hint(err), "zoho2sheets auth") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecrets(t, err.Error(), fmt.Sprintf("%032x", 7))
}

func TestTimeoutRetried(t *testing.T) {
	// Far longer than the token request and the second attempt take, even
	// under -race on a loaded machine; the first attempt waits it out.
	c, w := setup(t, WithRequestTimeout(time.Second))
	var n atomic.Int64
	gaveUp := make(chan struct{})
	w.mux.HandleFunc("GET /crm/v8/Leads/actions/count", func(rw http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up
			close(gaveUp)
			return
		}
		writeJSON(rw, 200, map[string]any{"count": 3})
	})
	got, err := c.Count(context.Background(), "Leads")
	if err != nil || got != 3 {
		t.Fatalf("Count = %d, %v", got, err)
	}
	select { // the server sees the client go once it closes the connection
	case <-gaveUp:
	case <-time.After(10 * time.Second):
		t.Fatal("the hung attempt was never given up")
	}
	// Each attempt but the last timed out (status 0) and was retried:
	// the hung one, and any other that a loaded machine slowed past it.
	if st := c.Stats(); n.Load() < 2 || st.Retries != int(n.Load())-1 || st.ByStatus[0] != int(n.Load())-1 {
		t.Errorf("%d attempts, stats %+v", n.Load(), st)
	}
}

type countingObserver struct{ calls, retries, tokens atomic.Int64 }

func (o *countingObserver) APICall(int)   { o.calls.Add(1) }
func (o *countingObserver) Retry()        { o.retries.Add(1) }
func (o *countingObserver) TokenRefresh() { o.tokens.Add(1) }

func TestObserverAndConcurrency(t *testing.T) {
	obs := &countingObserver{}
	c, w := setup(t, WithObserver(obs), WithConcurrency(2))
	var inFlight, peak atomic.Int64
	release := make(chan struct{})
	w.mux.HandleFunc("GET /crm/v8/Leads/actions/count", func(rw http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		writeJSON(rw, 200, map[string]any{"count": 1})
	})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.Count(context.Background(), "Leads"); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(3 * time.Millisecond)
	close(release)
	wg.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d calls in flight with concurrency 2", peak.Load())
	}
	if obs.calls.Load() != 6 || obs.tokens.Load() != 1 || obs.retries.Load() != 0 {
		t.Errorf("observer saw %d calls, %d tokens, %d retries", obs.calls.Load(), obs.tokens.Load(), obs.retries.Load())
	}
}

// withCOQL undoes setup's WithoutCOQL.
func withCOQL() Option { return func(c *Client) error { c.noCOQL.Store(nil); return nil } }

// COQL answers no rows either with 204 or with data:[] (reference §5.1:
// unconfirmed which); both are an empty read. The query asks for what the
// read needs: the columns, a WHERE (Zoho requires one), 2,000 rows.
func TestCOQLEmptyAnswers(t *testing.T) {
	c, w := setup(t, withCOQL())
	w.mux.HandleFunc("GET /crm/v8/settings/fields", func(rw http.ResponseWriter, r *http.Request) { writeJSON(rw, 200, leadsFields) })
	var queries []string
	n := 0
	w.mux.HandleFunc("POST /crm/v8/coql", func(rw http.ResponseWriter, r *http.Request) {
		var body struct {
			Query string `json:"select_query"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		queries = append(queries, body.Query)
		if n++; n%2 == 1 {
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(rw, 200, map[string]any{"data": []any{}, "info": map[string]any{"count": 0, "more_records": false}})
	})
	ctx := context.Background()
	for _, opts := range []zsync.ReadOptions{{}, {Since: time.Now()}, {Fields: []string{"Last_Name"}, Where: "Last_Name = 'x'"}, {Since: time.Now()}} {
		recs, err := collect(c.Records(ctx, "Leads", opts))
		if err != nil || len(recs) != 0 {
			t.Errorf("%+v: %v %v", opts, recs, err)
		}
	}
	want := []string{
		"select Modified_Time from Leads where id is not null order by id asc limit 2000",
		"select Modified_Time from Leads where Modified_Time >= '",
		"select Modified_Time, Last_Name from Leads where (Last_Name = 'x') order by id asc limit 2000",
	}
	for i, w := range want {
		if !strings.HasPrefix(queries[i], w) {
			t.Errorf("query %d = %q, want %q…", i, queries[i], w)
		}
	}
	if got := c.Stats().Credits; got != 4*3+1 {
		t.Errorf("credits %d, want 3 per 2,000-record query plus the metadata call", got)
	}
}

func TestParseCount(t *testing.T) {
	for raw, want := range map[string]int{`"1234"`: 1234, `1234`: 1234, `"0"`: 0} {
		if n, err := parseCount(json.RawMessage(raw)); err != nil || n != want {
			t.Errorf("%s: %d, %v", raw, n, err)
		}
	}
	for _, raw := range []string{`"many"`, `null`, `1.5`} {
		if _, err := parseCount(json.RawMessage(raw)); err == nil {
			t.Errorf("%s: no error", raw)
		}
	}
}
