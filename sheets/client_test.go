package sheets

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// flaky fails the first n requests with status (and Retry-After when set),
// then serves ok.
func flaky(n int32, status int, retryAfter string, ok http.Handler) (http.Handler, *atomic.Int32) {
	calls := new(atomic.Int32)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			writeAPIError(w, status, "UNAVAILABLE", "backendError", "try again")
			return
		}
		ok.ServeHTTP(w, r)
	}), calls
}

type countingObserver struct{ calls, retries, tokens atomic.Int32 }

func (o *countingObserver) APICall(int)   { o.calls.Add(1) }
func (o *countingObserver) Retry()        { o.retries.Add(1) }
func (o *countingObserver) TokenRefresh() { o.tokens.Add(1) }

func TestOpenRetries(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		retryAfter string
		minWait    time.Duration
	}{
		{"Quota429", 429, "", 30 * time.Second},
		{"Quota429RetryAfter", 429, "7", 7 * time.Second},
		{"Unavailable503", 503, "", time.Second},
		{"Internal500", 500, "", time.Second},
		{"BadGateway502", 502, "", time.Second},
		{"Timeout504", 504, "", time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, calls := flaky(2, tc.status, tc.retryAfter, propsHandler("CRM", "Europe/Berlin"))
			obs := &countingObserver{}
			c, sl := stubClient(t, h, WithObserver(obs))
			ss, err := c.Open(context.Background(), "sheet123", "")
			if err != nil {
				t.Fatal(err)
			}
			if ss.Title() != "CRM" || ss.TimeZone() != "Europe/Berlin" {
				t.Errorf("title %q tz %q", ss.Title(), ss.TimeZone())
			}
			if calls.Load() != 3 {
				t.Errorf("%d calls, want 3", calls.Load())
			}
			waits := sl.all()
			if len(waits) != 2 || waits[0] < tc.minWait || waits[1] < waits[0] && tc.retryAfter == "" {
				t.Errorf("waits %v, want 2 growing waits of at least %v", waits, tc.minWait)
			}
			if tc.retryAfter != "" && waits[0] != tc.minWait {
				t.Errorf("Retry-After not honoured: %v", waits)
			}
			st := c.Stats()
			if st.Retries != 2 || st.ByStatus[tc.status] != 2 || st.ByStatus[200] != 1 || st.ReadRequests != 3 {
				t.Errorf("stats %+v", st)
			}
			if obs.calls.Load() != 3 || obs.retries.Load() != 2 {
				t.Errorf("observer calls %d retries %d", obs.calls.Load(), obs.retries.Load())
			}
		})
	}
}

func TestOpenGivesUp(t *testing.T) {
	h, calls := flaky(100, 503, "", propsHandler("x", "UTC"))
	c, _ := stubClient(t, h, WithMaxRetries(2))
	_, err := c.Open(context.Background(), "sheet123", "")
	if err == nil || calls.Load() != 3 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

func TestOpenErrorsSayWhatToDo(t *testing.T) {
	srv, _ := tokenServer(t)
	creds, err := CredentialsFromJSON(context.Background(), serviceAccountJSON(t, "sync@p.iam.gserviceaccount.com", srv.URL+"/token"), "test")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                string
		code                int
		status, reason, msg string
		wantMsg, wantHint   string
	}{
		{"NotShared", 403, "PERMISSION_DENIED", "forbidden", "The caller does not have permission",
			"caller does not have permission", "share the spreadsheet with sync@p.iam.gserviceaccount.com as Editor"},
		{"WrongID", 404, "NOT_FOUND", "notFound", "Requested entity was not found.",
			"no spreadsheet with id sheet123", "check spreadsheet_id"},
		{"APIDisabled", 403, "PERMISSION_DENIED", "accessNotConfigured",
			"Google Sheets API has not been used in project 498586711441 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=498586711441 then retry.",
			"has not been used", "enable the Google Sheets API in project 498586711441"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c, sl := stubClientAuth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if r.Header.Get("Authorization") != "Bearer tok-1" {
					t.Errorf("authorization %q", r.Header.Get("Authorization"))
				}
				writeAPIError(w, tc.code, tc.status, tc.reason, tc.msg)
			}), WithCredentials(creds))
			_, err := c.Open(context.Background(), "https://docs.google.com/spreadsheets/d/sheet123/edit#gid=0", "")
			if err == nil {
				t.Fatal("no error")
			}
			var he zsync.HintError
			if !errors.As(err, &he) {
				t.Fatalf("%v is not a HintError", err)
			}
			mustContain(t, err.Error(), tc.wantMsg)
			mustContain(t, he.Hint(), tc.wantHint)
			if calls.Load() != 1 || len(sl.all()) != 0 {
				t.Errorf("%d calls, %d sleeps: 4xx must not be retried", calls.Load(), len(sl.all()))
			}
		})
	}
}

