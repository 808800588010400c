package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/alert"
)

// webhook is a local webhook server that records the bodies it gets and
// answers with the queued status codes (then 200).
type webhook struct {
	mu       sync.Mutex
	bodies   [][]byte
	statuses []int
	retryHdr string
	srv      *httptest.Server
}

func newWebhook(t *testing.T, statuses ...int) *webhook {
	t.Helper()
	w := &webhook{statuses: statuses}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook/T000/B000/XXXXsecretpart", func(rw http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.bodies = append(w.bodies, b)
		status := http.StatusOK
		if len(w.statuses) > 0 {
			status, w.statuses = w.statuses[0], w.statuses[1:]
		}
		w.mu.Unlock()
		if status == http.StatusTooManyRequests && w.retryHdr != "" {
			rw.Header().Set("Retry-After", w.retryHdr)
		}
		rw.WriteHeader(status)
		if status != http.StatusOK {
			io.WriteString(rw, "no_service")
		} else {
			io.WriteString(rw, "ok")
		}
	})
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) URL() string { return w.srv.URL + "/hook/T000/B000/XXXXsecretpart" }

func (w *webhook) Bodies() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.bodies...)
}

// sleeps records the waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func fixedNow() time.Time { return time.Date(2026, 3, 1, 6, 30, 0, 0, time.UTC) }

func newNotifier(t *testing.T, w *webhook, log io.Writer, opts ...alert.Option) (*alert.Notifier, *sleeps) {
	t.Helper()
	s := &sleeps{}
	opts = append([]alert.Option{
		alert.WithHTTPClient(w.srv.Client()),
		alert.WithSleep(s.Sleep),
		alert.WithClock(fixedNow),
		alert.WithLogger(zerolog.New(log)),
	}, opts...)
	n, err := alert.New(w.URL(), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n, s
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("webhook body is not a JSON object: %v\n%s", err, b)
	}
	return m
}

func TestFailureGenericJSON(t *testing.T) {
	w := newWebhook(t)
	var logs bytes.Buffer
	n, _ := newNotifier(t, w, &logs)
	run := time.Date(2026, 3, 1, 6, 0, 0, 0, time.FixedZone("CET", 3600))
	err := n.Failure(context.Background(), alert.Failure{
		Module: "Leads", Err: "read records: zoho: HTTP 401 INVALID_TOKEN", Hint: "run zoho2sheets auth again", Run: run,
	})
	if err != nil {
		t.Fatalf("Failure: %v", err)
	}
	bodies := w.Bodies()
	if len(bodies) != 1 {
		t.Fatalf("webhook got %d posts, want 1", len(bodies))
	}
	got := decode(t, bodies[0])
	want := map[string]any{
		"event":   "run_failed",
		"app":     "zoho2sheets",
		"module":  "Leads",
		"error":   "read records: zoho: HTTP 401 INVALID_TOKEN",
		"hint":    "run zoho2sheets auth again",
		"time":    "2026-03-01T05:00:00Z",
		"summary": "zoho2sheets: sync of Leads failed: read records: zoho: HTTP 401 INVALID_TOKEN",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("payload (-want +got):\n%s", d)
	}
	assertNoURL(t, logs.String())
	if !strings.Contains(logs.String(), "127.0.0.1") {
		t.Errorf("log does not name the webhook host: %s", logs.String())
	}
}

func TestFailureSlack(t *testing.T) {
	w := newWebhook(t)
	n, _ := newNotifier(t, w, io.Discard, alert.WithFormat(alert.FormatSlack))
	err := n.Failure(context.Background(), alert.Failure{
		Module: "Deals", Err: "write tab \"Deals\": <@U123> & more", Hint: "share the sheet", Run: fixedNow(),
	})
	if err != nil {
		t.Fatalf("Failure: %v", err)
	}
	got := decode(t, w.Bodies()[0])
	text, _ := got["text"].(string)
	if !strings.Contains(text, "Deals") || !strings.Contains(text, "&lt;@U123&gt; &amp; more") {
		t.Errorf("text = %q, want the module and the escaped error", text)
	}
	blocks, _ := got["blocks"].([]any)
	if len(blocks) != 3 {
		t.Fatalf("blocks = %v, want header, section, context", got["blocks"])
	}
	var types []string
	for _, b := range blocks {
		types = append(types, b.(map[string]any)["type"].(string))
	}
	if d := cmp.Diff([]string{"header", "section", "context"}, types); d != "" {
		t.Errorf("block types (-want +got):\n%s", d)
	}
	sec := blocks[1].(map[string]any)["text"].(map[string]any)
	if sec["type"] != "mrkdwn" || !strings.Contains(sec["text"].(string), "share the sheet") {
		t.Errorf("section = %v, want mrkdwn with the hint", sec)
	}
	if _, ok := got["event"]; ok {
		t.Errorf("Slack payload has the generic event field: %v", got)
	}
}