func TestOpenRejectsBadIDs(t *testing.T) {
	c, _ := stubClient(t, propsHandler("x", "UTC"))
	for _, bad := range []string{"", "https://example.com/nope", "has space"} {
		_, err := c.Open(context.Background(), bad, "")
		var ce *zsync.ConfigError
		if !errors.As(err, &ce) || ce.Where != "spreadsheet_id" {
			t.Errorf("%q: got %v", bad, err)
		}
	}
	_, err := c.Open(context.Background(), "sheet123", "Mars/Olympus")
	var ce *zsync.ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("bad zone: got %v", err)
	}
}

func TestDroppedConnectionRetriedForReads(t *testing.T) {
	var calls atomic.Int32
	ok := propsHandler("CRM", "UTC")
	c, sl := stubClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			_ = conn.Close() // drop the connection without an answer
			return
		}
		ok(w, r)
	}))
	if _, err := c.Open(context.Background(), "sheet123", ""); err != nil {
		t.Fatal(err)
	}
	if len(sl.all()) != 1 || c.Stats().ByStatus[0] != 1 {
		t.Errorf("sleeps %v stats %+v", sl.all(), c.Stats())
	}
}

func TestNonIdempotentWriteNotRetriedAfterAmbiguousFailure(t *testing.T) {
	for _, tc := range []struct {
		status int
		retry  bool
	}{{500, false}, {502, false}, {504, false}, {503, true}, {429, true}} {
		var calls atomic.Int32
		c, _ := stubClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			writeAPIError(w, tc.status, "X", "backendError", "boom")
		}), WithMaxRetries(1))
		s := &Spreadsheet{c: c, id: "sheet123"}
		err := s.batchUpdate(context.Background(), "create tab", kindWriteOnce, nil, nil)
		if got := calls.Load() == 2; got != tc.retry {
			t.Errorf("%d: retried=%v, want %v", tc.status, got, tc.retry)
		}
		if !tc.retry && !errors.Is(err, ErrAmbiguous) {
			t.Errorf("%d: %v does not wrap ErrAmbiguous", tc.status, err)
		}
	}
}

func TestQuotaPacingUsesInjectedSleep(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"spreadsheetId":"sheet123","replies":[]}`))
	})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, sl := stubClient(t, h, WithQuota(2, 3), WithClock(func() time.Time { return now }))
	s := &Spreadsheet{c: c, id: "sheet123"}
	for range 4 {
		if err := s.batchUpdate(context.Background(), "x", kindWrite, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Three writes fit the quota; the fourth waits the whole minute for
	// the first to leave the window (the clock stands still).
	if waits := sl.all(); len(waits) != 1 || waits[0] != time.Minute {
		t.Errorf("write waits %v, want [1m0s]", waits)
	}
	// Reads have their own window: two go at once, the third waits.
	for range 3 {
		if _, err := s.get(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if waits := sl.all(); len(waits) != 2 || waits[1] != time.Minute {
		t.Errorf("waits %v, want [1m0s 1m0s]", waits)
	}
	if st := c.Stats(); st.WriteRequests != 4 || st.ReadRequests != 3 {
		t.Errorf("stats %+v", st)
	}
}