func TestSlackDetectedFromURL(t *testing.T) {
	for _, tc := range []struct {
		url   string
		slack bool
	}{
		{"https://hooks.slack.com/services/T000/B000/XXXX", true},
		{"https://hooks.slack-gov.com/services/T000/B000/XXXX", true},
		{"https://hooks.slack.com/triggers/T000/1/abc", false}, // workflow webhooks take their own variables
		{"https://example.com/services/x", false},
		{"https://discord.com/api/webhooks/1/abc", false},
	} {
		if got := alert.IsSlackURL(tc.url); got != tc.slack {
			t.Errorf("IsSlackURL(%s) = %v, want %v", tc.url, got, tc.slack)
		}
	}
}

func TestRetryOn5xxAnd429(t *testing.T) {
	w := newWebhook(t, 500, 429, 502)
	w.retryHdr = "7"
	var logs bytes.Buffer
	n, s := newNotifier(t, w, &logs)
	if err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: "boom"}); err != nil {
		t.Fatalf("Failure after 3 transient errors (4 attempts): %v", err)
	}
	if got := len(w.Bodies()); got != 4 {
		t.Errorf("webhook got %d posts, want 4", got)
	}
	// 1s backoff, then the server's Retry-After, then 4s backoff.
	if d := cmp.Diff([]time.Duration{time.Second, 7 * time.Second, 4 * time.Second}, s.d); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
	assertNoURL(t, logs.String())
}

func TestRetryGivesUp(t *testing.T) {
	w := newWebhook(t, 500, 500, 500, 500, 500)
	var logs bytes.Buffer
	n, _ := newNotifier(t, w, &logs, alert.WithRetry(3, time.Second))
	err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: "boom"})
	if err == nil {
		t.Fatal("Failure succeeded against a webhook that always answers 500")
	}
	if got := len(w.Bodies()); got != 3 {
		t.Errorf("webhook got %d posts, want 3 (the bound)", got)
	}
	if !strings.Contains(err.Error(), "HTTP 500") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error = %q, want the status and the host", err)
	}
	assertNoURL(t, err.Error())
	assertNoURL(t, logs.String())
}

func TestNoRetryOn4xx(t *testing.T) {
	w := newWebhook(t, 404)
	n, s := newNotifier(t, w, io.Discard)
	err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: "boom"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 404: no_service") {
		t.Fatalf("error = %v, want HTTP 404: no_service", err)
	}
	if len(w.Bodies()) != 1 || len(s.d) != 0 {
		t.Errorf("a 404 was retried (%d posts, %d waits)", len(w.Bodies()), len(s.d))
	}
}

func TestNetworkErrorHidesURL(t *testing.T) {
	// A server that drops every connection, rather than a closed one: the
	// port of a closed server may be another process's by the time of the
	// post, and answer.
	w := &webhook{srv: httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))}
	t.Cleanup(w.srv.Close)
	n, _ := newNotifier(t, w, io.Discard, alert.WithRetry(2, time.Second))
	err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: "boom"})
	if err == nil {
		t.Fatal("Failure succeeded against a server that drops the connection")
	}
	assertNoURL(t, err.Error())
}

func TestTimeoutPerAttempt(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := &sleeps{}
	n, err := alert.New(srv.URL+"/x", alert.WithHTTPClient(srv.Client()), alert.WithSleep(s.Sleep),
		alert.WithRetry(2, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: "boom"}); err == nil {
		t.Fatal("Failure succeeded against a webhook that never answers")
	}
	if len(s.d) != 1 {
		t.Errorf("waits = %v, want one retry after the first timeout", s.d)
	}
}

func TestScrubbing(t *testing.T) {
	w := newWebhook(t)
	n, _ := newNotifier(t, w, io.Discard)
	secrets := []string{
		"1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210",
		"ya29.a0AfH6SMBx-secret_token.value",
		"1//0gLongGoogleRefreshTokenValue_abc-123",
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
		"s3cr3tClientValue",
		"XXXXsecretpart",
	}
	errText := "token refresh: POST https://accounts.zoho.eu/oauth/v2/token?client_secret=s3cr3tClientValue&grant_type=refresh_token: " +
		`{"access_token":"1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"} ` +
		"Authorization: Bearer ya29.a0AfH6SMBx-secret_token.value refresh 1//0gLongGoogleRefreshTokenValue_abc-123 " +
		"key -----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n " +
		"posted to https://hooks.slack.com/services/T000/B000/XXXXsecretpart"
	hint := "-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC" // cut-off PEM
	for _, format := range []alert.Format{alert.FormatJSON, alert.FormatSlack} {
		n.Format = format
		if err := n.Failure(context.Background(), alert.Failure{Module: "Leads", Err: errText, Hint: hint}); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range w.Bodies() {
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("post %d contains the secret %q:\n%s", i, s, b)
			}
		}
		if !bytes.Contains(b, []byte("token refresh")) || !bytes.Contains(b, []byte("grant_type=refresh_token")) {
			t.Errorf("post %d lost the non-secret text:\n%s", i, b)
		}
	}
}

func TestScrubKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"module Leads: read records: HTTP 500 INTERNAL_ERROR",
		"client id 1000.ABCDEFGHIJ is not a secret",
		"version 1000.5 and 1000.25.3",
		"write tab \"Deals\": the sheet has 10000000 cells",
	} {
		if got := alert.Scrub(s); got != s {
			t.Errorf("Scrub(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestDigest(t *testing.T) {
	w := newWebhook(t)
	n, _ := newNotifier(t, w, io.Discard)
	var d alert.Digest
	d.Since = fixedNow().Add(-24 * time.Hour)
	d.AddRun(true)
	d.AddModule("Leads", "", true, 100, 10, 80, 1, 0, fixedNow().Add(-2*time.Hour))
	d.AddModule("Deals", "Deals", true, 5, 5, 0, 0, 0, fixedNow().Add(-2*time.Hour))
	d.AddModule("Deals", "Pipeline history", true, 7, 7, 0, 0, 0, fixedNow().Add(-2*time.Hour))
	d.AddRun(false)
	d.AddModule("Leads", "Leads", true, 20, 2, 18, 0, 0, fixedNow().Add(-time.Hour))
	d.AddModule("Deals", "Deals", false, 0, 0, 0, 0, 0, fixedNow().Add(-time.Hour))
	d.AddModule("Deals", "Pipeline history", true, 7, 7, 0, 0, 0, fixedNow().Add(-time.Hour))
	if err := n.Digest(context.Background(), d); err != nil {
		t.Fatalf("Digest: %v", err)
	}
	got := decode(t, w.Bodies()[0])
	want := map[string]any{
		"event": "daily_digest", "app": "zoho2sheets",
		"time": "2026-03-01T06:30:00Z", "since": "2026-02-28T06:30:00Z",
		"runs": 2.0, "failed_runs": 1.0,
		"modules": []any{
			map[string]any{"module": "Deals", "sheet": "Deals", "read": 5.0, "added": 5.0, "updated": 0.0, "removed": 0.0, "marked": 0.0,
				"failures": 1.0, "last_success": "2026-03-01T04:30:00Z"},
			map[string]any{"module": "Deals", "sheet": "Pipeline history", "read": 14.0, "added": 14.0, "updated": 0.0, "removed": 0.0, "marked": 0.0,
				"failures": 0.0, "last_success": "2026-03-01T05:30:00Z"},
			map[string]any{"module": "Leads", "sheet": "Leads", "read": 120.0, "added": 12.0, "updated": 98.0, "removed": 1.0, "marked": 0.0,
				"failures": 0.0, "last_success": "2026-03-01T05:30:00Z"},
		},
		"summary": "zoho2sheets daily digest: 2 runs (1 failed); Deals: 5 read, 5 added, 0 updated, 0 removed, 0 marked, 1 failures; " +
			"Deals (tab Pipeline history): 14 read, 14 added, 0 updated, 0 removed, 0 marked; " +
			"Leads: 120 read, 12 added, 98 updated, 1 removed, 0 marked",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("digest payload (-want +got):\n%s", diff)
	}

	n.Format = alert.FormatSlack
	if err := n.Digest(context.Background(), d); err != nil {
		t.Fatalf("Digest (Slack): %v", err)
	}
	slack := decode(t, w.Bodies()[1])
	blocks, _ := slack["blocks"].([]any)
	if len(blocks) != 3 {
		t.Fatalf("Slack digest blocks = %v", slack["blocks"])
	}
	table := blocks[1].(map[string]any)["text"].(map[string]any)["text"].(string)
	if !strings.Contains(table, "Leads") || !strings.Contains(table, "120") {
		t.Errorf("Slack digest table lacks Leads' counts:\n%s", table)
	}
	if !strings.Contains(table, "Deals (tab Pipeline history)") {
		t.Errorf("Slack digest table does not tell Deals' two tabs apart:\n%s", table)
	}
}

// Two tabs of one module must not produce alerts that read alike.
func TestFailureNamesTheTab(t *testing.T) {
	w := newWebhook(t)
	n, _ := newNotifier(t, w, io.Discard)
	for _, sheet := range []string{"Pipeline history", "Deals"} {
		if err := n.Failure(context.Background(), alert.Failure{Module: "Deals", Sheet: sheet, Err: "boom"}); err != nil {
			t.Fatalf("Failure: %v", err)
		}
	}
	n.Format = alert.FormatSlack
	if err := n.Failure(context.Background(), alert.Failure{Module: "Deals", Sheet: "Pipeline history", Err: "boom"}); err != nil {
		t.Fatalf("Failure (Slack): %v", err)
	}
	bodies := w.Bodies()
	hist, mirror := decode(t, bodies[0]), decode(t, bodies[1])
	if hist["module"] != "Deals" || hist["sheet"] != "Pipeline history" ||
		hist["summary"] != "zoho2sheets: sync of Deals (tab Pipeline history) failed: boom" {
		t.Errorf("history tab's alert = %v, want module Deals, sheet and summary naming the tab", hist)
	}
	if mirror["sheet"] != "Deals" || mirror["summary"] != "zoho2sheets: sync of Deals failed: boom" {
		t.Errorf("mirror tab's alert = %v, want sheet Deals and a summary without a tab", mirror)
	}
	slack := string(bodies[2])
	for _, want := range []string{"sync of Deals (tab Pipeline history) failed", `*Tab:* Pipeline history`} {
		if !strings.Contains(slack, want) {
			t.Errorf("Slack alert lacks %q: %s", want, slack)
		}
	}
}

func TestNewValidatesURL(t *testing.T) {
	for _, tc := range []struct {
		url, wantErr string
	}{
		{"https://hooks.slack.com/services/T/B/secretABC", ""},
		{"http://127.0.0.1:8080/hook", ""},
		{"http://localhost/hook", ""},
		{"http://[::1]:9/hook", ""},
		{"http://hooks.example.com/secretABC", "use https://"},
		{"ftp://example.com/secretABC", "use https://"},
		{"hooks.slack.com/services/T/B/secretABC", "not an absolute URL"},
		{"https://user:secretABC@example.com/x", "must not contain a user"},
		{"://%zz/secretABC", "not an absolute URL"},
	} {
		_, err := alert.New(tc.url)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("New(%q): %v", tc.url, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("New(%q) error = %v, want %q", tc.url, err, tc.wantErr)
			continue
		}
		if strings.Contains(err.Error(), "secretABC") {
			t.Errorf("New(%q) error leaks the URL: %v", tc.url, err)
		}
	}
}

func TestContextCanceledStopsRetrying(t *testing.T) {
	w := newWebhook(t, 500, 500, 500, 500)
	n, _ := newNotifier(t, w, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	n.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	if err := n.Failure(ctx, alert.Failure{Module: "Leads", Err: "boom"}); err == nil {
		t.Fatal("Failure succeeded")
	}
	if got := len(w.Bodies()); got != 1 {
		t.Errorf("webhook got %d posts after cancel, want 1", got)
	}
}

func assertNoURL(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, "secretpart") || strings.Contains(s, "/hook/") {
		t.Errorf("webhook URL path leaked: %s", s)
	}
}
